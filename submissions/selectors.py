"""Reads of submissions for pages, the API, the admin and the services' checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse

from festival.models import Edition, User
from media.models import JobState
from media.selectors import FilmStatus, QCView, film_status, film_statuses, qc_report, qc_reports
from submissions.attestations import attestation_text, required_attestations
from submissions.models import ProductionStage, Submission, SubmissionState

# States in which the entrant is still putting the film together.
OPEN_STATES = (SubmissionState.DRAFT, SubmissionState.UPLOADING, SubmissionState.UPLOADED)
# States that count against the edition's films-per-entrant limit.
ACTIVE_STATES = (*OPEN_STATES, SubmissionState.SUBMITTED)


def upload_path(submission_id: int) -> str:
    """Where the film's upload page lives (``submissions.uploads``)."""
    return reverse("submissions:upload", kwargs={"submission_id": submission_id})


def is_editable(submission: Submission) -> bool:
    """Whether the entrant may still change the details, credits, disclosure, attestations and film."""
    if submission.state in OPEN_STATES:
        return True
    return submission.state == SubmissionState.SUBMITTED and not submission.edition.lock_after_submit


def submissions_of(user: User) -> QuerySet[Submission]:
    return Submission.objects.filter(entrant=user).select_related("edition__festival", "category")


def in_competition(path: str = "") -> Q:
    """The condition "this film competes": submitted, not withdrawn or disqualified.

    ``path`` reaches a submission from another table (``"submission__"`` from judging's
    rows), so judging filters its reads with the submission's own state at read time
    instead of keeping a copy that a later withdrawal or disqualification leaves stale.
    """
    return Q(**{f"{path}state": SubmissionState.SUBMITTED})


def out_of_competition(path: str = "") -> Q:
    """Exactly ``~in_competition(path)`` (the state is never null), written as two ranges either
    side of "submitted" so an index on the state finds the few that left without reading the
    many that compete."""
    return Q(**{f"{path}state__lt": SubmissionState.SUBMITTED}) | Q(**{f"{path}state__gt": SubmissionState.SUBMITTED})


def entrant_submission(*, user: User, submission_id: int) -> Submission:
    """The user's own submission; anyone else's (or none) is a 404, which reveals nothing."""
    submission = submissions_of(user).filter(pk=submission_id).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission


def active_entries_count(*, entrant_id: int, edition_id: int, exclude_id: int | None = None) -> int:
    qs = Submission.objects.filter(entrant_id=entrant_id, edition_id=edition_id, state__in=ACTIVE_STATES)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.count()


def film_progress_label(status: FilmStatus | None) -> str:
    if status is None:
        return "Uploaded"
    if status.state == JobState.READY:
        return "Processed, ready to submit"
    if status.state == JobState.FAILED:
        return "Processing failed"
    if status.state == JobState.QUEUED:
        return "Waiting to be processed"
    return f"Processing: {JobState(status.state).label.lower()} ({status.progress} %)"


@dataclass(frozen=True)
class SubmissionRow:
    """A submission with its film's processing status, for lists."""

    submission: Submission
    film: FilmStatus | None
    qc: QCView | None = None  # the film's eligibility / QC report, once processing made one

    @property
    def state_label(self) -> str:
        """draft → uploading → uploaded → processing → ready → submitted (processing read from the job)."""
        if self.submission.state == SubmissionState.UPLOADED:
            return film_progress_label(self.film)
        return str(SubmissionState(self.submission.state).label)

    @property
    def is_processing(self) -> bool:
        return (
            self.submission.state == SubmissionState.UPLOADED
            and self.film is not None
            and self.film.state not in (JobState.READY, JobState.FAILED)
        )

    @property
    def failure_text(self) -> str:
        """Why processing failed, unless the QC findings listed beside it already say it
        (a film failed by the edition's rules has the same words in its report)."""
        if self.film is None or not self.film.is_failed or (self.qc is not None and self.qc.errors):
            return ""
        return self.film.failure_reason

    @property
    def editable(self) -> bool:
        return is_editable(self.submission)

    @property
    def withdrawable(self) -> bool:
        return self.submission.state in ACTIVE_STATES

    @property
    def upload_url(self) -> str:
        return upload_path(self.submission.pk)


def submission_rows(submissions: Iterable[Submission]) -> list[SubmissionRow]:
    """Each submission with its film's status: two queries however many there are."""
    items = list(submissions)
    film_ids = [s.film_id for s in items if s.film_id is not None]
    statuses = film_statuses(film_ids) if film_ids else {}
    reports = qc_reports(film_ids) if film_ids else {}
    return [
        SubmissionRow(
            submission=s,
            film=statuses.get(s.film_id) if s.film_id else None,
            qc=reports.get(s.film_id) if s.film_id else None,
        )
        for s in items
    ]


