from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from media import tasks
from media.errors import TransientError
from media.models import JobState, ProcessingJob
from tests.factories import FilmFactory

pytestmark = pytest.mark.django_db


def test_process_film_task_returns_when_the_film_is_gone() -> None:
    assert tasks.process_film.run(123_456) == "gone"


def test_process_film_task_skips_a_job_that_is_not_queued() -> None:
    film = FilmFactory.create(job__state=JobState.READY)
    assert tasks.process_film.run(film.pk) == "skipped"


def test_storage_trouble_is_retried(monkeypatch: Any) -> None:
    film = FilmFactory.create()

    def unreachable(name: str) -> bool:
        raise ConnectionError("storage unreachable")

    monkeypatch.setattr("media.pipeline.default_storage.exists", unreachable)
    with pytest.raises(TransientError):
        tasks.process_film.run(film.pk)
    job = ProcessingJob.objects.get(film=film)
    assert (job.state, job.attempts) == ("queued", 1)
    assert job.failure_reason == "storage error while copying the upload: storage unreachable"
    assert tasks.process_film.autoretry_for == (TransientError,)  # type: ignore[attr-defined]


def test_reaper_task_and_its_schedule(settings: Any) -> None:
    film = FilmFactory.create(job__state=JobState.TRANSCODING)
    ProcessingJob.objects.filter(film=film).update(attempts=1, heartbeat_at=timezone.now() - timedelta(hours=2))
    assert tasks.reap_stuck_jobs.run() == [film.pk]
    assert settings.CELERY_BEAT_SCHEDULE["media.reap_stuck_jobs"]["task"] == "media.reap_stuck_jobs"


@pytest.mark.services
def test_ffmpeg_killed_from_outside_is_retried_not_failed(
    ffmpeg: str, clips: dict[str, Any], media_storage: Any, monkeypatch: Any
) -> None:
    import signal

    from media.runner import RunFailed
    from tests.media.helpers import register

    def killed(*args: Any, **kwargs: Any) -> None:
        raise RunFailed("ffmpeg exited with -9", returncode=-signal.SIGKILL, stderr_tail="")

    film = register(clips["horizontal.mp4"])
    monkeypatch.setattr("media.pipeline.run", killed)
    with pytest.raises(TransientError):
        tasks.process_film.run(film.pk)
    job = ProcessingJob.objects.get(film=film)
    assert (job.state, job.failure_reason) == ("queued", "ffmpeg was killed by signal 9")
