"""Job state machine: compare-and-set transitions, retries, the reaper, reprocess, idempotent re-runs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from festival.models import AuditEvent
from media import services
from media.errors import JobLost
from media.models import FilmOutput, JobState, ProcessingJob, QCReport
from media.pipeline import process_film
from tests.factories import FilmFactory, UserFactory
from tests.media.helpers import job, register, stored_files

pytestmark = pytest.mark.django_db


def test_claim_is_compare_and_set() -> None:
    film = FilmFactory.create()
    claim = services.claim_job(film_id=film.pk)
    assert claim == services.Claim(film_id=film.pk, attempt=1)
    assert services.claim_job(film_id=film.pk) is None  # already probing
    assert services.claim_job(film_id=999_999) is None


def test_a_stale_attempt_cannot_write_after_the_job_moved_on() -> None:
    film = FilmFactory.create()
    first = services.claim_job(film_id=film.pk)
    assert first is not None
    ProcessingJob.objects.filter(film=film).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert services.reap_stuck_jobs() == [film.pk]
    second = services.claim_job(film_id=film.pk)
    assert second == services.Claim(film_id=film.pk, attempt=2)
    with pytest.raises(JobLost):
        services.report_progress(claim=first, progress=50)
    with pytest.raises(JobLost):
        services.touch_job(claim=first)
    with pytest.raises(JobLost):
        services.advance_job(claim=first, from_state=JobState.PROBING, to_state=JobState.TRANSCODING)
    with pytest.raises(JobLost):
        services.record_output(claim=first, kind="mp4", key="mp4", files=["mp4/x.mp4"])
    assert services.mark_failed(claim=first, reason="late") is False
    services.advance_job(claim=second, from_state=JobState.PROBING, to_state=JobState.TRANSCODING)
    services.advance_job(claim=second, from_state=JobState.TRANSCODING, to_state=JobState.ANALYSING)
    assert services.mark_ready(claim=second) is True
    assert services.mark_ready(claim=second) is False  # ready exactly once
    state = job(film)
    assert (state.state, state.progress, state.attempts) == ("ready", 100, 2)
    assert AuditEvent.objects.filter(action="media.film_ready").count() == 1


def test_a_job_whose_heartbeat_went_stale_is_claimed_again(settings: Any) -> None:
    settings.LAUREL_MEDIA_STUCK_AFTER = 45
    film = FilmFactory.create()
    first = services.claim_job(film_id=film.pk)
    assert first is not None
    ProcessingJob.objects.filter(film=film).update(heartbeat_at=timezone.now() - timedelta(seconds=30))
    assert services.claim_job(film_id=film.pk) is None  # a live worker's job (30 s < 45 s)
    ProcessingJob.objects.filter(film=film).update(
        state=JobState.TRANSCODING, progress=40, heartbeat_at=timezone.now() - timedelta(seconds=50)
    )
    second = services.claim_job(film_id=film.pk)  # e.g. the broker redelivered the message
    assert second == services.Claim(film_id=film.pk, attempt=2)
    assert (job(film).state, job(film).progress) == ("probing", 0)
    with pytest.raises(JobLost):
        services.report_progress(claim=first, progress=90)  # the old worker cannot overwrite
    assert services.mark_failed(claim=first, reason="late") is False
    taken_over = AuditEvent.objects.filter(action="media.job_taken_over")
    assert [(event.before or {}).get("attempts") for event in taken_over] == [1]


def test_reaper_leaves_fresh_jobs_and_fails_after_the_attempt_limit(settings: Any) -> None:
    settings.LAUREL_MEDIA_MAX_ATTEMPTS = 2
    fresh, stuck, done = FilmFactory.create(), FilmFactory.create(), FilmFactory.create()
    for film in (fresh, stuck):
        services.claim_job(film_id=film.pk)
    ProcessingJob.objects.filter(film=done).update(state=JobState.READY)
    old = timezone.now() - timedelta(hours=1)
    ProcessingJob.objects.filter(film__in=[stuck, done]).update(heartbeat_at=old)
    assert services.reap_stuck_jobs() == [stuck.pk]
    services.claim_job(film_id=stuck.pk)
    ProcessingJob.objects.filter(film=stuck).update(heartbeat_at=old)
    assert services.reap_stuck_jobs() == []
    assert [job(f).state for f in (fresh, stuck, done)] == ["probing", "failed", "ready"]
    assert job(stuck).failure_reason == "Processing stopped answering 2 times (stuck in checking the file)."


def test_transient_failure_requeues_until_the_limit(settings: Any) -> None:
    settings.LAUREL_MEDIA_MAX_ATTEMPTS = 2
    film = FilmFactory.create()
    claim = services.claim_job(film_id=film.pk)
    assert claim is not None
    assert services.release_for_retry(claim=claim, reason="storage down") is True
    assert job(film).state == "queued"
    claim = services.claim_job(film_id=film.pk)
    assert claim is not None
    assert services.release_for_retry(claim=claim, reason="storage down") is False
    assert (job(film).state, job(film).failure_reason) == ("failed", "Gave up after 2 attempts: storage down")


@pytest.mark.services
def test_rerun_produces_only_what_is_missing(ffmpeg: str, clips: dict[str, Path], media_storage: Path) -> None:
    film = register(clips["horizontal.mp4"])
    assert process_film(film.pk) == JobState.READY
    before = {o.key: (o.pk, o.files) for o in FilmOutput.objects.filter(film=film)}
    files_before = stored_files(media_storage, film.pk)
    # A killed attempt: the storyboard never got its row, and left a partial file behind.
    FilmOutput.objects.filter(film=film, key="storyboard").delete()
    partial = media_storage / "films" / str(film.pk) / "storyboard" / "sprite.jpg"
    partial.write_bytes(b"partial")
    mp4 = media_storage / "films" / str(film.pk) / "mp4" / "90p.mp4"
    mp4_mtime = mp4.stat().st_mtime_ns
    ProcessingJob.objects.filter(film=film).update(state=JobState.QUEUED)
    assert process_film(film.pk) == JobState.READY
    after = {o.key: (o.pk, o.files) for o in FilmOutput.objects.filter(film=film)}
    assert {k: v for k, v in after.items() if k != "storyboard"} == {
        k: v for k, v in before.items() if k != "storyboard"
    }
    assert after["storyboard"][1] == before["storyboard"][1]
    assert partial.read_bytes()[:3] == b"\xff\xd8\xff"  # a real JPEG again
    assert mp4.stat().st_mtime_ns == mp4_mtime  # renditions were not encoded again
    assert stored_files(media_storage, film.pk) == files_before
    assert QCReport.objects.filter(film=film).count() == 1
    assert AuditEvent.objects.filter(action="media.film_ready", target_id=str(job(film).pk)).count() == 2


@pytest.mark.services
def test_reprocess_starts_over(
    ffmpeg: str, clips: dict[str, Path], media_storage: Path, django_capture_on_commit_callbacks: Any
) -> None:
    film = register(clips["silent.mp4"])
    assert process_film(film.pk) == JobState.READY
    organizer = UserFactory.create(is_staff=True)
    with django_capture_on_commit_callbacks() as callbacks:
        services.reprocess_film(film_id=film.pk, actor=organizer)
    # The callbacks: delete stored outputs, then enqueue. Run only the first (no broker here).
    callbacks[0]()
    assert (job(film).state, job(film).attempts) == ("queued", 0)
    assert FilmOutput.objects.filter(film=film).count() == 0
    assert QCReport.objects.filter(film=film).count() == 0
    assert stored_files(media_storage, film.pk) == []
    assert AuditEvent.objects.filter(action="media.film_reprocess", actor=organizer).count() == 1
    assert process_film(film.pk) == JobState.READY


def test_reprocess_refuses_a_running_job() -> None:
    film = FilmFactory.create()
    services.claim_job(film_id=film.pk)
    with pytest.raises(services.ReprocessRefused):
        services.reprocess_film(film_id=film.pk, actor=UserFactory.create())