def live_status(user: User, *, submission_id: int | None = None) -> tuple[dict[str, object], bool]:
    """The entrant's live values (``festival.live``): each submission's state and processing.

    Two indexed queries (the user's submissions, their films' jobs) whatever the page.
    ``active`` is true while a film is waiting or processing.
    """
    submissions = Submission.objects.filter(entrant=user).only("pk", "state", "film_id")
    if submission_id is not None:
        submissions = submissions.filter(pk=submission_id)
    items = list(submissions.order_by())
    film_ids = [s.film_id for s in items if s.film_id is not None]
    statuses = film_statuses(film_ids) if film_ids else {}
    values: dict[str, object] = {}
    active = False
    for submission in items:
        row = SubmissionRow(submission=submission, film=statuses.get(submission.film_id or 0))
        key = f"sub-{submission.pk}"
        values[f"{key}-state"] = row.state_label
        values[f"{key}-processing"] = row.is_processing
        values[f"{key}-progress"] = row.film.progress if row.film else 0
        values[f"{key}-failure"] = row.failure_text
        values[f"{key}-settled"] = bool(row.film and (row.film.is_ready or row.film.is_failed))
        active = active or row.is_processing
    return values, active


def dashboard_rows(user: User) -> list[SubmissionRow]:
    return submission_rows(submissions_of(user))


def submission_row(submission: Submission) -> SubmissionRow:
    if submission.film_id is None:
        return SubmissionRow(submission=submission, film=None)
    return SubmissionRow(submission=submission, film=film_status(submission.film_id), qc=qc_report(submission.film_id))


def _format_runtime(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def submission_problems(submission: Submission, *, now: datetime | None = None) -> list[str]:
    """What stands between the submission and submitting it, in the entrant's words.

    Empty when it can be submitted. Each rule is checked here only, so the review page,
    the API and ``submit_submission`` agree. ``now`` adds the deadline check.
    """
    edition: Edition = submission.edition
    problems: list[str] = []
    if now is not None and not edition.window.accepts_at(now):
        problems.append(edition.window.describe(now) + ".")
    if not submission.title.strip():
        problems.append("Add a title.")
    if not submission.logline.strip():
        problems.append("Add a logline.")
    if not submission.synopsis.strip():
        problems.append("Add a synopsis.")
    runtime = submission.declared_runtime_seconds
    if runtime is None:
        problems.append("Declare the film's runtime.")
    elif not edition.runtime_min_seconds <= runtime <= edition.runtime_max_seconds:
        problems.append(
            f"The declared runtime ({_format_runtime(runtime)}) must be between "
            f"{_format_runtime(edition.runtime_min_seconds)} and {_format_runtime(edition.runtime_max_seconds)}."
        )
    if not submission.languages:
        problems.append("List the film's languages.")
    if not submission.country:
        problems.append("Choose the country of production.")
    if submission.category_id is None and edition.categories.exists():
        problems.append("Choose a category.")
    if not (submission.prize_contact_name.strip() and submission.prize_contact_email.strip()):
        problems.append("Name a contact (name and e-mail) for the prize.")
    if not submission.credits.filter(is_entrant=True).exists():
        problems.append("Add yourself to the credits (mark the credit as you).")
    if edition.ai_video_required and not submission.ai_uses.filter(stage=ProductionStage.VIDEO).exists():
        problems.append("This edition requires AI-generated video: declare it in the AI disclosure.")
    made = set(submission.attestations.values_list("code", flat=True))
    problems.extend(
        f"Confirm: “{attestation_text(code)}”." for code in required_attestations(edition) if code not in made
    )
    problems.extend(_film_problems(submission))
    return problems


def _clause(text: str) -> str:
    """A reason or finding as a clause of a longer sentence (no final full stop)."""
    return text.strip().rstrip(".")


def _film_problems(submission: Submission) -> list[str]:
    if submission.state == SubmissionState.SUBMITTED:
        return []
    if submission.film_id is None:
        if submission.state == SubmissionState.UPLOADING:
            return ["Finish uploading the film."]
        return ["Upload the film."]
    status = film_status(submission.film_id)
    if status is None or status.state in (JobState.QUEUED, JobState.PROBING, JobState.TRANSCODING, JobState.ANALYSING):
        progress = f" ({status.progress} %)" if status else ""
        return [f"Wait until the film has been processed{progress}."]
    if status.state == JobState.FAILED:
        reason = status.failure_reason or "the file could not be processed"
        return [f"The film did not pass the checks: {_clause(reason)}. Upload a corrected file."]
    if submission.state == SubmissionState.UPLOADING:
        return ["Finish uploading the film."]
    report = qc_report(submission.film_id)
    if report is not None and report.blocking:
        failing = "; ".join(_clause(finding.message) for finding in report.errors)
        return [f"The film does not meet the edition's rules: {failing}. Upload a corrected file."]
    return []
