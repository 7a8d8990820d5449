from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from festival.models import AuditEvent
from media import services
from media.models import Film, FilmOutput, JobState, ProcessingJob, QCReport
from media.pipeline import process_film
from media.rules import FilmRules

pytestmark = [pytest.mark.django_db, pytest.mark.services]

RULES = FilmRules(
    runtime_min_seconds=1,
    runtime_max_seconds=600,
    max_file_size_bytes=1024**3,
    allowed_containers=("mp4", "mov", "webm", "mkv"),
    min_short_side_px=64,
)


def register(path: Path, *, rules: FilmRules = RULES, name: str | None = None) -> Film:
    data = path.read_bytes()
    stored = default_storage.save(f"uploads/{name or path.name}", ContentFile(data))
    return services.register_film(
        source_name=stored,
        original_filename=path.name,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        group_key="edition:0",
        rules=rules,
    )


def job(film: Film) -> ProcessingJob:
    return ProcessingJob.objects.get(film=film)


def stored_files(root: Path, film_id: int) -> list[str]:
    base = root / "films" / str(film_id)
    # ai/ holds the AI-usage shot thumbnails (media.ai_usage), not pipeline outputs.
    names = (str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())
    return sorted(name for name in names if not name.startswith("ai/"))


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
