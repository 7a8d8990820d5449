"""Who judges what: the assignment run, re-assignment, manual edits, coverage.

The run is planned in memory by ``plan_assignments`` (a pure function) and written with one
``bulk_create``: greedy, most-constrained entry first, each entry given to the least-loaded
eligible judges (a category preference counts as ``PREFERENCE_BONUS`` fewer entries), ties
broken by a seeded RNG so equal inputs and seed give equal output. A priority queue of judges
per category makes each pick O(log judges): 100,000 x 600 x k=3 plans in a few seconds
(bench/assignment_bench.py).
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from festival.models import JudgeMembership, User
from festival.services import record_audit
from judging import audit_actions, notices
from judging.assignment import conflict_check
from judging.assignment import selectors as assignment_selectors
from judging.assignment.conflict_check import by_entry, conflicts_among
from judging.errors import AssignmentRefused
from judging.models import (
    Assignment,
    AssignmentSource,
    AssignmentState,
    Round,
    RoundEntry,
    Score,
    ScoreState,
)
from judging.rounds import overview
from judging.rounds.competition import competes, competing_entries
from submissions.models import Submission

PREFERENCE_BONUS = 2  # a judge who prefers the entry's category is picked as if 2 entries lighter


@dataclass(frozen=True)
class EntryInput:
    submission_id: int
    category_id: int | None
    active: int = 0  # judges it already has
    had: frozenset[int] = frozenset()  # judges with any assignment row for it (never again)


@dataclass(frozen=True)
class JudgeInput:
    judge_id: int
    load: int = 0  # active assignments in the round
    categories: frozenset[int | None] | None = None  # panels' categories; None: every entry
    preferred: frozenset[int] = frozenset()


@dataclass
class Plan:
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (submission id, judge id)
    order: dict[int, list[int]] = field(default_factory=dict)  # judge id → new submission ids, shuffled
    short: dict[int, str] = field(default_factory=dict)  # submission id → why it has < k judges


def _eligible(judge: JudgeInput, category_id: int | None) -> bool:
    if judge.categories is None:
        return True
    return None in judge.categories or category_id in judge.categories


def plan_assignments(
    entries: Sequence[EntryInput],
    judges: Sequence[JudgeInput],
    *,
    k: int,
    cap: int | None,
    conflicts: Mapping[int, set[int]],
    seed: int,
) -> Plan:
    """Give every entry up to ``k`` judges. Pure and deterministic for equal inputs and seed.

    Each entry category has a priority queue of its eligible judges keyed by
    ``(load - preference bonus, seeded random, judge id)``. Loads only grow, so a queue
    entry whose load is out of date is refreshed when it reaches the top (lazy update), a
    judge at the cap leaves the queue for good, and the judges an entry may not have
    (conflicted, already had it) are set aside and put back after the pick. Picking costs
    O(log judges) instead of a scan of every judge.
    """
    rng = random.Random(seed)  # noqa: S311 (a fair, reproducible draw, not a secret)
    judges = sorted(judges, key=lambda j: j.judge_id)
    load = {j.judge_id: j.load for j in judges}
    by_category: dict[int | None, list[JudgeInput]] = {}
    queues: dict[int | None, list[tuple[int, float, int, int]]] = {}

    def candidates(category_id: int | None) -> list[JudgeInput]:
        if category_id not in by_category:
            by_category[category_id] = [j for j in judges if _eligible(j, category_id)]
        return by_category[category_id]

    bonuses: dict[int | None, dict[int, int]] = {}  # category -> judge id -> preference bonus

    def queue(category_id: int | None) -> list[tuple[int, float, int, int]]:
        if category_id not in queues:
            bonus = bonuses[category_id] = {
                j.judge_id: PREFERENCE_BONUS if category_id in j.preferred else 0 for j in candidates(category_id)
            }
            heap = [(load[jid] - bonus[jid], rng.random(), jid, load[jid]) for jid in bonus]
            heapq.heapify(heap)
            queues[category_id] = heap
        return queues[category_id]

    todo = [e for e in sorted(entries, key=lambda e: e.submission_id) if e.active < k]
    # Most constrained first (fewest possible judges), random among equals.
    tiebreak = {e.submission_id: rng.random() for e in todo}
    todo.sort(
        key=lambda e: (
            len(candidates(e.category_id)) - len(conflicts.get(e.submission_id, ())) - len(e.had),
            tiebreak[e.submission_id],
        )
    )
    plan = Plan()
    new_by_judge: dict[int, list[int]] = defaultdict(list)
    given: dict[int, set[int]] = defaultdict(set)
    empty: set[int] = set()
    pop, push, draw = heapq.heappop, heapq.heappush, rng.random
    limit = cap if cap is not None else float("inf")
    # One judge per entry per pass, so under a shortage every entry gets a first judge
    # before any gets its k-th.
    for _ in range(k):
        for entry in todo:
            sid = entry.submission_id
            mine = given[sid]
            if entry.active + len(mine) >= k or sid in plan.short:
                continue
            category = entry.category_id
            heap = queue(category)
            bonus = bonuses[category]
            conflicted = conflicts.get(sid, empty)
            had = entry.had
            set_aside: list[tuple[int, float, int, int]] = []
            picked = None
            while heap:
                item = pop(heap)
                _, _, jid, at = item
                current = load[jid]
                if current >= limit:
                    continue  # at the cap for good: loads only grow
                if at != current:  # stale: back in with its current load
                    push(heap, (current - bonus[jid], draw(), jid, current))
                    continue
                if jid in mine or jid in had or jid in conflicted:
                    set_aside.append(item)
                    continue
                picked = jid
                break
            for item in set_aside:
                push(heap, item)
            if picked is None:
                plan.short[sid] = _shortfall(
                    eligible=len(candidates(category)),
                    had=len(entry.had) + len(mine),
                    # Each judge counted once: one who had the entry is not also "conflicted".
                    conflicted=sum(
                        1
                        for j in candidates(category)
                        if j.judge_id in conflicted and j.judge_id not in entry.had and j.judge_id not in mine
                    ),
                    capped=sum(
                        1
                        for j in candidates(category)
                        if cap is not None
                        and load[j.judge_id] >= cap
                        and j.judge_id not in conflicted
                        and j.judge_id not in entry.had
                        and j.judge_id not in mine
                    ),
                )
                continue
            current = load[picked] = load[picked] + 1
            push(heap, (current - bonus[picked], draw(), picked, current))
            mine.add(picked)
            plan.pairs.append((sid, picked))
            new_by_judge[picked].append(sid)
    for jid in sorted(new_by_judge):
        order = sorted(new_by_judge[jid])
        rng.shuffle(order)
        plan.order[jid] = order
    return plan


def _shortfall(*, eligible: int, had: int, conflicted: int, capped: int) -> str:
    parts = [f"{eligible} judges on its panel(s)"]
    if had:
        parts.append(f"{had} already have or had it")
    if conflicted:
        parts.append(f"{conflicted} conflicted")
    if capped:
        parts.append(f"{capped} at their load cap")
    return "Not enough judges: " + ", ".join(parts) + "."


# --- Loading the inputs -----------------------------------------------------------------


def _judge_inputs(round_: Round, judges: list[JudgeMembership]) -> list[JudgeInput]:
    loads = dict(
        Assignment.objects.filter(round=round_, state=AssignmentState.ACTIVE)
        .values_list("judge_id")
        .annotate(n=Count("pk"))
        .values_list("judge_id", "n")
    )
    panel_categories: dict[int, set[int | None]] = defaultdict(set)
    has_panels = round_.panels.exists()
    for judge_id, category_id in round_.panels.values_list("judges", "category_id"):
        if judge_id is not None:
            panel_categories[judge_id].add(category_id)
    preferred: dict[int, set[int]] = defaultdict(set)
    from judging.models import CategoryPreference

    for judge_id, category_id in CategoryPreference.objects.filter(judge__in=judges).values_list(
        "judge_id", "category_id"
    ):
        preferred[judge_id].add(category_id)
    return [
        JudgeInput(
            judge_id=j.pk,
            load=loads.get(j.pk, 0),
            categories=frozenset(panel_categories[j.pk]) if has_panels else None,
            preferred=frozenset(preferred[j.pk]),
        )
        for j in judges
    ]


def _entry_inputs(
    round_: Round, submission_ids: list[int], *, categories: Mapping[int, int | None] | None = None
) -> list[EntryInput]:
    """The planner's view of these entries of the round. With ``categories`` (every competing
    entry's, read through the round by ``assign_round``) the round's assignments are
    read by joining through it too: no ``IN`` lists of 100,000 ids."""
    if categories is not None:
        rows = Assignment.objects.filter(round=round_)
    else:
        categories = dict(Submission.objects.filter(pk__in=submission_ids).values_list("pk", "category_id"))
        rows = Assignment.objects.filter(round=round_, submission_id__in=submission_ids)
    active: dict[int, int] = defaultdict(int)
    had: dict[int, set[int]] = defaultdict(set)
    for submission_id, judge_id, state in rows.values_list("submission_id", "judge_id", "state").order_by():
        had[submission_id].add(judge_id)
        if state == AssignmentState.ACTIVE:
            active[submission_id] += 1
    return [
        EntryInput(
            submission_id=sid,
            category_id=categories.get(sid),
            active=active[sid],
            had=frozenset(had[sid]),
        )
        for sid in submission_ids
    ]


ASSIGNMENT_COLUMNS = ("round", "judge", "submission", "source", "position", "state", "watched_seconds", "watched_share")


def write_plan(*, round_: Round, plan: Plan, source: str) -> int:
    """Write a plan's pairs, each judge's new entries after the end of their queue; the number
    written. One bulk write: PostgreSQL's COPY (300,000 rows in a few seconds, no model object
    per row), ``bulk_create`` in batches elsewhere."""
    start = dict(
        Assignment.objects.filter(round=round_)
        .values_list("judge_id")
        .annotate(top=Max("position"))
        .values_list("judge_id", "top")
        .order_by()
    )
    rows = [
        (round_.pk, judge_id, sid, source, (start.get(judge_id) or 0) + 1 + i)
        for judge_id, order in plan.order.items()
        for i, sid in enumerate(order)
    ]
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        _copy_assignments(rows)
    else:
        Assignment.objects.bulk_create(
            (
                Assignment(round_id=r, judge_id=j, submission_id=sid, source=src, position=pos)
                for r, j, sid, src, pos in rows
            ),
            batch_size=2000,
        )
    return len(rows)


def _copy_assignments(rows: list[tuple[int, int, int, str, int]]) -> None:
    """COPY new active assignments in (the columns' defaults written out: COPY uses none of Django's)."""
    meta, quote = Assignment._meta, connection.ops.quote_name
    columns = [*ASSIGNMENT_COLUMNS, "created_at"]
    column_of = {field.name: field.column for field in meta.concrete_fields}
    names = ", ".join(quote(column_of[name]) for name in columns)  # in the rows' order
    now = timezone.now()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, AssignmentState.ACTIVE, 0.0, 0.0, now))


@dataclass(frozen=True)
class AssignmentResult:
    created: int
    short: dict[int, str]
    judge_ids: tuple[int, ...] = ()  # the judges given new entries


@transaction.atomic
def assign_round(
    *,
    round_: Round,
    actor: User | None,
    seed: int = 0,
    submission_ids: list[int] | None = None,
    source: str = AssignmentSource.AUTO,
    notify: bool = True,
) -> AssignmentResult:
    """Fill every entry of the round (or the given ones) up to ``judges_per_entry`` judges.

    Incremental: existing active assignments count, and a judge who ever had an entry
    (withdrawn, conflicted, removed) is not given it again. ``notify=False``: the judges given
    entries (``judge_ids``) are told by the caller (the assignment job, in a task of its own).
    """
    Round.objects.select_for_update().filter(pk=round_.pk).first()  # one run per round at a time
    competing = competing_entries(round_).order_by("submission_id")
    categories: dict[int, int | None] | None = None
    if submission_ids is None:  # the whole round: its entries and their categories in one read
        categories = dict(competing.values_list("submission_id", "submission__category_id"))
        submission_ids = list(categories)
    else:  # an entry that stopped competing is never given to a judge
        found = competing.filter(submission_id__in=submission_ids).values_list("submission_id", flat=True)
        submission_ids = sorted(set(submission_ids) & set(found))
    judges = assignment_selectors.round_judges(round_)
    entries = _entry_inputs(round_, submission_ids, categories=categories)
    conflicts = by_entry(conflicts_among(judges, round_=round_))
    plan = plan_assignments(
        entries,
        _judge_inputs(round_, judges),
        k=round_.judges_per_entry,
        cap=round_.load_cap,
        conflicts=conflicts,
        seed=seed,
    )
    created = write_plan(round_=round_, plan=plan, source=source)
    if not created and not plan.short:
        return AssignmentResult(created=0, short={})  # nothing to do, nothing to record
    record_audit(
        actor=actor,
        action=audit_actions.ASSIGNMENT_RUN,
        target=round_,
        after={"seed": seed, "created": created, "short": len(plan.short), "source": source},
    )
    judge_ids = tuple(sorted(plan.order))  # the judges given new entries
    if judge_ids and notify:
        notices.assignments_ready(round_, judge_ids=list(judge_ids))
    return AssignmentResult(created=created, short=plan.short, judge_ids=judge_ids)


# --- Re-assignment ----------------------------------------------------------------------


@transaction.atomic
def withdraw_judge(*, round_: Round, judge: JudgeMembership, actor: User | None, seed: int = 0) -> AssignmentResult:
    """Take the judge off every entry they have not submitted a score for, and re-assign those."""
    open_ids = list(
        Assignment.objects.filter(round=round_, judge=judge, state=AssignmentState.ACTIVE)
        .exclude(Q(score__state=ScoreState.SUBMITTED) & Q(score__excluded=False))
        .values_list("pk", "submission_id")
    )
    Assignment.objects.filter(pk__in=[pk for pk, _ in open_ids]).update(state=AssignmentState.WITHDRAWN)
    record_audit(
        actor=actor,
        action=audit_actions.ASSIGNMENT_JUDGE_WITHDRAWN,
        target=judge,
        after={"round": round_.pk, "withdrawn": len(open_ids)},
    )
    return assign_round(
        round_=round_,
        actor=actor,
        seed=seed,
        submission_ids=sorted({sid for _, sid in open_ids}),
        source=AssignmentSource.REASSIGNED,
    )


@dataclass(frozen=True)
class DiscoveredConflict:
    assignment_id: int
    round_id: int
    submission_id: int
    judge_id: int
    score_excluded: bool


def _take_off(*, assignment: Assignment, reason: str, actor: User | None) -> DiscoveredConflict:
    """Mark one assignment CONFLICTED; its score stays, excluded with the reason, audited.

    ``assignment`` comes with its round and edition loaded: the audit row is filed in the
    festival's chain without another query.
    """
    from judging.scoring.services import exclude_score

    Assignment.objects.filter(pk=assignment.pk).update(state=AssignmentState.CONFLICTED)
    assignment.state = AssignmentState.CONFLICTED
    score = Score.objects.filter(
        round_id=assignment.round_id, judge_id=assignment.judge_id, submission_id=assignment.submission_id
    ).first()
    excluded = False
    if score is not None and not score.excluded:
        exclude_score(score=score, reason=f"Conflict of interest found after assignment: {reason}", actor=actor)
        excluded = True
    record_audit(
        actor=actor,
        action=audit_actions.ASSIGNMENT_CONFLICT_FOUND,
        target=assignment,
        before={"state": AssignmentState.ACTIVE},
        after={
            "state": AssignmentState.CONFLICTED,
            "judge": assignment.judge_id,
            "submission": assignment.submission_id,
            "reason": reason,
        },
    )
    return DiscoveredConflict(
        assignment_id=assignment.pk,
        round_id=assignment.round_id,
        submission_id=assignment.submission_id,
        judge_id=assignment.judge_id,
        score_excluded=excluded,
    )


@transaction.atomic
def settle_judge_conflicts(*, judge: JudgeMembership, actor: User | None) -> list[DiscoveredConflict]:
    """Take the entries this judge is now conflicted with off them, in every round.

    Touches only this judge's assignments (a judge has ~500 at 100,000 entries; the
    conflict check is a few indexed queries), never the other judges' or the edition's
    credits. Nothing is re-assigned here: the entry may now be short of judges, which the
    round page lists under "conflicts found after assignment" for an organizer to re-assign
    (``reassign_conflicted``) within the caps.
    """
    conflicts = conflict_check.conflicts_among([judge])
    if not conflicts:
        return []
    rows = Assignment.objects.filter(
        judge=judge, state=AssignmentState.ACTIVE, submission_id__in=[sid for _, sid in conflicts]
    ).select_related("round__edition")
    return [
        _take_off(assignment=assignment, reason=conflicts[(judge.pk, assignment.submission_id)], actor=actor)
        for assignment in rows
    ]


@transaction.atomic
def reassign_conflicted(*, assignment: Assignment, actor: User, seed: int = 0) -> AssignmentResult:
    """An organizer's one click on a conflict found after assignment: settle it, find another judge.

    A still-active conflicted assignment (a credit edited after assignment) is first marked
    CONFLICTED with its score excluded (kept, audited); then the entry is filled up to the
    round's ``judges_per_entry`` by the assignment rules (caps, panels, conflicts; never the
    conflicted judge again).
    """
    round_ = assignment.round
    if assignment.state == AssignmentState.ACTIVE:
        reason = conflict_check.conflict_between(assignment.judge, assignment.submission_id)
        if reason is None:
            raise AssignmentRefused("This judge is not conflicted with the entry: nothing to re-assign.")
        _take_off(assignment=assignment, reason=reason, actor=actor)
    elif assignment.state != AssignmentState.CONFLICTED:
        raise AssignmentRefused("Only a conflicted assignment is re-assigned from here.")
    result = assign_round(
        round_=round_,
        actor=actor,
        seed=seed,
        submission_ids=[assignment.submission_id],
        source=AssignmentSource.REASSIGNED,
    )
    record_audit(
        actor=actor,
        action=audit_actions.ASSIGNMENT_CONFLICT_REASSIGNED,
        target=assignment,
        after={
            "submission": assignment.submission_id,
            "from_judge": assignment.judge_id,
            "created": result.created,
            "short": result.short.get(assignment.submission_id, ""),
        },
    )
    return result


# --- Manual edits by organizers ---------------------------------------------------------


def check_manual_assignment(*, round_: Round, judge: JudgeMembership, submission: Submission) -> None:
    """Raise ``AssignmentRefused`` when the judge may not be given the entry."""
    if judge.edition_id != round_.edition_id or submission.edition_id != round_.edition_id:
        raise AssignmentRefused("The judge and the entry must belong to the round's edition.")
    if not RoundEntry.objects.filter(round=round_, submission=submission).exists():
        raise AssignmentRefused("This entry is not in the round.")
    if not competes(submission):
        raise AssignmentRefused("This entry no longer competes (withdrawn or disqualified).")
    reason = conflict_check.conflict_between(judge, submission.pk)
    if reason:
        raise AssignmentRefused(f"Conflict of interest: {reason} Waive the conflict first if it does not stand.")


@transaction.atomic
def add_assignment(*, round_: Round, judge: JudgeMembership, submission: Submission, actor: User) -> Assignment:
    """An organizer gives an entry to a judge by hand. Conflicts still apply (waive them first)."""
    check_manual_assignment(round_=round_, judge=judge, submission=submission)
    top = Assignment.objects.filter(round=round_, judge=judge).aggregate(top=Max("position"))["top"] or 0
    assignment, created = Assignment.objects.get_or_create(
        round=round_,
        judge=judge,
        submission=submission,
        defaults={"source": AssignmentSource.MANUAL, "position": top + 1},
    )
    before = None if created else {"state": assignment.state}
    if not created and assignment.state != AssignmentState.ACTIVE:
        assignment.state = AssignmentState.ACTIVE
        assignment.source = AssignmentSource.MANUAL
        assignment.save(update_fields=["state", "source"])
    record_audit(
        actor=actor,
        action=audit_actions.ASSIGNMENT_ADDED,
        target=assignment,
        before=before,
        after={"state": assignment.state, "judge": judge.pk, "submission": submission.pk},
    )
    return assignment


@transaction.atomic
def remove_assignment(*, assignment: Assignment, actor: User, reason: str = "") -> Assignment:
    """An organizer takes an entry off a judge. Their score (if any) is excluded, not deleted."""
    before = {"state": assignment.state}
    assignment.state = AssignmentState.REMOVED
    assignment.save(update_fields=["state"])
    score = Score.objects.filter(assignment=assignment, excluded=False).first()
    if score is not None:
        from judging.scoring.services import exclude_score

        exclude_score(score=score, reason=reason or "Assignment removed by an organizer.", actor=actor)
    record_audit(
        actor=actor,
        action=audit_actions.ASSIGNMENT_REMOVED,
        target=assignment,
        before=before,
        after={"state": assignment.state, "reason": reason},
    )
    return assignment


# --- Coverage -------------------------------------------------------------------------


def coverage_report(
    round_: Round, *, offset: int = 0, conflicts: conflict_check.Conflicts | None = None
) -> list[assignment_selectors.CoverageGap]:
    """One page of the round's entries with fewer than ``judges_per_entry`` active judges, and why.

    The reasons come from a dry run of the planner over that page only, so the page costs the
    same at 100 entries as at 100,000.
    """
    found = conflict_check.round_conflicts(round_) if conflicts is None else conflicts
    entries = [(e.submission_id, e.title, e.judges) for e in overview.short_entries(round_, found, offset=offset)]
    if not entries:
        return []
    ids = [sid for sid, _, _ in entries]
    judges = assignment_selectors.round_judges(round_)
    inputs = _entry_inputs(round_, ids)
    conflicts_by_entry = by_entry(found)
    # A dry run with the same rules says why each entry stays short.
    dry = plan_assignments(
        inputs,
        _judge_inputs(round_, judges),
        k=round_.judges_per_entry,
        cap=round_.load_cap,
        conflicts=conflicts_by_entry,
        seed=0,
    )
    return [
        assignment_selectors.CoverageGap(
            submission_id=sid,
            title=title,
            judges=count,
            needed=round_.judges_per_entry,
            reason=dry.short.get(sid, "Not assigned yet: run the assignment."),
        )
        for sid, title, count in entries
    ]
