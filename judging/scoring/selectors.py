"""Reads for judges and scores: the judge's queue, what the scoring page shows (the assignment,
the score, peers' scores, the entry's credits and AI use), a score's history, and the scores
that count (``counted_scores``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from festival.models import AuditEvent, User
from judging.assignment.conflict_check import (
    Conflicts,
    conflict_between,
    conflicts_among,
    round_conflicts,
    without_conflicts,
)
from judging.assignment.selectors import conflicts_of_user
from judging.errors import NotAssigned
from judging.models import Assignment, AssignmentState, Round, Score, ScoreState
from judging.rounds.competition import competing
from submissions.models import AIUse, Credit


def _judge_rows(user: User) -> QuerySet[Assignment]:
    """The user's active assignments whose entry competes and is not conflicted: the queue's
    rows, the API list's rows and the only rows the scoring page, autosave and media open."""
    rows = Assignment.objects.filter(competing(), judge__user=user, judge__is_active=True, state=AssignmentState.ACTIVE)
    return without_conflicts(rows, conflicts_of_user(user))


def judge_assignment(*, user: User, assignment_id: int, round_id: int | None = None) -> Assignment:
    """The user's active, conflict-free assignment, or ``NotAssigned`` (→ 404) for anything else.

    Loads what the scoring page needs (round, judge, submission) with the row.
    """
    qs = Assignment.objects.select_related("round__edition", "judge__user", "submission__category").filter(
        competing(), pk=assignment_id, judge__user=user, judge__is_active=True, state=AssignmentState.ACTIVE
    )
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    assignment = qs.first()
    # The same rule as the queue's, for this one judge (constant cost: no edition scan).
    if assignment is None or conflict_between(assignment.judge, assignment.submission_id) is not None:
        raise NotAssigned("This entry is not assigned to you.")
    return assignment


QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueItem:
    """One row of a judge's queue, as plain values (a big jury has ~300 rows a judge)."""

    assignment_id: int
    number: int  # 1-based place in the judge's queue
    title: str
    category: str
    watched_share: float
    score_state: str | None
    score_total: float | None
    url: str  # the scoring page, built once here rather than per row in the template

    @property
    def status(self) -> str:
        if self.score_state is None:
            return "new"
        return "submitted" if self.score_state == ScoreState.SUBMITTED else "draft"

    @property
    def watched_percent(self) -> int:
        return round(self.watched_share * 100)


_QUEUE_COLUMNS = (
    "id",
    "submission__title",
    "submission__category__name",
    "watched_share",
    "score__state",
    "score__total",
)


def _not_submitted() -> Q:
    return Q(score__isnull=True) | ~Q(score__state=ScoreState.SUBMITTED)


class QueueRows:
    """A round's queue rows as a sequence the paginator slices in SQL (``LIMIT``/``OFFSET``).

    The count is known from the round's aggregate, so paging a judge's 3,000 entries reads
    the 50 shown, not all of them; scoring-page links are built from one ``reverse()``.
    """

    def __init__(self, rows: QuerySet[Assignment], round_id: int, total: int) -> None:
        self.rows = rows.filter(round_id=round_id).order_by("position", "pk")
        self.total = total
        self.prefix = reverse("judging:score", args=[round_id, 0]).removesuffix("0/")

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def item(self, number: int, values: tuple[Any, ...]) -> QueueItem:
        assignment_id, title, category, watched, state, total = values
        return QueueItem(
            assignment_id=assignment_id,
            number=number,
            title=title,
            category=category or "",
            watched_share=watched,
            score_state=state,
            score_total=total,
            url=f"{self.prefix}{assignment_id}/",
        )

    def __getitem__(self, window: slice) -> list[QueueItem]:
        start = window.start or 0
        found = self.rows.values_list(*_QUEUE_COLUMNS)[start : window.stop]
        return [self.item(start + i + 1, values) for i, values in enumerate(found)]

    def next_to_score(self) -> QueueItem | None:
        """The first entry not yet submitted, with its place in the queue (two indexed queries)."""
        found = self.rows.filter(_not_submitted()).values_list(*_QUEUE_COLUMNS, "position").first()
        if found is None:
            return None
        *values, position = found
        before = self.rows.filter(Q(position__lt=position) | Q(position=position, pk__lt=values[0])).count()
        return self.item(before + 1, tuple(values))


