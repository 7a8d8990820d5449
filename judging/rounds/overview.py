"""Reads for the organizer's round page: progress, judges' loads and coverage, in SQL aggregates.

Every figure is a GROUP BY or a COUNT over one table, indexed by round and read index-only
(``assignment_queue_entry``, ``assignment_entry_judge``, ``score_counted``); none joins the
round's rows with the submissions: the few entries that left (``left_entries``) and the
round's conflicts are left out by hashed ``NOT IN`` lists. Lists of entries are paginated;
the coverage histogram is counted in SQL, so no per-entry row reaches Python. The page's
query count does not grow with the edition (100,000 entries, 600 judges): the per-judge
table grows with the jury, which is what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from festival.models import JudgeMembership
from judging.assignment.conflict_check import Conflicts, without_conflicts
from judging.models import Assignment, AssignmentRun, AssignmentState, Round, RoundEntry, Score, ScoreState
from judging.rounds.competition import left_entries, still_competing
from judging.scoring.selectors import submitted_scores

SHORT_PAGE = 50


@dataclass(frozen=True)
class RoundCounts:
    entries: int
    assignments: int  # active
    submitted: int  # counted scores
    excluded: int


@dataclass(frozen=True)
class JudgeLoad:
    judge: JudgeMembership
    assigned: int  # active assignments
    submitted: int  # of which with a counted, submitted score


@dataclass(frozen=True)
class CoverageBucket:
    judges: int  # active judges an entry has
    entries: int  # entries with that many


@dataclass(frozen=True)
class ShortEntry:
    submission_id: int
    title: str
    judges: int


Left = list[tuple[int, str]]


def _active(round_: Round, conflicts: Conflicts, left: Left) -> QuerySet[Assignment]:
    """Active assignments of entries that compete, by judges not conflicted with them now."""
    rows = Assignment.objects.filter(still_competing(left), round=round_, state=AssignmentState.ACTIVE)
    return without_conflicts(rows, conflicts)


def _entries(round_: Round, left: Left) -> QuerySet[RoundEntry]:
    """The round's competing entries (``competing_entries``, without the join)."""
    return RoundEntry.objects.filter(still_competing(left), round=round_)


def counted(round_: Round, conflicts: Conflicts, left: Left) -> QuerySet[Score]:
    """The round's counted scores (``counted_scores``) without the join with the submissions:
    entries that left and conflicted pairs are left out by hashed ``NOT IN`` lists."""
    return without_conflicts(submitted_scores(round_).filter(still_competing(left)), conflicts)


def _per_judge(rows: QuerySet[Assignment] | QuerySet[Score]) -> dict[int, int]:
    # COUNT(*), not COUNT(id): the covering indexes hold the judge and the entry, not the id.
    return dict(rows.order_by().values_list("judge_id").annotate(n=Count("*")).values_list("judge_id", "n"))


def progress(round_: Round, conflicts: Conflicts, left: Left | None = None) -> tuple[RoundCounts, list[JudgeLoad]]:
    """The round's counts and each judge's load: two GROUP BYs (one per table) give both.

    Grouping each table by judge, instead of joining assignments with scores per judge (which at
    100,000 entries multiplied into 147 million rows); the round's totals are their sums.
    ``left``: the round's ``left_entries``, when the caller has read them already.
    """
    left = left_entries(round_) if left is None else left
    assigned = _per_judge(_active(round_, conflicts, left))
    submitted = _per_judge(counted(round_, conflicts, left))
    counts = RoundCounts(
        entries=_entries(round_, left).count(),
        assignments=sum(assigned.values()),
        submitted=sum(submitted.values()),
        # Every state spelled out, so the count probes ``score_counted`` for the few excluded.
        excluded=Score.objects.filter(round=round_, state__in=ScoreState.values, excluded=True).count(),
    )
    judges = JudgeMembership.objects.filter(edition_id=round_.edition_id).select_related("user").order_by("user__email")
    loads = [JudgeLoad(judge=j, assigned=assigned.get(j.pk, 0), submitted=submitted.get(j.pk, 0)) for j in judges]
    return counts, loads


