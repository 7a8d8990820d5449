"""Every write to films and jobs.

A job's state changes only by compare-and-set on (state, attempts): each attempt claims the
job by raising ``attempts``, and every later write of that attempt names the attempt it is,
so an attempt that lost the job (the reaper re-queued it, an organizer reprocessed it) can
never overwrite the newer one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from festival.models import User
from festival.services import audit_event, record_audit, record_audits
from media import audit_actions
from media.assets import film_prefix
from media.errors import JobLost
from media.models import Film, FilmOutput, JobState, ProcessingJob, QCReport
from media.rules import DeclaredAIUse, FilmRules

logger = logging.getLogger(__name__)

RUNNING_STATES = (JobState.PROBING, JobState.TRANSCODING, JobState.ANALYSING)
STDERR_TAIL_CHARS = 4000


@transaction.atomic
def register_film(
    *,
    source_name: str,
    original_filename: str,
    size_bytes: int,
    sha256: str,
    group_key: str,
    rules: FilmRules,
    declared_ai: DeclaredAIUse | None = None,
) -> Film:
    """Take a stored upload into the pipeline: a film, a queued job, and (on commit) the task."""
    film = Film.objects.create(
        source_name=source_name,
        original_filename=original_filename,
        size_bytes=size_bytes,
        sha256=sha256,
        group_key=group_key,
        rules=rules.to_dict(),
        declared_ai=declared_ai.to_dict() if declared_ai else None,
    )
    ProcessingJob.objects.create(film=film)
    transaction.on_commit(lambda: enqueue_processing(film_id=film.pk))
    return film


def enqueue_processing(*, film_id: int) -> None:
    """Send the film to the ``media`` queue."""
    from festival.celery import app

    app.send_task("media.process_film", args=[film_id], queue="media")


@dataclass(frozen=True)
class Claim:
    """One attempt's ownership of a job."""

    film_id: int
    attempt: int


def _owned(claim: Claim, *states: str) -> Q:
    return Q(film_id=claim.film_id, attempts=claim.attempt, state__in=states)


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.LAUREL_MEDIA_STUCK_AFTER)


@transaction.atomic
def claim_job(*, film_id: int) -> Claim | None:
    """queued → probing for a new attempt; None when the job is not queued (or gone).

    A running job whose heartbeat is older than ``LAUREL_MEDIA_STUCK_AFTER`` lost its worker
    and is claimed again (a redelivered message): the new attempt number is what every
    write of the old attempt is compared against, so the old worker can no longer write.
    """
    job = ProcessingJob.objects.select_for_update().filter(film_id=film_id).first()
    if job is None:
        return None
    now = timezone.now()
    lost_worker = (
        job.state in RUNNING_STATES
        and job.heartbeat_at is not None
        and job.heartbeat_at < _stale_before(now)
        and job.attempts < settings.LAUREL_MEDIA_MAX_ATTEMPTS
    )
    if job.state != JobState.QUEUED and not lost_worker:
        return None
    if lost_worker:
        before = {"state": job.state, "attempts": job.attempts, "heartbeat_at": str(job.heartbeat_at)}
        record_audit(actor=None, action=audit_actions.MEDIA_JOB_TAKEN_OVER, target=job, before=before)
    job.state = JobState.PROBING
    job.attempts += 1
    job.progress = 0
    job.started_at = now
    job.heartbeat_at = now
    job.finished_at = None
    job.failure_reason = ""
    job.save(
        update_fields=[
            "state",
            "attempts",
            "progress",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "failure_reason",
            "updated_at",
        ]
    )
    return Claim(film_id=film_id, attempt=job.attempts)


def advance_job(*, claim: Claim, from_state: str, to_state: str) -> None:
    """Compare-and-set one step of a running attempt; JobLost if it no longer owns the job."""
    now = timezone.now()
    updated = ProcessingJob.objects.filter(_owned(claim, from_state)).update(
        state=to_state, heartbeat_at=now, updated_at=now
    )
    if updated != 1:
        raise JobLost(f"film {claim.film_id}: attempt {claim.attempt} lost the job before {to_state}")


def report_progress(*, claim: Claim, progress: int) -> None:
    """Store progress (0-100) and the heartbeat; JobLost if this attempt no longer owns the job."""
    now = timezone.now()
    updated = ProcessingJob.objects.filter(_owned(claim, *RUNNING_STATES)).update(
        progress=max(0, min(100, progress)), heartbeat_at=now, updated_at=now
    )
    if updated != 1:
        raise JobLost(f"film {claim.film_id}: attempt {claim.attempt} lost the job")


