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

from django.db.models import Exists, OuterRef, Q, QuerySet

from judging.models import Assignment, Round, RoundEntry, Score
from submissions.models import Submission, SubmissionState
from submissions.selectors import in_competition, out_of_competition


def competing(path: str = "submission__") -> Q:
    """The condition on a judging row (assignment, score, round entry, award) whose entry competes."""
    return in_competition(path)


def competes(submission: Submission) -> bool:
    return Submission.objects.filter(competing(""), pk=submission.pk).exists()


def competing_entries(round_: Round) -> QuerySet[RoundEntry]:
    return RoundEntry.objects.filter(competing(), round=round_)


def left_entries(round_: Round) -> list[tuple[int, str]]:
    """(id, state) of the edition's submissions that do not compete now but were put in, assigned
    or scored in the round, by id: the few a round's reads must leave out (one query).

    Starts from the edition's non-competing submissions (``submission_edition_state``, drafts
    included: a handful of index probes each), so it costs the same at 100,000 entries as at
    100. A round holds only its edition's entries (rounds, assignments and scores are made
    per edition), so this set is exactly what ``competing()`` leaves out of the round's rows.
    """
    mine = {"round": round_, "submission_id": OuterRef("pk")}
    return list(
        Submission.objects.filter(out_of_competition(), edition_id=round_.edition_id)
        .filter(
            Exists(RoundEntry.objects.filter(**mine))
            | Exists(Assignment.objects.filter(**mine))
            | Exists(Score.objects.filter(**mine))
        )
        .order_by("pk")
        .values_list("pk", "state")
    )


def still_competing(left: list[tuple[int, str]]) -> Q:
    """``competing()`` for a round's rows given its ``left_entries``: a hashed ``NOT IN`` of a few
    ids instead of a join with every submission."""
    return ~Q(submission_id__in=[pk for pk, _ in left]) if left else Q()


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
    rows = Submission.objects.filter(
        out_of_competition(), edition_id=round_.edition_id, round_entries__round=round_
    ).values_list("pk", "title", "state", "withdrawn_at", "disqualified_at", "disqualified_reason")
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
