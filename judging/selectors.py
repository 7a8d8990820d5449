"""Reads of judging used by pages, the API, the admin and the assignment service."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from festival.models import AuditEvent, JudgeMembership, User
from judging.conflicts import EntryProfile, JudgeProfile, conflict_reason, group_names
from judging.errors import NotAssigned
from judging.models import (
    Assignment,
    AssignmentState,
    ConflictKind,
    ConflictWaiver,
    Criterion,
    DeclaredConflict,
    Round,
    Score,
    ScoreState,
)
from submissions.models import AIUse, Credit, Submission

# --- Conflicts ------------------------------------------------------------------------


def judge_profiles(judges: Iterable[JudgeMembership]) -> dict[int, JudgeProfile]:
    """Conflict profiles of judges (their user must be loaded): 3 queries for any number."""
    judges = list(judges)
    ids = [j.pk for j in judges]
    declared = DeclaredConflict.objects.filter(judge_id__in=ids).values_list("judge_id", "kind", "normalized")
    names: dict[int, set[str]] = defaultdict(set)
    entries: dict[int, set[int]] = defaultdict(set)
    for judge_id, kind, normalized in declared:
        if kind in (ConflictKind.PERSON, ConflictKind.COMPANY) and normalized:
            names[judge_id].add(normalized)
    for judge_id, submission_id in DeclaredConflict.objects.filter(
        judge_id__in=ids, kind=ConflictKind.ENTRY
    ).values_list("judge_id", "submission_id"):
        if submission_id is not None:
            entries[judge_id].add(submission_id)
    waived: dict[int, set[int]] = defaultdict(set)
    for judge_id, submission_id in ConflictWaiver.objects.filter(judge_id__in=ids).values_list(
        "judge_id", "submission_id"
    ):
        waived[judge_id].add(submission_id)
    own = group_names((j.pk, j.user.full_name) for j in judges)
    return {
        j.pk: JudgeProfile(
            judge_id=j.pk,
            user_id=j.user_id,
            names=frozenset(names[j.pk]) | own.get(j.pk, frozenset()),
            entries=frozenset(entries[j.pk]),
            waived=frozenset(waived[j.pk]),
        )
        for j in judges
    }


def entry_profiles(submission_ids: Iterable[int]) -> dict[int, EntryProfile]:
    """Conflict profiles of entries: credit names and organizations, and the entrant."""
    ids = list(submission_ids)
    rows: list[tuple[int, str]] = []
    for submission_id, name, organization in Credit.objects.filter(submission_id__in=ids).values_list(
        "submission_id", "name", "organization"
    ):
        rows.append((submission_id, name))
        rows.append((submission_id, organization))
    entrants = dict(Submission.objects.filter(pk__in=ids).values_list("pk", "entrant_id"))
    for submission_id, full_name in Submission.objects.filter(pk__in=ids).values_list("pk", "entrant__full_name"):
        rows.append((submission_id, full_name or ""))
    names = group_names(rows)
    return {
        sid: EntryProfile(submission_id=sid, entrant_id=entrant_id, names=names.get(sid, frozenset()))
        for sid, entrant_id in entrants.items()
    }


def conflict_between(judge: JudgeMembership, submission_id: int) -> str | None:
    """Why ``judge`` may not see the entry, or None (a handful of queries)."""
    profile = judge_profiles([judge])[judge.pk]
    entry = entry_profiles([submission_id]).get(submission_id)
    return conflict_reason(profile, entry) if entry else None


# --- The judge's own assignments ------------------------------------------------------


def judge_assignment(*, user: User, assignment_id: int, round_id: int | None = None) -> Assignment:
    """The user's active, conflict-free assignment, or ``NotAssigned`` (→ 404) for anything else.

    Loads what the scoring page needs (round, judge, submission) with the row.
    """
    qs = Assignment.objects.select_related("round__edition", "judge__user", "submission__category").filter(
        pk=assignment_id, judge__user=user, judge__is_active=True, state=AssignmentState.ACTIVE
    )
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    assignment = qs.first()
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
        Assignment.objects.filter(judge__user=user, judge__is_active=True, state=AssignmentState.ACTIVE)
        .select_related("round__edition__festival", "submission__category", "score")
        .order_by("round__edition_id", "round__position", "position", "pk")
    )


def judge_queue(user: User) -> list[RoundQueue]:
    """Per round, the user's entries in their shuffled order, with progress.

    Conflicts found after assignment are settled by ``resolve_conflicts`` (which moves the
    assignment out of ACTIVE), so this list needs no per-entry conflict check. A judge of
    a 6,000-entry edition has ~300 rows here: the rows load only the columns the page shows
    and the rounds load once, not once per row.
    """
    rows = (
        Assignment.objects.filter(judge__user=user, judge__is_active=True, state=AssignmentState.ACTIVE)
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
    """Ids of the previous and next active assignments in the judge's queue for the round."""
    ids = list(
        Assignment.objects.filter(
            round_id=assignment.round_id, judge_id=assignment.judge_id, state=AssignmentState.ACTIVE
        )
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    index = ids.index(assignment.pk) if assignment.pk in ids else -1
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if 0 <= index < len(ids) - 1 else None
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


def conflict_of_assignment(assignment: Assignment) -> str | None:
    return conflict_between(assignment.judge, assignment.submission_id)


@dataclass(frozen=True)
class JudgeLoad:
    judge: JudgeMembership
    assigned: int  # active assignments
    submitted: int  # of which with a counted, submitted score


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


def round_live_status(round_: Round) -> tuple[dict[str, object], bool]:
    """The organizer's round page's live values: the counts and each judge's progress."""
    counts, loads = round_overview(round_)
    values: dict[str, object] = {f"round-{key}": value for key, value in counts.items()}
    for load in loads:
        values[f"judge-{load.judge.pk}-assigned"] = load.assigned
        values[f"judge-{load.judge.pk}-submitted"] = load.submitted
    return values, True


def round_overview(round_: Round) -> tuple[dict[str, int], list[JudgeLoad]]:
    """Counts for the organizer's round page, and each judge's load and progress."""
    active = Assignment.objects.filter(round=round_, state=AssignmentState.ACTIVE)
    counts = {
        "entries": round_.entries.count(),
        "assignments": active.count(),
        "submitted": counted_scores(round_).count(),
        "excluded": Score.objects.filter(round=round_, excluded=True).count(),
    }
    loads = (
        JudgeMembership.objects.filter(edition_id=round_.edition_id)
        .select_related("user")
        .annotate(
            assigned=Count(
                "assignments",
                filter=Q(assignments__round=round_, assignments__state=AssignmentState.ACTIVE),
                distinct=True,
            ),
            submitted=Count(
                "scores",
                filter=Q(scores__round=round_, scores__state=ScoreState.SUBMITTED, scores__excluded=False),
                distinct=True,
            ),
        )
        .order_by("user__email")
    )
    return counts, [JudgeLoad(judge=j, assigned=j.assigned, submitted=j.submitted) for j in loads]


def counted_scores(round_: Round) -> QuerySet[Score]:
    """The scores rankings and calibration use: submitted and not excluded (see ``Score.counts``)."""
    return Score.objects.filter(round=round_, state=ScoreState.SUBMITTED, excluded=False)