def touch_job(*, claim: Claim) -> None:
    """Heartbeat only (long uploads); JobLost if this attempt no longer owns the job."""
    now = timezone.now()
    if ProcessingJob.objects.filter(_owned(claim, *RUNNING_STATES)).update(heartbeat_at=now, updated_at=now) != 1:
        raise JobLost(f"film {claim.film_id}: attempt {claim.attempt} lost the job")


@transaction.atomic
def mark_ready(*, claim: Claim, stderr_tail: str = "") -> bool:
    """analysing → ready, once. False when this attempt no longer owns the job."""
    now = timezone.now()
    updated = ProcessingJob.objects.filter(_owned(claim, JobState.ANALYSING)).update(
        state=JobState.READY,
        progress=100,
        finished_at=now,
        heartbeat_at=now,
        updated_at=now,
        stderr_tail=stderr_tail[-STDERR_TAIL_CHARS:],
    )
    if updated != 1:
        return False
    job = ProcessingJob.objects.get(film_id=claim.film_id)
    record_audit(actor=None, action=audit_actions.MEDIA_FILM_READY, target=job, after={"attempt": claim.attempt})
    return True


@transaction.atomic
def mark_failed(*, claim: Claim, reason: str, stderr_tail: str = "") -> bool:
    """A running attempt ends the job failed with a reason. False when it no longer owns the job."""
    now = timezone.now()
    updated = ProcessingJob.objects.filter(_owned(claim, *RUNNING_STATES)).update(
        state=JobState.FAILED,
        failure_reason=reason,
        stderr_tail=stderr_tail[-STDERR_TAIL_CHARS:],
        finished_at=now,
        heartbeat_at=now,
        updated_at=now,
    )
    if updated != 1:
        return False
    job = ProcessingJob.objects.get(film_id=claim.film_id)
    record_audit(
        actor=None,
        action=audit_actions.MEDIA_FILM_FAILED,
        target=job,
        after={"attempt": claim.attempt, "reason": reason},
    )
    return True


@transaction.atomic
def release_for_retry(*, claim: Claim, reason: str) -> bool:
    """A transient failure: back to queued so the retried task can claim it again.

    Past the attempt limit the job fails instead (returns False then, or when the attempt
    no longer owns the job).
    """
    if claim.attempt >= settings.LAUREL_MEDIA_MAX_ATTEMPTS:
        mark_failed(claim=claim, reason=f"Gave up after {claim.attempt} attempts: {reason}")
        return False
    now = timezone.now()
    updated = ProcessingJob.objects.filter(_owned(claim, *RUNNING_STATES)).update(
        state=JobState.QUEUED, progress=0, heartbeat_at=now, updated_at=now, failure_reason=reason
    )
    return updated == 1


def record_source_sha256(*, claim: Claim, sha256: str) -> None:
    """The SHA-256 of a source registered without one (taken by the worker while copying it)."""
    if not ProcessingJob.objects.filter(_owned(claim, *RUNNING_STATES)).exists():
        raise JobLost(f"film {claim.film_id}: attempt {claim.attempt} lost the job")
    Film.objects.filter(pk=claim.film_id, sha256="").update(sha256=sha256)


def add_job_note(*, film_id: int, note: str) -> None:
    """Record a problem that does not fail the film (e.g. an analyser crashed)."""
    job = ProcessingJob.objects.filter(film_id=film_id).first()
    if job is None:
        return
    lines = [line for line in job.notes.splitlines() if line][-19:]
    lines.append(note.replace("\n", " ")[:500])
    ProcessingJob.objects.filter(pk=job.pk).update(notes="\n".join(lines))


@transaction.atomic
def record_output(
    *,
    claim: Claim,
    kind: str,
    key: str,
    files: list[str],
    width: int | None = None,
    height: int | None = None,
    size_bytes: int = 0,
    meta: dict[str, object] | None = None,
) -> FilmOutput:
    """Mark an output complete (all its files are stored). Only the owning attempt may."""
    if not ProcessingJob.objects.select_for_update().filter(_owned(claim, *RUNNING_STATES)).exists():
        raise JobLost(f"film {claim.film_id}: attempt {claim.attempt} lost the job before recording {key}")
    output, _ = FilmOutput.objects.update_or_create(
        film_id=claim.film_id,
        key=key,
        defaults={
            "kind": kind,
            "files": files,
            "width": width,
            "height": height,
            "size_bytes": size_bytes,
            "meta": meta or {},
        },
    )
    return output


@transaction.atomic
def record_qc_report(*, claim: Claim, findings: list[dict[str, object]], metrics: dict[str, object]) -> QCReport:
    if not ProcessingJob.objects.select_for_update().filter(_owned(claim, *RUNNING_STATES)).exists():
        raise JobLost(f"film {claim.film_id}: attempt {claim.attempt} lost the job before its QC report")
    report, _ = QCReport.objects.update_or_create(
        film_id=claim.film_id,
        defaults={
            "findings": findings,
            "metrics": metrics,
            "blocking": any(finding["severity"] == "error" for finding in findings),
        },
    )
    return report


class ReprocessRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


OUTPUT_FOLDERS = ("hls", "mp4", "poster", "storyboard")


def _delete_stored_outputs(film_id: int) -> None:
    """Remove the stored files of a film's pipeline outputs (rows are deleted by the caller)."""
    pending = [f"{film_prefix(film_id)}/{folder}" for folder in OUTPUT_FOLDERS]
    while pending:
        folder = pending.pop()
        try:
            directories, files = default_storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        pending.extend(f"{folder}/{name}" for name in directories)
        for name in files:
            default_storage.delete(f"{folder}/{name}")


@transaction.atomic
def reprocess_film(*, film_id: int, actor: User) -> ProcessingJob:
    """An organizer starts a film over: outputs and QC report dropped, the job queued again."""
    job = ProcessingJob.objects.select_for_update().get(film_id=film_id)
    if job.state in RUNNING_STATES:
        raise ReprocessRefused("The film is being processed right now; wait until it is ready or failed.")
    before = {"state": job.state, "attempts": job.attempts, "failure_reason": job.failure_reason}
    FilmOutput.objects.filter(film_id=film_id).delete()
    QCReport.objects.filter(film_id=film_id).delete()
    now = timezone.now()
    ProcessingJob.objects.filter(pk=job.pk).update(
        state=JobState.QUEUED,
        attempts=0,
        progress=0,
        failure_reason="",
        stderr_tail="",
        notes="",
        started_at=None,
        finished_at=None,
        heartbeat_at=now,
        updated_at=now,
    )
    record_audit(
        actor=actor, action=audit_actions.MEDIA_FILM_REPROCESS, target=job, before=before, after={"state": "queued"}
    )
    transaction.on_commit(lambda: _delete_stored_outputs(film_id))
    transaction.on_commit(lambda: enqueue_processing(film_id=film_id))
    job.refresh_from_db()
    return job


def reap_stuck_jobs(
    *, now: datetime | None = None, stuck_after: timedelta | None = None, batch_size: int = 500
) -> list[int]:
    """Running jobs whose heartbeat went stale (their worker died): queue them again, or fail them
    once they used up their attempts. Returns the film ids re-queued.

    In batches of ``batch_size``, each its own transaction costing the same few queries. A batch
    locks its jobs and skips jobs locked elsewhere (another reaper, a worker's compare-and-set
    at that moment), so two reapers at once never handle the same job twice.
    """
    now = now or timezone.now()
    cutoff = now - stuck_after if stuck_after else _stale_before(now)
    requeued: list[int] = []
    while True:
        with transaction.atomic():
            batch = list(
                ProcessingJob.objects.select_for_update(skip_locked=True)
                .filter(
                    Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff),
                    state__in=RUNNING_STATES,
                )
                .order_by("pk")[:batch_size]
            )
            requeued.extend(_reap(batch, now=now))
        if len(batch) < batch_size:
            break
    if requeued:
        logger.warning("re-queued stuck media jobs for films %s", requeued)
    return requeued


def _reap(jobs: list[ProcessingJob], *, now: datetime) -> list[int]:
    """One locked batch of stuck jobs: failed past their attempts, queued again otherwise; the
    film ids queued again (their tasks sent once committed)."""
    limit = settings.LAUREL_MEDIA_MAX_ATTEMPTS
    spent = [job for job in jobs if job.attempts >= limit]
    again = [job for job in jobs if job.attempts < limit]
    if spent:
        ProcessingJob.objects.filter(pk__in=[job.pk for job in spent]).update(
            state=JobState.FAILED,
            failure_reason=Case(
                *(
                    When(
                        pk=job.pk,
                        then=Value(
                            f"Processing stopped answering {job.attempts} times "
                            f"(stuck in {job.get_state_display().lower()})."
                        ),
                    )
                    for job in spent
                )
            ),
            finished_at=now,
            updated_at=now,
        )
    if again:
        ProcessingJob.objects.filter(pk__in=[job.pk for job in again]).update(
            state=JobState.QUEUED, progress=0, heartbeat_at=now, updated_at=now
        )
    record_audits(
        [
            audit_event(
                actor=None,
                action=audit_actions.MEDIA_JOB_REAPED_FAILED
                if job.attempts >= limit
                else audit_actions.MEDIA_JOB_REAPED_REQUEUED,
                target=job,
                before={"state": job.state, "attempts": job.attempts},
            )
            for job in jobs
        ]
    )
    for job in again:
        transaction.on_commit(partial(enqueue_processing, film_id=job.film_id))
    return [job.film_id for job in again]
