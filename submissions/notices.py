"""What submissions tells entrants and organizers, through ``notifications.services.notify``.

Each function builds an event's placeholders from the submission and is called by a
service (inside its transaction: the message is recorded with the change and sent on
commit) or by a scheduled task. Keys make every call idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from festival.models import Edition, OrganizerMembership, User
from media.models import JobState, ProcessingJob
from media.probe import format_runtime
from media.selectors import qc_report
from notifications import events
from notifications.services import notify
from submissions.attestations import attestation_text
from submissions.models import Submission, SubmissionState

DRAFT_STATES = (SubmissionState.DRAFT, SubmissionState.UPLOADING, SubmissionState.UPLOADED)


def reference_of(submission: Submission) -> str:
    return f"{submission.edition.slug.upper()}-{submission.pk:06d}"


def local_time(edition: Edition, moment: datetime) -> str:
    return edition.local(moment).strftime("%-d %B %Y, %H:%M %Z")


def runtime_label(seconds: float | None) -> str:
    return format_runtime(seconds) if seconds else "not measured yet"


def _base(submission: Submission) -> dict[str, object]:
    return {
        "title": submission.title,
        "reference": reference_of(submission),
        "submission_url": settings.SITE_URL + reverse("submissions:detail", kwargs={"pk": submission.pk}),
    }


def _send(event: str, submission: Submission, key: str, **context: object) -> None:
    notify(
        event=event,
        recipient=submission.entrant,
        edition=submission.edition,
        context={**_base(submission), **context},
        key=key,
    )


def film_received(submission: Submission, *, filename: str) -> None:
    _send(events.FILM_RECEIVED, submission, f"film:{submission.film_id}:received", filename=filename or "your film")


def submission_receipt(submission: Submission) -> None:
    assert submission.submitted_at is not None
    uses = [
        f"{use.get_stage_display()}: {use.tool.name if use.tool else use.tool_other}"
        + (f" {use.model_version}" if use.model_version else "")
        + (f" ({use.runtime_share_percent}% of the runtime)" if use.runtime_share_percent is not None else "")
        for use in submission.ai_uses.select_related("tool").order_by("stage", "pk")
    ]
    statements = [f"• {attestation_text(a.code)}" for a in submission.attestations.order_by("code")]
    report = qc_report(submission.film_id) if submission.film_id else None
    measured = report.metrics.get("duration") if report is not None else None
    _send(
        events.SUBMISSION_RECEIPT,
        submission,
        f"submitted:{submission.pk}:{submission.submitted_at.isoformat()}",
        runtime=runtime_label(measured or submission.declared_runtime_seconds),
        submitted_at=local_time(submission.edition, submission.submitted_at),
        ai_disclosure="\n".join(uses) or "No AI use declared.",
        statements="\n".join(statements) or "None.",
    )


def withdrawn(submission: Submission) -> None:
    assert submission.withdrawn_at is not None
    _send(
        events.SUBMISSION_WITHDRAWN,
        submission,
        f"withdrawn:{submission.pk}",
        withdrawn_at=local_time(submission.edition, submission.withdrawn_at),
    )


def disqualified(submission: Submission) -> None:
    _send(
        events.SUBMISSION_DISQUALIFIED,
        submission,
        f"disqualified:{submission.pk}",
        reason=submission.disqualified_reason,
    )


# --- Processing results (read from the film's media job; media knows no submissions) ------

WHAT_TO_DO = (
    "Check the reason above, export the film again if it names a problem with the file, and upload "
    "the new file on your submission's page. If the reason says processing failed unexpectedly, "
    "the festival's organizers can process it again: contact them and quote the reference."
)


def _judges_see(submission: Submission) -> str:
    report = qc_report(submission.film_id) if submission.film_id else None
    if report is None:
        return "Your film, as uploaded."
    metrics = report.metrics
    lines = [
        f"Runtime: {runtime_label(metrics.get('duration'))}",
        f"Picture: {metrics.get('width')}×{metrics.get('height')} pixels",
    ]
    lines.extend(f"Note: {finding.message}" for finding in report.findings if finding.severity != "info")
    return "\n".join(lines)


def film_processed(submission: Submission, job: ProcessingJob) -> None:
    key = f"film:{job.film_id}:{job.state}:{job.attempts}"
    if job.state == JobState.READY:
        _send(events.FILM_READY, submission, key, judges_see=_judges_see(submission))
    elif job.state == JobState.FAILED:
        _send(
            events.FILM_FAILED,
            submission,
            key,
            reason=job.failure_reason or "Processing failed.",
            what_to_do=WHAT_TO_DO,
        )
        if job.attempts >= settings.LAUREL_MEDIA_MAX_ATTEMPTS:
            job_failed_for_organizers(submission, job)


def organizers_of(edition: Edition) -> QuerySet[User]:
    user_ids = OrganizerMembership.objects.filter(festival_id=edition.festival_id).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk")


def job_failed_for_organizers(submission: Submission, job: ProcessingJob) -> None:
    url = settings.SITE_URL + reverse("media:film_detail", kwargs={"film_id": job.film_id})
    for organizer in organizers_of(submission.edition):
        notify(
            event=events.JOB_FAILED,
            recipient=organizer,
            edition=submission.edition,
            context={
                "what": f"Processing of “{submission.title}” ({reference_of(submission)})",
                "attempts": job.attempts,
                "reason": job.failure_reason,
                "url": url,
            },
            key=f"job:{job.film_id}:{job.attempts}",
        )


def notify_processed_films(*, since: timedelta, now: datetime | None = None) -> int:
    """Tell entrants about jobs that finished in the last ``since`` (idempotent per attempt)."""
    now = now or timezone.now()
    jobs = ProcessingJob.objects.filter(
        state__in=(JobState.READY, JobState.FAILED), finished_at__gte=now - since, film__submission__isnull=False
    ).select_related("film__submission__edition__festival", "film__submission__entrant")
    count = 0
    for job in jobs.iterator(chunk_size=500):
        film_processed(job.film.submission, job)
        count += 1
    return count


# --- Deadline reminders for drafts ----------------------------------------------------------


def _time_left(delta: timedelta) -> str:
    hours = round(delta.total_seconds() / 3600)
    if hours <= 36:
        return f"{hours} hours"
    return f"{round(hours / 24)} days"


def remind_drafts(*, now: datetime | None = None) -> int:
    """Remind drafts ``LAUREL_DRAFT_REMINDER_DAYS`` days and 24 hours before each deadline.

    A reminder is due once its moment has passed and the deadline has not; its key names
    the reminder and the deadline's date in the edition's time zone, so a run every hour
    sends each reminder once, and a moved deadline gets its own.
    """
    now = now or timezone.now()
    sent = 0
    horizon = now + timedelta(days=max(settings.LAUREL_DRAFT_REMINDER_DAYS, 1))
    editions = Edition.objects.filter(submissions_close_at__gt=now, submissions_close_at__lte=horizon)
    for edition in editions.select_related("festival"):
        deadline = edition.submissions_close_at
        left = deadline - now
        label = "24h" if left <= timedelta(hours=24) else f"{settings.LAUREL_DRAFT_REMINDER_DAYS}d"
        day = edition.local(deadline).date().isoformat()
        drafts = Submission.objects.filter(edition=edition, state__in=DRAFT_STATES).select_related("entrant", "edition")
        for submission in drafts.iterator(chunk_size=500):
            _send(
                events.DRAFT_REMINDER,
                submission,
                f"draft:{submission.pk}:{label}:{day}",
                deadline=local_time(edition, deadline),
                time_left=_time_left(left),
            )
            sent += 1
    return sent
