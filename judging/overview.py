"""Reads for the organizer's round page: progress, judges' loads and coverage, in SQL aggregates.

Every figure is a GROUP BY or a COUNT over one table, indexed by round; lists of entries are
paginated. The page's query count does not grow with the edition (100,000 entries, 600
judges): the per-judge table grows with the jury, which is what it shows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from festival.models import JudgeMembership
from judging.competition import competing, competing_entries
from judging.conflict_check import Conflicts, without_conflicts
from judging.models import Assignment, AssignmentRun, AssignmentState, Round, Score
from judging.selectors import counted_scores
from submissions.models import Submission

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


def _active(round_: Round, conflicts: Conflicts) -> QuerySet[Assignment]:
    """Active assignments of entries that compete, by judges not conflicted with them now."""
    return without_conflicts(
        Assignment.objects.filter(competing(), round=round_, state=AssignmentState.ACTIVE), conflicts
    )


def round_counts(round_: Round, conflicts: Conflicts) -> RoundCounts:
    return RoundCounts(
        entries=competing_entries(round_).count(),
        assignments=_active(round_, conflicts).count(),
        submitted=counted_scores(round_, conflicts).count(),
        excluded=Score.objects.filter(round=round_, excluded=True).count(),
    )


def judge_loads(round_: Round, conflicts: Conflicts) -> list[JudgeLoad]:
    """Each judge of the edition with their active assignments and counted scores in this round.

    Two GROUP BY queries (one per table) instead of joining assignments with scores per judge,
    which at 100,000 entries multiplied into 147 million rows.
    """
    assigned = dict(
        _active(round_, conflicts)
        .order_by()
        .values_list("judge_id")
        .annotate(n=Count("pk"))
        .values_list("judge_id", "n")
    )
    submitted = dict(
        counted_scores(round_, conflicts)
        .order_by()
        .values_list("judge_id")
        .annotate(n=Count("pk"))
        .values_list("judge_id", "n")
    )
    judges = JudgeMembership.objects.filter(edition_id=round_.edition_id).select_related("user").order_by("user__email")
    return [JudgeLoad(judge=j, assigned=assigned.get(j.pk, 0), submitted=submitted.get(j.pk, 0)) for j in judges]


def _judges_per_entry(round_: Round, conflicts: Conflicts) -> tuple[list[int], dict[int, int]]:
    """The round's competing entries, and each one's active, conflict-free judges (two queries).

    One GROUP BY over the round's assignments, with the conflicts excluded once, instead of a
    per-entry subquery that would repeat the conflict filter 100,000 times.
    """
    entries = list(competing_entries(round_).order_by("submission_id").values_list("submission_id", flat=True))
    judges = dict(
        _active(round_, conflicts)
        .order_by()
        .values_list("submission_id")
        .annotate(n=Count("pk"))
        .values_list("submission_id", "n")
    )
    return entries, judges


def coverage_histogram(round_: Round, conflicts: Conflicts) -> list[CoverageBucket]:
    """How many competing entries have 0, 1, 2, … active, conflict-free judges."""
    entries, judges = _judges_per_entry(round_, conflicts)
    buckets = Counter(judges.get(entry, 0) for entry in entries)
    return [CoverageBucket(judges=j, entries=n) for j, n in sorted(buckets.items())]


def short_entries(round_: Round, conflicts: Conflicts, *, offset: int = 0, limit: int = SHORT_PAGE) -> list[ShortEntry]:
    """Competing entries with fewer than the round's judges per entry, fewest first, one page."""
    entries, judges = _judges_per_entry(round_, conflicts)
    need = round_.judges_per_entry
    short = sorted((judges.get(entry, 0), entry) for entry in entries if judges.get(entry, 0) < need)
    page = short[offset : offset + limit]
    titles = dict(Submission.objects.filter(pk__in=[entry for _, entry in page]).values_list("pk", "title"))
    return [ShortEntry(submission_id=entry, title=titles.get(entry, ""), judges=n) for n, entry in page]


def latest_assignment_run(round_: Round) -> AssignmentRun | None:
    return AssignmentRun.objects.filter(round=round_).order_by("-requested_at", "-id").first()


def round_live_status(round_: Round, conflicts: Conflicts) -> tuple[dict[str, object], bool]:
    """The round page's live values (``festival.live``): its counts and each judge's progress."""
    counts = round_counts(round_, conflicts)
    values: dict[str, object] = {
        "round-entries": counts.entries,
        "round-assignments": counts.assignments,
        "round-submitted": counts.submitted,
        "round-excluded": counts.excluded,
    }
    for load in judge_loads(round_, conflicts):
        values[f"judge-{load.judge.pk}-assigned"] = load.assigned
        values[f"judge-{load.judge.pk}-submitted"] = load.submitted
    return values, True