# Judges on one page of the round page's table (an edition of 100,000 entries has 600).
JUDGE_PAGE = 50


def furthest_behind_first(loads: list[JudgeLoad]) -> list[JudgeLoad]:
    """The judges with the most assignments still to score first (those an organizer chases),
    in e-mail order among equals (the order ``progress`` reads them in: the sort is stable)."""
    return sorted(loads, key=lambda load: load.submitted - load.assigned)


def round_counts(round_: Round, conflicts: Conflicts) -> RoundCounts:
    return progress(round_, conflicts)[0]


def judge_loads(round_: Round, conflicts: Conflicts) -> list[JudgeLoad]:
    """Each judge of the edition with their active assignments and counted scores in this round."""
    return progress(round_, conflicts)[1]


def coverage_histogram(round_: Round, conflicts: Conflicts) -> list[CoverageBucket]:
    """How many competing entries have 0, 1, 2, … active, conflict-free judges (three queries).

    The round's active assignments grouped by entry (index-only, in entry order), then grouped
    again by that count, in SQL: a handful of rows reach Python, not one per entry. Entries with
    no judge at all are the competing entries the grouping did not see.
    """
    left = left_entries(round_)
    per_entry = (
        _active(round_, conflicts, left)
        .filter(submission_id__in=RoundEntry.objects.filter(round=round_).values("submission_id"))
        .order_by()
        .values("submission_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    inner, params = per_entry.query.sql_with_params()
    with connections[per_entry.db].cursor() as cursor:
        # The ORM compiled ``inner`` (its values are bound parameters): only the outer GROUP BY is written here.
        cursor.execute(f"SELECT n, COUNT(*) FROM ({inner}) AS per_entry GROUP BY n", params)  # noqa: S608
        buckets = {int(n): int(entries) for n, entries in cursor.fetchall()}
    unjudged = _entries(round_, left).count() - sum(buckets.values())
    if unjudged:
        buckets[0] = unjudged
    return [CoverageBucket(judges=j, entries=n) for j, n in sorted(buckets.items())]


def short_entries(round_: Round, conflicts: Conflicts, *, offset: int = 0, limit: int = SHORT_PAGE) -> list[ShortEntry]:
    """Competing entries with fewer than the round's judges per entry, fewest first, one page.

    One query: each entry's judges counted by an index-only probe of ``assignment_entry_judge``,
    sorted and sliced in SQL. (The round page asks only when the histogram shows short entries.)
    """
    left = left_entries(round_)
    judges = (
        _active(round_, conflicts, left)
        .filter(submission_id=OuterRef("submission_id"))
        .order_by()
        .values("submission_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    rows = (
        _entries(round_, left)
        .annotate(n=Coalesce(Subquery(judges, output_field=IntegerField()), Value(0)))
        .filter(n__lt=round_.judges_per_entry)
        .order_by("n", "submission_id")
        .values_list("submission_id", "submission__title", "n")[offset : offset + limit]
    )
    return [ShortEntry(submission_id=pk, title=title or "", judges=n) for pk, title, n in rows]


def latest_assignment_run(round_: Round) -> AssignmentRun | None:
    return AssignmentRun.objects.filter(round=round_).order_by("-requested_at", "-id").first()


def round_live_status(round_: Round, conflicts: Conflicts) -> tuple[dict[str, object], bool]:
    """The round page's live values (``festival.live``): its counts and each judge's progress."""
    counts, loads = progress(round_, conflicts)
    values: dict[str, object] = {
        "round-entries": counts.entries,
        "round-assignments": counts.assignments,
        "round-submitted": counts.submitted,
        "round-excluded": counts.excluded,
    }
    for load in loads:
        values[f"judge-{load.judge.pk}-assigned"] = load.assigned
        values[f"judge-{load.judge.pk}-submitted"] = load.submitted
    return values, True
