"""Reads of judging used by pages, the API, the admin and the assignment service."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.urls import reverse

from festival.models import AuditEvent, JudgeMembership, User
from judging.competition import competing
from judging.conflict_check import (
    Conflicts,
    conflict_between,
    conflicted_rows,
    conflicts_among,
    round_conflicts,
    without_conflicts,
)
from judging.errors import NotAssigned
from judging.models import (
    Assignment,
    AssignmentState,
    Criterion,
    Round,
    Score,
    ScoreState,
)
from submissions.models import AIUse, Credit

# --- Conflicts and competition, as every read here applies them ---------------------------


def conflicts_of_user(user: User) -> Conflicts:
    """Conflicts of the user's active judge memberships (a handful of queries, any edition size)."""
    return conflicts_among(list(JudgeMembership.objects.filter(user=user, is_active=True).select_related("user")))


def _judge_rows(user: User) -> QuerySet[Assignment]:
    """The user's active assignments whose entry competes and is not conflicted: the queue's
    rows, the API list's rows and the only rows the scoring page, autosave and media open."""
    rows = Assignment.objects.filter(competing(), judge__user=user, judge__is_active=True, state=AssignmentState.ACTIVE)
    return without_conflicts(rows, conflicts_of_user(user))


# --- The judge's own assignments ------------------------------------------------------


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


