"""Who judges what: the assignment run, re-assignment, manual edits, coverage.

The run is planned in memory by ``plan_assignments`` (a pure function) and written with one
``bulk_create``: greedy, most-constrained entry first, each entry given to the least-loaded
eligible judges (a category preference counts as ``PREFERENCE_BONUS`` fewer entries), ties
broken by a seeded RNG so equal inputs and seed give equal output. 6,000 x 60 x k=3 plans
in well under a second (bench/assignment_bench.py).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max, Q

from festival.models import JudgeMembership, User
from festival.services import record_audit
from judging import conflict_check, overview, selectors
from judging.competition import competes, competing_entries
from judging.conflict_check import by_entry, conflicts_among
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
    """Give every entry up to ``k`` judges. Pure and deterministic for equal inputs and seed."""
    rng = random.Random(seed)  # noqa: S311 (a fair, reproducible draw, not a secret)
    judges = sorted(judges, key=lambda j: j.judge_id)
    load = {j.judge_id: j.load for j in judges}
    by_category: dict[int | None, list[JudgeInput]] = {}

    def candidates(category_id: int | None) -> list[JudgeInput]:
        if category_id not in by_category:
            by_category[category_id] = [j for j in judges if _eligible(j, category_id)]
        return by_category[category_id]

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
    # One judge per entry per pass, so under a shortage every entry gets a first judge
    # before any gets its k-th.
    for _ in range(k):
        for entry in todo:
            sid = entry.submission_id
            if entry.active + len(given[sid]) >= k or sid in plan.short:
                continue
            conflicted = conflicts.get(sid, set())
            best: tuple[int, float, int] | None = None
            skipped_conflict = skipped_cap = 0
            for judge in candidates(entry.category_id):
                jid = judge.judge_id
                if jid in entry.had or jid in given[sid]:
                    continue
                if jid in conflicted:
                    skipped_conflict += 1
                    continue
                if cap is not None and load[jid] >= cap:
                    skipped_cap += 1
                    continue
                bonus = PREFERENCE_BONUS if entry.category_id in judge.preferred else 0
                key = (load[jid] - bonus, rng.random(), jid)
                if best is None or key < best:
                    best = key
            if best is None:
                plan.short[sid] = _shortfall(
                    eligible=len(candidates(entry.category_id)),
                    had=len(entry.had) + len(given[sid]),
                    conflicted=skipped_conflict,
                    capped=skipped_cap,
                )
                continue
            jid = best[2]
            load[jid] += 1
            given[sid].add(jid)
            plan.pairs.append((sid, jid))
            new_by_judge[jid].append(sid)
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


def _entry_inputs(round_: Round, submission_ids: list[int]) -> list[EntryInput]:
    categories = dict(Submission.objects.filter(pk__in=submission_ids).values_list("pk", "category_id"))
    active: dict[int, int] = defaultdict(int)
    had: dict[int, set[int]] = defaultdict(set)
    for submission_id, judge_id, state in Assignment.objects.filter(
        round=round_, submission_id__in=submission_ids
    ).values_list("submission_id", "judge_id", "state"):
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


@dataclass(frozen=True)
class AssignmentResult:
    created: int
    short: dict[int, str]


@transaction.atomic
def assign_round(
    *,
    round_: Round,
    actor: User | None,
    seed: int = 0,
    submission_ids: list[int] | None = None,
    source: str = AssignmentSource.AUTO,
) -> AssignmentResult:
    """Fill every entry of the round (or the given ones) up to ``judges_per_entry`` judges.

    Incremental: existing active assignments count, and a judge who ever had an entry
    (withdrawn, conflicted, removed) is not given it again.
    """
    Round.objects.select_for_update().filter(pk=round_.pk).first()  # one run per round at a time
    competing_ids = competing_entries(round_).order_by("submission_id").values_list("submission_id", flat=True)
    if submission_ids is None:
        submission_ids = list(competing_ids)
    else:  # an entry that stopped competing is never given to a judge
        submission_ids = sorted(set(submission_ids) & set(competing_ids.filter(submission_id__in=submission_ids)))
    judges = selectors.round_judges(round_)
    entries = _entry_inputs(round_, submission_ids)
    conflicts = by_entry(conflicts_among(judges, round_=round_))
    plan = plan_assignments(
        entries,
        _judge_inputs(round_, judges),
        k=round_.judges_per_entry,
        cap=round_.load_cap,
        conflicts=conflicts,
        seed=seed,
    )
    start = dict(
        Assignment.objects.filter(round=round_)
        .values_list("judge_id")
        .annotate(top=Max("position"))
        .values_list("judge_id", "top")
    )
    rows: list[Assignment] = []
    for judge_id, order in plan.order.items():
        first = (start.get(judge_id) or 0) + 1
        rows.extend(
            Assignment(round=round_, judge_id=judge_id, submission_id=sid, source=source, position=first + i)
            for i, sid in enumerate(order)
        )
    Assignment.objects.bulk_create(rows, batch_size=2000)
    if not rows and not plan.short:
        return AssignmentResult(created=0, short={})  # nothing to do, nothing to record
    record_audit(
        actor=actor,
        action="assignment.run",
        target=round_,
        after={"seed": seed, "created": len(rows), "short": len(plan.short), "source": source},
    )
    return AssignmentResult(created=len(rows), short=plan.short)


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
        action="assignment.judge_withdrawn",
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
    from judging.services.scoring import exclude_score

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
        action="assignment.conflict_found",
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
        action="assignment.conflict_reassigned",
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
        action="assignment.added",
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
        from judging.services.scoring import exclude_score

        exclude_score(score=score, reason=reason or "Assignment removed by an organizer.", actor=actor)
    record_audit(
        actor=actor,
        action="assignment.removed",
        target=assignment,
        before=before,
        after={"state": assignment.state, "reason": reason},
    )
    return assignment


# --- Coverage -------------------------------------------------------------------------


def coverage_report(
    round_: Round, *, offset: int = 0, conflicts: conflict_check.Conflicts | None = None
) -> list[selectors.CoverageGap]:
    """One page of the round's entries with fewer than ``judges_per_entry`` active judges, and why.

    The reasons come from a dry run of the planner over that page only, so the page costs the
    same at 100 entries as at 100,000.
    """
    found = conflict_check.round_conflicts(round_) if conflicts is None else conflicts
    entries = [(e.submission_id, e.title, e.judges) for e in overview.short_entries(round_, found, offset=offset)]
    if not entries:
        return []
    ids = [sid for sid, _, _ in entries]
    judges = selectors.round_judges(round_)
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
        selectors.CoverageGap(
            submission_id=sid,
            title=title,
            judges=count,
            needed=round_.judges_per_entry,
            reason=dry.short.get(sid, "Not assigned yet: run the assignment."),
        )
        for sid, title, count in entries
    ]
