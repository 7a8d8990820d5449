"""The reaper of stuck jobs: in batches of a constant cost, each its own transaction, and safe
when two workers reap at once."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from festival.models import AuditEvent
from media import audit_actions, services
from media.models import JobState, ProcessingJob
from tests.factories import FilmFactory
from tests.races import race

# Per batch at most: its select of locked jobs, the failed ones' update, the re-queued ones'
# update (each only when the batch has such jobs), the audit (chain heads made, locked,
# events inserted, heads moved), the batch's savepoint and its release.
QUERIES_PER_BATCH = 9
QUERIES_PER_EMPTY_BATCH = 3  # the select, the savepoint and its release
MAX_ATTEMPTS = 3


def stuck_jobs(count: int) -> tuple[list[int], list[int]]:
    """``count`` jobs whose heartbeat stopped an hour ago: every third has used up its
    attempts. The film ids to re-queue and to fail."""
    films = [FilmFactory.create() for _ in range(count)]
    spent = [film.pk for i, film in enumerate(films) if i % 3 == 0]
    again = [film.pk for i, film in enumerate(films) if i % 3 != 0]
    old = timezone.now() - timedelta(hours=1)
    ProcessingJob.objects.filter(film_id__in=again).update(state=JobState.TRANSCODING, attempts=1, heartbeat_at=old)
    ProcessingJob.objects.filter(film_id__in=spent).update(
        state=JobState.PROBING, attempts=MAX_ATTEMPTS, heartbeat_at=old
    )
    return again, spent


def outcome(again: list[int], spent: list[int]) -> None:
    assert set(ProcessingJob.objects.filter(film_id__in=again).values_list("state", flat=True)) == {JobState.QUEUED}
    assert set(ProcessingJob.objects.filter(film_id__in=spent).values_list("state", "failure_reason")) == {
        (JobState.FAILED, f"Processing stopped answering {MAX_ATTEMPTS} times (stuck in checking the file).")
    }
    requeued = AuditEvent.objects.filter(action=audit_actions.MEDIA_JOB_REAPED_REQUEUED)
    failed = AuditEvent.objects.filter(action=audit_actions.MEDIA_JOB_REAPED_FAILED)
    jobs = dict(ProcessingJob.objects.values_list("film_id", "pk"))
    assert sorted(requeued.values_list("target_id", flat=True)) == sorted(str(jobs[f]) for f in again)
    assert sorted(failed.values_list("target_id", flat=True)) == sorted(str(jobs[f]) for f in spent)


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "batch_size"), [(7, 3), (9, 3), (2, 5)])
def test_stuck_jobs_are_reaped_in_batches_of_a_constant_cost(
    count: int, batch_size: int, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.LAUREL_MEDIA_MAX_ATTEMPTS = MAX_ATTEMPTS
    again, spent = stuck_jobs(count)
    fresh = FilmFactory.create()
    services.claim_job(film_id=fresh.pk)
    batches = math.ceil(count / batch_size)
    empty_look = count % batch_size == 0  # a last full batch is followed by one empty look

    with django_capture_on_commit_callbacks() as callbacks, CaptureQueriesContext(connection) as captured:
        requeued = services.reap_stuck_jobs(batch_size=batch_size)

    assert sorted(requeued) == sorted(again)
    assert len(callbacks) == len(again)  # one task sent per re-queued film, once committed
    selects = [q for q in captured.captured_queries if q["sql"].startswith('SELECT "media_processingjob"')]
    assert len(selects) == batches + empty_look
    assert len(captured) <= batches * QUERIES_PER_BATCH + empty_look * QUERIES_PER_EMPTY_BATCH
    outcome(again, spent)
    assert ProcessingJob.objects.get(film=fresh).state == JobState.PROBING


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_reapers_at_once_never_handle_a_job_twice(
    postgres_db: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.LAUREL_MEDIA_MAX_ATTEMPTS = MAX_ATTEMPTS
    sent: list[int] = []
    monkeypatch.setattr(services, "enqueue_processing", lambda *, film_id: sent.append(film_id))
    again, spent = stuck_jobs(45)

    results = race(lambda: services.reap_stuck_jobs(batch_size=4))

    assert all(isinstance(r, list) for r in results), results
    assert sorted(f for r in results if isinstance(r, list) for f in r) == sorted(again)
    assert sorted(sent) == sorted(again)
    outcome(again, spent)