@dataclass
class RoundQueue:
    round: Round
    rows: QueueRows
    done: int
    page: Page[QueueItem] | None = None  # the rows shown; see ``show_page``
    next_item: QueueItem | None = None

    @property
    def total(self) -> int:
        return self.rows.total

    def show_page(self, number: str | None) -> None:
        """Show one page of rows: the one asked for, else the one holding the next entry to score."""
        self.next_item = self.rows.next_to_score() if self.done < self.total else None
        if number is None:
            following = self.next_item
            number = str((following.number - 1) // QUEUE_PAGE_SIZE + 1) if following else "1"
        self.page = Paginator(self.rows, QUEUE_PAGE_SIZE).get_page(number)  # type: ignore[arg-type]


def active_assignments_of(user: User) -> QuerySet[Assignment]:
    return (
        _judge_rows(user)
        .select_related("round__edition__festival", "submission__category", "score")
        .order_by("round__edition_id", "round__position", "position", "pk")
    )


def judge_queue(user: User) -> list[RoundQueue]:
    """Per round, the user's entries in their shuffled order, with progress.

    Entries that stopped competing and entries the judge is now conflicted with (a credit
    edit, a later declaration) are left out by ``_judge_rows``, a SQL filter whose conflicts
    are read once here. Progress is one GROUP BY; ``RoundQueue.show_page`` then reads only the
    page shown, so a judge with 3,000 entries costs the same as one with 30.
    """
    rows = _judge_rows(user)
    progress = (
        rows.order_by()
        .values_list("round_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(score__state=ScoreState.SUBMITTED)))
        .values_list("round_id", "total", "done")
    )
    counts = {round_id: (total, done) for round_id, total, done in progress}
    rounds = Round.objects.select_related("edition__festival").in_bulk(list(counts))
    ordered = sorted(counts, key=lambda pk: (rounds[pk].edition_id, rounds[pk].position, pk))
    return [RoundQueue(round=rounds[pk], rows=QueueRows(rows, pk, counts[pk][0]), done=counts[pk][1]) for pk in ordered]


def neighbours(assignment: Assignment) -> tuple[int | None, int | None]:
    """Ids of the previous and next entries of the judge's queue for the round (as the queue shows it).

    Two indexed ``LIMIT 1`` queries (``assignment_queue_entry``) besides the judge's conflicts, not
    the whole queue: a judge with 3,000 entries pays the same as one with 30.
    """
    queue = without_conflicts(
        Assignment.objects.filter(
            competing(), round_id=assignment.round_id, judge_id=assignment.judge_id, state=AssignmentState.ACTIVE
        ),
        conflicts_among([assignment.judge]),
    )
    here = assignment.position
    before = Q(position__lt=here) | Q(position=here, pk__lt=assignment.pk)
    after = Q(position__gt=here) | Q(position=here, pk__gt=assignment.pk)
    previous = queue.filter(before).order_by("-position", "-pk").values_list("pk", flat=True).first()
    following = queue.filter(after).order_by("position", "pk").values_list("pk", flat=True).first()
    return previous, following


def score_of(assignment: Assignment) -> Score | None:
    return Score.objects.filter(
        round_id=assignment.round_id, judge_id=assignment.judge_id, submission_id=assignment.submission_id
    ).first()


@dataclass(frozen=True)
class PeerScore:
    label: str  # "Judge A": peers stay anonymous to each other
    total: float | None
    values: dict[str, int]


def peer_scores(assignment: Assignment, own: Score | None) -> list[PeerScore] | None:
    """Other judges' submitted scores, or None while they must stay hidden from this judge."""
    if not assignment.round.peers_visible_after_submit or own is None or own.state != ScoreState.SUBMITTED:
        return None
    rows = (
        Score.objects.filter(
            round_id=assignment.round_id,
            submission_id=assignment.submission_id,
            state=ScoreState.SUBMITTED,
            excluded=False,
        )
        .exclude(judge_id=assignment.judge_id)
        .order_by("pk")
        .values_list("total", "values")
    )
    return [
        PeerScore(label=f"Judge {chr(ord('A') + i % 26)}", total=total, values=dict(values))
        for i, (total, values) in enumerate(rows)
    ]


def ai_uses_of(submission_id: int) -> list[AIUse]:
    return list(AIUse.objects.filter(submission_id=submission_id).select_related("tool"))


def credits_of(submission_id: int) -> list[Credit]:
    return list(Credit.objects.filter(submission_id=submission_id))


def score_history(score: Score) -> QuerySet[AuditEvent]:
    """The append-only audit trail of one score, oldest first."""
    return AuditEvent.objects.filter(target_type=Score._meta.label_lower, target_id=str(score.pk)).order_by(
        "created_at", "id"
    )


def counted_scores(round_: Round, conflicts: Conflicts | None = None) -> QuerySet[Score]:
    """The scores rankings and calibration use: submitted, not excluded (``Score.counts``), of
    an entry that still competes, by a judge not conflicted with it now.

    A score whose judge became conflicted after scoring stays stored (the round page lists
    it under "conflicts found after assignment") but counts nowhere from that moment.
    Pass ``conflicts`` when the caller already has the round's (``round_conflicts``).
    """
    rows = submitted_scores(round_).filter(competing())
    return without_conflicts(rows, round_conflicts(round_) if conflicts is None else conflicts)


def submitted_scores(round_: Round) -> QuerySet[Score]:
    """The round's scores that count by themselves (``Score.counts``: submitted, not excluded),
    before the entry's competition and the judge's conflicts are applied (``counted_scores``)."""
    return Score.objects.filter(round=round_, state=ScoreState.SUBMITTED, excluded=False)


def queue_live_status(user: User) -> tuple[dict[str, object], bool]:
    """The judge queue's live values (``festival.live``): per round, scores submitted of assigned.

    One aggregate query over the judge's active assignments; active while any is unscored.
    """
    rows = (
        Assignment.objects.filter(judge__user=user, judge__is_active=True, state=AssignmentState.ACTIVE)
        .values("round_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(score__state=ScoreState.SUBMITTED)))
        .order_by()
    )
    values: dict[str, object] = {}
    active = False
    for row in rows:
        values[f"round-{row['round_id']}-done"] = row["done"]
        values[f"round-{row['round_id']}-summary"] = f"{row['done']} of {row['total']}"
        active = active or row["done"] < row["total"]
    return values, active
