"""Which of a round's entries compete: read from the submission at every read, never copied.

A ``RoundEntry`` says an entry *was put* in a round; whether it still competes is the
submission's own state (``submissions.selectors.in_competition``: submitted, not withdrawn
or disqualified). Every judging read — the judge's queue, scoring page, API and media,
round progress and coverage, results and calibration inputs, advancement, the final's
ballots and awards, exports — filters with ``competing`` so a withdrawal or
disqualification takes effect everywhere the moment it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from judging.models import Round, RoundEntry
from submissions.models import Submission, SubmissionState
from submissions.selectors import in_competition


def competing(path: str = "submission__") -> Q:
    """The condition on a judging row (assignment, score, round entry, award) whose entry competes."""
    return in_competition(path)


def competes(submission: Submission) -> bool:
    return Submission.objects.filter(competing(""), pk=submission.pk).exists()


def competing_entries(round_: Round) -> QuerySet[RoundEntry]:
    return RoundEntry.objects.filter(competing(), round=round_)


def competing_submissions(round_: Round) -> QuerySet[Submission]:
    return Submission.objects.filter(competing(""), round_entries__round=round_)


@dataclass(frozen=True)
class LeftEntry:
    """An entry put in the round that no longer competes, as its submission records it."""

    submission_id: int
    title: str
    state: str  # "withdrawn" / "disqualified" (or back to a draft state)
    left_at: datetime | None
    reason: str  # the organizers' reason for a disqualification

    @property
    def how(self) -> str:
        return SubmissionState(self.state).label


def entries_that_left(round_: Round) -> list[LeftEntry]:
    """Entries of the round that stopped competing, most recent first (few: one query)."""
    rows = (
        Submission.objects.filter(round_entries__round=round_)
        .exclude(competing(""))
        .values_list("pk", "title", "state", "withdrawn_at", "disqualified_at", "disqualified_reason")
    )
    left = [
        LeftEntry(
            submission_id=pk,
            title=title,
            state=state,
            left_at=disqualified_at if state == SubmissionState.DISQUALIFIED else withdrawn_at,
            reason=reason,
        )
        for pk, title, state, withdrawn_at, disqualified_at, reason in rows
    ]
    # Newest departures first; ``None`` (never recorded) last, then by id for a stable page.
    left.sort(key=lambda e: (e.left_at is None, -(e.left_at.timestamp() if e.left_at else 0), e.submission_id))
    return left