@dataclass
class RoundQueue:
    round: Round
    items: list[QueueItem] = field(default_factory=list)
    page: Page[QueueItem] | None = None  # the rows shown; see ``show_page``

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.status == "submitted")

    @property
    def next_item(self) -> QueueItem | None:
        return next((item for item in self.items if item.status != "submitted"), None)

    def show_page(self, number: str | None) -> None:
        """Show one page of rows: the one asked for, else the one holding the next entry to score."""
        if number is None:
            following = self.next_item
            number = str((following.number - 1) // QUEUE_PAGE_SIZE + 1) if following else "1"
        self.page = Paginator(self.items, QUEUE_PAGE_SIZE).get_page(number)


def active_assignments_of(user: User) -> QuerySet[Assignment]:
    return (
        _judge_rows(user)
        .select_related("round__edition__festival", "submission__category", "score")
        .order_by("round__edition_id", "round__position", "position", "pk")
    )


def judge_queue(user: User) -> list[RoundQueue]:
    """Per round, the user's entries in their shuffled order, with progress.

    Entries that stopped competing and entries the judge is now conflicted with (a credit
    edit, a later declaration) are left out by ``_judge_rows``, a SQL filter. A judge of a
    6,000-entry edition has ~300 rows here: the rows load only the columns the page shows
    and the rounds load once, not once per row.
    """
    rows = (
        _judge_rows(user)
        .order_by("round__edition_id", "round__position", "position", "pk")
        .values_list(
            "id",
            "round_id",
            "submission__title",
            "submission__category__name",
            "watched_share",
            "score__state",
            "score__total",
        )
    )
    queues: dict[int, list[QueueItem]] = {}
    for assignment_id, round_id, title, category, watched, state, total in rows:
        items = queues.setdefault(round_id, [])
        items.append(
            QueueItem(
                assignment_id=assignment_id,
                number=len(items) + 1,
                title=title,
                category=category or "",
                watched_share=watched,
                score_state=state,
                score_total=total,
                url=reverse("judging:score", args=[round_id, assignment_id]),
            )
        )
    rounds = Round.objects.select_related("edition__festival").in_bulk(list(queues))
    return [RoundQueue(round=rounds[round_id], items=items) for round_id, items in queues.items()]


def neighbours(assignment: Assignment) -> tuple[int | None, int | None]:
    """Ids of the previous and next entries of the judge's queue for the round (as the queue shows it).

    Two indexed ``LIMIT 1`` queries (``assignment_queue``) besides the judge's conflicts, not
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


def criteria_of(round_: Round) -> list[Criterion]:
    return list(round_.criteria.all())


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


# --- Organizer views ------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageGap:
    submission_id: int
    title: str
    judges: int  # active assignments
    needed: int
    reason: str


def score_history(score: Score) -> QuerySet[AuditEvent]:
    """The append-only audit trail of one score, oldest first."""
    return AuditEvent.objects.filter(target_type=Score._meta.label_lower, target_id=str(score.pk)).order_by(
        "created_at", "id"
    )


def round_judges(round_: Round) -> list[JudgeMembership]:
    """Judges who may be given entries in ``round_``: its panels' members, or the whole jury."""
    qs = JudgeMembership.objects.filter(edition_id=round_.edition_id, is_active=True).select_related("user")
    if round_.panels.exists():
        qs = qs.filter(panels__round=round_).distinct()
    return list(qs.order_by("pk"))


def counted_scores(round_: Round, conflicts: Conflicts | None = None) -> QuerySet[Score]:
    """The scores rankings and calibration use: submitted, not excluded (``Score.counts``), of
    an entry that still competes, by a judge not conflicted with it now.

    A score whose judge became conflicted after scoring stays stored (the round page lists
    it under "conflicts found after assignment") but counts nowhere from that moment.
    Pass ``conflicts`` when the caller already has the round's (``round_conflicts``).
    """
    rows = Score.objects.filter(competing(), round=round_, state=ScoreState.SUBMITTED, excluded=False)
    return without_conflicts(rows, round_conflicts(round_) if conflicts is None else conflicts)


@dataclass(frozen=True)
class FoundConflict:
    """An assignment whose judge turned out to be conflicted with the entry after assignment."""

    assignment_id: int
    submission_id: int
    title: str
    judge: str
    reason: str
    settled: bool  # taken off the judge (CONFLICTED); False: still active, hidden and not counting
    found_at: datetime | None  # when it was taken off (the audit row); None while unsettled
    judges: int  # the entry's active, conflict-free judges now
    needed: int

    @property
    def short(self) -> bool:
        return self.judges < self.needed


def conflicts_found_after_assignment(round_: Round, conflicts: Conflicts | None = None) -> list[FoundConflict]:
    """For the round page: conflicts that appeared after assignment and may need a new judge.

    Two kinds: assignments still ACTIVE whose judge is conflicted now (a credit edited after
    assignment: read-time rules already hide the entry from the judge and stop their score
    counting), and assignments taken off a judge (a later declaration) whose entry is still
    short of judges. A few queries over the conflicts and the taken-off rows only.
    """
    conflicts = round_conflicts(round_) if conflicts is None else conflicts
    found = Q(state=AssignmentState.CONFLICTED)
    if conflicts:
        found |= Q(state=AssignmentState.ACTIVE) & conflicted_rows(conflicts)
    rows = list(
        Assignment.objects.filter(competing(), found, round=round_)
        .order_by("submission_id", "pk")
        .values_list("pk", "judge_id", "submission_id", "state", "submission__title", "judge__user__email")
    )
    if not rows:
        return []
    ids = {sid for _, _, sid, _, _, _ in rows}
    judges: dict[int, int] = defaultdict(int)
    for judge_id, submission_id in Assignment.objects.filter(
        round=round_, state=AssignmentState.ACTIVE, submission_id__in=ids
    ).values_list("judge_id", "submission_id"):
        if (judge_id, submission_id) not in conflicts:
            judges[submission_id] += 1
    audits = {
        int(target_id): (created_at, (after or {}).get("reason", ""))
        for target_id, created_at, after in AuditEvent.objects.filter(
            action="assignment.conflict_found",
            target_type=Assignment._meta.label_lower,
            target_id__in=[str(pk) for pk, _, _, state, _, _ in rows if state == AssignmentState.CONFLICTED],
        ).values_list("target_id", "created_at", "after")
    }
    result = []
    for pk, judge_id, submission_id, state, title, email in rows:
        settled = state == AssignmentState.CONFLICTED
        found_at, logged_reason = audits.get(pk, (None, ""))
        item = FoundConflict(
            assignment_id=pk,
            submission_id=submission_id,
            title=title,
            judge=email,
            reason=conflicts.get((judge_id, submission_id)) or logged_reason or "Conflict of interest.",
            settled=settled,
            found_at=found_at if settled else None,
            judges=judges[submission_id],
            needed=round_.judges_per_entry,
        )
        if not settled or item.short:  # a settled one drops off once the entry has its judges again
            result.append(item)
    return result
