from __future__ import annotations

from pathlib import Path

import pytest

from festival.models import AuditEvent
from media.models import FilmOutput, JobState, QCReport
from media.pipeline import process_film
from tests.media.helpers import job, register, stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_horizontal_film_becomes_ready(ffmpeg: str, clips: dict[str, Path], media_storage: Path) -> None:
    film = register(clips["horizontal.mp4"])
    assert process_film(film.pk) == JobState.READY
    state = job(film)
    assert (state.state, state.progress, state.attempts, state.failure_reason) == ("ready", 100, 1, "")
    outputs = {o.key: o for o in FilmOutput.objects.filter(film=film)}
    assert sorted(outputs) == ["hls/90p", "hls/master", "mp4", "poster", "storyboard"]
    assert (outputs["hls/90p"].width, outputs["hls/90p"].height) == (160, 90)
    files = stored_files(media_storage, film.pk)
    recorded = sorted(name for o in outputs.values() for name in o.files)
    assert files == recorded
    master = (media_storage / "films" / str(film.pk) / "hls/master.m3u8").read_text()
    assert "90p/index.m3u8" in master and "RESOLUTION=160x90" in master
    report = QCReport.objects.get(film=film)
    assert report.blocking is False
    assert report.metrics["scene_cuts"] == [1.0]
    assert (report.metrics["width"], report.metrics["height"], report.metrics["has_audio"]) == (160, 90, True)
    assert AuditEvent.objects.filter(action="media.film_ready", target_id=str(state.pk)).count() == 1
    # No temporary files left behind.
    assert list(Path(media_storage.parent / "work").glob("**/*")) == []


@pytest.mark.services
def test_the_worker_hashes_a_source_registered_without_its_sha256(
    ffmpeg: str, clips: dict[str, Path], media_storage: Path
) -> None:
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from media import services
    from media.models import Film
    from tests.media.helpers import RULES

    data = clips["horizontal.mp4"].read_bytes()
    name = default_storage.save("uploads/multi/source", ContentFile(data))
    film = services.register_film(
        source_name=name, original_filename="a.mp4", size_bytes=len(data), sha256="", group_key="edition:0", rules=RULES
    )
    assert process_film(film.pk) == "ready"
    assert Film.objects.get(pk=film.pk).sha256 == hashlib.sha256(data).hexdigest()
