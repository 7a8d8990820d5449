"""The submission's life cycle: draft → uploading → uploaded → submitted, withdrawn, disqualified.

Every transition is a compare-and-set update (``filter(pk=..., state=expected).update(...)``):
of two racing requests exactly one moves the row, the other gets ``StateConflict``.
Whether an uploaded film is processing, ready or failed is read from its ``media`` job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from festival.models import Edition, User
from festival.selectors import roles_of
from festival.services import record_audit
from media.models import Film
from media.rules import FilmRules
from media.services import register_film
from submissions import audit_actions, notices
from submissions.models import Submission, SubmissionState
from submissions.selectors import ACTIVE_STATES, submission_problems
from submissions.services.entries import declared_ai_for, ensure_editable, ensure_window_open, lock_submission
from submissions.services.errors import (
    EntryLimitReached,
    NotAllowed,
    StateConflict,
    SubmissionError,
    SubmissionIncomplete,
)

logger = logging.getLogger(__name__)
REASON_MAX = 2000


def _move(submission: Submission, *, expected: Iterable[str], to: str, **fields: Any) -> None:
    """Compare-and-set: move ``submission`` from one of ``expected`` to ``to`` or raise StateConflict."""
    expected = tuple(expected)
    now = timezone.now()
    moved = Submission.objects.filter(pk=submission.pk, state__in=expected).update(state=to, updated_at=now, **fields)
    if moved != 1:
        current = Submission.objects.filter(pk=submission.pk).values_list("state", flat=True).first()
        label = SubmissionState(current).label.lower() if current else "gone"
        raise StateConflict(f"This film is {label}; it cannot become {SubmissionState(to).label.lower()} now.")
    submission.state = to
    submission.updated_at = now
    for name, value in fields.items():
        setattr(submission, name, value)


@transaction.atomic
def mark_upload_started(*, submission_id: int, actor: User | None = None) -> Submission:
    """An upload of the film began (called by the upload views). Idempotent while uploading.

    Replacing the film of an unlocked, submitted entry takes it back to uploading: the
    new film must be processed and the entry submitted again.
    """
    submission = lock_submission(submission_id)
    if submission.state == SubmissionState.UPLOADING:
        return submission
    ensure_editable(submission)
    previous = submission.state
    _move(
        submission,
        expected=[previous],
        to=SubmissionState.UPLOADING,
        submitted_at=None,
    )
    record_audit(
        actor=actor,
        action=audit_actions.SUBMISSION_UPLOAD_STARTED,
        target=submission,
        before={"state": previous},
        after={"state": submission.state},
    )
    return submission


@transaction.atomic
def attach_uploaded_film(
    *,
    submission_id: int,
    source_name: str,
    original_filename: str,
    size_bytes: int,
    sha256: str = "",
    actor: User | None = None,
) -> Film:
    """Hand a finished upload to the media pipeline and mark the submission uploaded.

    ``source_name`` is the storage name the upload was saved under. The film is checked
    against the edition's rules and the entrant's AI declaration as they are now; the
    processing task is sent once this transaction commits (``register_film``).
    """
    submission = lock_submission(submission_id)
    if submission.state != SubmissionState.UPLOADING:
        raise StateConflict(
            f"This film is {submission.get_state_display().lower()}, not uploading: the upload cannot be attached."
        )
    previous_film_id = submission.film_id
    film = register_film(
        source_name=source_name,
        original_filename=original_filename,
        size_bytes=size_bytes,
        sha256=sha256,
        group_key=f"edition:{submission.edition_id}",
        rules=FilmRules.for_edition(submission.edition),
        declared_ai=declared_ai_for(submission),
    )
    _move(submission, expected=[SubmissionState.UPLOADING], to=SubmissionState.UPLOADED, film=film)
    record_audit(
        actor=actor,
        action=audit_actions.SUBMISSION_FILM_ATTACHED,
        target=submission,
        before={"film": previous_film_id},
        after={"film": film.pk, "size_bytes": size_bytes, "original_filename": original_filename},
    )
    notices.film_received(submission, filename=original_filename)
    return film


@transaction.atomic
def submit_submission(*, submission: Submission, actor: User) -> Submission:
    """Enter the film in the edition: needs every required field, statement and a processed film."""
    locked = lock_submission(submission.pk)
    if locked.entrant_id != actor.pk:
        raise NotAllowed("Only the entrant can submit this film.")
    if locked.state == SubmissionState.SUBMITTED:
        raise StateConflict("This film has already been submitted.")
    if locked.state not in (SubmissionState.DRAFT, SubmissionState.UPLOADING, SubmissionState.UPLOADED):
        raise StateConflict(f"This film is {locked.get_state_display().lower()} and cannot be submitted.")
    ensure_window_open(locked.edition)
    problems = submission_problems(locked)
    if problems:
        raise SubmissionIncomplete(problems)
    edition = locked.edition
    submitted = (
        Submission.objects.filter(entrant_id=locked.entrant_id, edition=edition, state=SubmissionState.SUBMITTED)
        .exclude(pk=locked.pk)
        .count()
    )
    if submitted >= edition.films_per_entrant:
        raise EntryLimitReached(
            f"{edition} accepts {edition.films_per_entrant} film(s) per entrant and you have submitted that many."
        )
    now = timezone.now()
    _move(locked, expected=[SubmissionState.UPLOADED], to=SubmissionState.SUBMITTED, submitted_at=now)
    record_audit(
        actor=actor,
        action=audit_actions.SUBMISSION_SUBMITTED,
        target=locked,
        before={"state": SubmissionState.UPLOADED},
        after={"state": locked.state, "film": locked.film_id, "locked": edition.lock_after_submit},
    )
    notices.submission_receipt(locked)
    return locked


@transaction.atomic
def withdraw_submission(*, submission: Submission, actor: User) -> Submission:
    """The entrant takes the film out of the festival (frees a films-per-entrant slot). Final."""
    if submission.entrant_id != actor.pk:
        raise NotAllowed("Only the entrant can withdraw this film.")
    previous = Submission.objects.filter(pk=submission.pk).values_list("state", flat=True).first()
    _move(submission, expected=ACTIVE_STATES, to=SubmissionState.WITHDRAWN, withdrawn_at=timezone.now())
    record_audit(
        actor=actor,
        action=audit_actions.SUBMISSION_WITHDRAWN,
        target=submission,
        before={"state": previous},
        after={"state": submission.state},
    )
    notices.withdrawn(submission)
    return submission


@transaction.atomic
def disqualify_submission(*, submission: Submission, actor: User, reason: str, ip: str | None = None) -> Submission:
    """An organizer of the edition's festival disqualifies the film, with a reason the entrant sees."""
    reason = reason.strip()
    if not reason:
        raise SubmissionError("Give the reason for disqualifying the film.")
    if len(reason) > REASON_MAX:
        raise SubmissionError(f"Keep the reason under {REASON_MAX} characters.")
    festival_id = Edition.objects.filter(pk=submission.edition_id).values_list("festival_id", flat=True).get()
    if not roles_of(actor).organizes(festival_id):
        raise NotAllowed("Only the festival's organizers can disqualify a film.")
    previous = Submission.objects.filter(pk=submission.pk).values_list("state", flat=True).first()
    _move(
        submission,
        expected=ACTIVE_STATES,
        to=SubmissionState.DISQUALIFIED,
        disqualified_at=timezone.now(),
        disqualified_reason=reason,
    )
    record_audit(
        actor=actor,
        action=audit_actions.SUBMISSION_DISQUALIFIED,
        target=submission,
        ip=ip,
        before={"state": previous},
        after={"state": submission.state, "reason": reason},
    )
    notices.disqualified(submission)
    logger.info("submission %s disqualified by %s", submission.pk, actor.pk)
    return submission
