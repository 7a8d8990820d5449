"""Assignment: coverage, caps, conflicts, preferences, determinism, re-assignment, manual edits."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from festival.models import AuditEvent
from judging.assignment.conflict_services import declare_conflict, waive_conflict
from judging.assignment.services import (
    EntryInput,
    JudgeInput,
    add_assignment,
    assign_round,
    coverage_report,
    plan_assignments,
    remove_assignment,
    settle_judge_conflicts,
    withdraw_judge,
)
from judging.errors import AssignmentRefused
from judging.models import (
    Assignment,
    AssignmentSource,
    AssignmentState,
    CategoryPreference,
    ConflictKind,
    Panel,
    RoundEntry,
    Score,
    ScoreState,
)
from judging.rounds.services import add_entries_to_round
from tests.factories import CategoryFactory, CreditFactory, UserFactory
from tests.judging.factories import RoundFactory, judge_of, rubric_round, submitted_entry


def medium_problem(seed: int = 1) -> tuple[list[EntryInput], list[JudgeInput], dict[int, set[int]]]:
    rng = random.Random(seed)
    entries = [EntryInput(submission_id=i, category_id=i % 4) for i in range(1, 601)]
    judges = [JudgeInput(judge_id=j, preferred=frozenset({j % 4}) if j % 3 == 0 else frozenset()) for j in range(1, 21)]
    conflicts = {sid: {rng.randint(1, 20)} for sid in rng.sample(range(1, 601), 60)}
    return entries, judges, conflicts


def test_a_medium_plan_covers_every_entry_within_caps_and_without_conflicts() -> None:
    entries, judges, conflicts = medium_problem()

    plan = plan_assignments(entries, judges, k=3, cap=95, conflicts=conflicts, seed=42)

    per_entry = Counter(sid for sid, _ in plan.pairs)
    per_judge = Counter(jid for _, jid in plan.pairs)
    assert plan.short == {}
    assert set(per_entry.values()) == {3}
    assert len(per_entry) == 600
    assert len(set(plan.pairs)) == 1800  # nobody judges an entry twice
    assert max(per_judge.values()) <= 95
    assert max(per_judge.values()) - min(per_judge.values()) <= 4  # balanced, preference bonus aside
    assert [p for p in plan.pairs if p[1] in conflicts.get(p[0], set())] == []
    assert sorted(plan.order) == list(range(1, 21))
    assert sum(len(o) for o in plan.order.values()) == 1800


def test_the_plan_is_deterministic_for_a_seed_and_shuffled_per_judge() -> None:
    entries, judges, conflicts = medium_problem()

    first = plan_assignments(entries, judges, k=3, cap=None, conflicts=conflicts, seed=7)
    again = plan_assignments(entries, judges, k=3, cap=None, conflicts=conflicts, seed=7)
    other = plan_assignments(entries, judges, k=3, cap=None, conflicts=conflicts, seed=8)

    assert first.pairs == again.pairs and first.order == again.order
    assert first.pairs != other.pairs
    assert first.order[1] != sorted(first.order[1])  # not in submission order


def test_judges_get_more_of_their_preferred_category() -> None:
    entries = [EntryInput(submission_id=i, category_id=i % 2) for i in range(1, 201)]
    judges = [JudgeInput(judge_id=1, preferred=frozenset({0}))] + [JudgeInput(judge_id=j) for j in range(2, 7)]

    plan = plan_assignments(entries, judges, k=2, cap=None, conflicts={}, seed=1)

    mine = Counter(sid % 2 for sid, jid in plan.pairs if jid == 1)
    assert mine[0] > 2 * mine[1]


def test_caps_and_conflicts_leave_entries_short_with_a_reason() -> None:
    entries = [EntryInput(submission_id=i, category_id=None) for i in range(1, 11)]
    judges = [JudgeInput(judge_id=j) for j in (1, 2, 3)]

    plan = plan_assignments(entries, judges, k=3, cap=8, conflicts={1: {1, 2}}, seed=3)

    assert Counter(jid for _, jid in plan.pairs) == {1: 8, 2: 8, 3: 8}
    per_entry = Counter(sid for sid, _ in plan.pairs)
    assert per_entry[1] == 1  # only one judge is not conflicted
    assert min(per_entry[sid] for sid in range(2, 11)) == 2  # the shortage is spread, nobody left with none
    assert len(per_entry) == 10
    assert plan.short[1] == "Not enough judges: 3 judges on its panel(s), 1 already have or had it, 2 conflicted."
    assert sorted(plan.short) == sorted(sid for sid in range(1, 11) if per_entry[sid] < 3)
    assert all(r.startswith("Not enough judges") for r in plan.short.values())


def test_panels_limit_judges_to_their_category() -> None:
    entries = [EntryInput(submission_id=i, category_id=i % 2) for i in range(1, 21)]
    judges = [
        JudgeInput(judge_id=1, categories=frozenset({0})),
        JudgeInput(judge_id=2, categories=frozenset({1})),
        JudgeInput(judge_id=3, categories=frozenset({None})),
    ]

    plan = plan_assignments(entries, judges, k=2, cap=None, conflicts={}, seed=0)

    assert {(sid % 2, jid) for sid, jid in plan.pairs} == {(0, 1), (0, 3), (1, 2), (1, 3)}


@pytest.mark.django_db
def test_assign_round_writes_assignments_and_an_audit_row() -> None:
    round_ = rubric_round(judges_per_entry=2)
    judges = [judge_of(round_.edition) for _ in range(4)]
    entries = [submitted_entry(round_.edition) for _ in range(10)]
    assert add_entries_to_round(round_=round_, actor=None) == 10

    result = assign_round(round_=round_, actor=None, seed=5)

    rows = list(Assignment.objects.filter(round=round_).values_list("submission_id", "judge_id", "position"))
    assert result.created == 20 and result.short == {}
    assert Counter(s for s, _, _ in rows) == {e.pk: 2 for e in entries}
    for judge in judges:
        positions = sorted(p for _, j, p in rows if j == judge.pk)
        assert positions == list(range(1, len(positions) + 1))
    assert AuditEvent.objects.filter(action="assignment.run", target_id=str(round_.pk)).count() == 1
    # A second run has nothing left to do.
    assert assign_round(round_=round_, actor=None, seed=5).created == 0
    assert coverage_report(round_) == []


@pytest.mark.django_db
def test_assignment_respects_credits_conflicts_and_the_entrants_own_film() -> None:
    round_ = rubric_round(judges_per_entry=1)
    ada = judge_of(round_.edition, name="Ada Lovelace")
    bob = judge_of(round_.edition, name="Bob Marley")
    by_ada = submitted_entry(round_.edition)
    CreditFactory.create(submission=by_ada, name="ADA  Lovelacé")
    bobs_own = submitted_entry(round_.edition, entrant=bob.user)
    add_entries_to_round(round_=round_, actor=None)

    assign_round(round_=round_, actor=None)

    assert Assignment.objects.get(submission=by_ada).judge == bob
    assert Assignment.objects.get(submission=bobs_own).judge == ada


@pytest.mark.django_db
def test_panels_and_preferences_come_from_the_database() -> None:
    round_ = rubric_round(judges_per_entry=1)
    narrative, docs = CategoryFactory.create(edition=round_.edition), CategoryFactory.create(edition=round_.edition)
    a, b = judge_of(round_.edition), judge_of(round_.edition)
    judge_of(round_.edition)  # not on a panel: gets nothing
    Panel.objects.create(round=round_, category=narrative, name="Narrative").judges.add(a)
    Panel.objects.create(round=round_, category=docs, name="Docs").judges.add(b)
    CategoryPreference.objects.create(judge=a, category=narrative)
    n = [submitted_entry(round_.edition, category=narrative) for _ in range(3)]
    d = [submitted_entry(round_.edition, category=docs) for _ in range(2)]
    add_entries_to_round(round_=round_, actor=None)

    assign_round(round_=round_, actor=None)

    got = dict(Assignment.objects.values_list("submission_id", "judge_id"))
    assert got == {**{e.pk: a.pk for e in n}, **{e.pk: b.pk for e in d}}


@pytest.mark.django_db
def test_a_withdrawn_judges_unscored_entries_are_reassigned() -> None:
    round_ = rubric_round(judges_per_entry=1)
    leaving, staying = judge_of(round_.edition), judge_of(round_.edition)
    entries = [submitted_entry(round_.edition) for _ in range(4)]
    add_entries_to_round(round_=round_, actor=None)
    assign_round(round_=round_, actor=None)
    mine = list(Assignment.objects.filter(judge=leaving))
    done = mine[0]
    Score.objects.create(
        round=round_, judge=leaving, submission=done.submission, assignment=done,
        state=ScoreState.SUBMITTED, submitted_at=done.created_at, values={}, total=5.0,
    )  # fmt: skip

    result = withdraw_judge(round_=round_, judge=leaving, actor=None)

    active = dict(Assignment.objects.filter(state=AssignmentState.ACTIVE).values_list("submission_id", "judge_id"))
    assert result.created == len(mine) - 1
    assert active[done.submission_id] == leaving.pk  # the submitted score stands
    assert {sid for sid, jid in active.items() if jid == staying.pk} == {e.pk for e in entries} - {done.submission_id}
    assert Assignment.objects.filter(judge=leaving, state=AssignmentState.WITHDRAWN).count() == len(mine) - 1
    assert set(Assignment.objects.filter(judge=staying).values_list("source", flat=True)) <= {
        AssignmentSource.AUTO,
        AssignmentSource.REASSIGNED,
    }


@pytest.mark.django_db
def test_a_conflict_declared_after_scoring_excludes_the_score_and_leaves_reassignment_to_organizers() -> None:
    round_ = rubric_round(judges_per_entry=1)
    judge, other = judge_of(round_.edition, name="Jo Judge"), judge_of(round_.edition)
    entry = submitted_entry(round_.edition)
    CreditFactory.create(submission=entry, name="Sam Friend", organization="Friendly Films")
    RoundEntry.objects.create(round=round_, submission=entry)
    assignment = Assignment.objects.create(round=round_, judge=judge, submission=entry)
    score = Score.objects.create(
        round=round_, judge=judge, submission=entry, assignment=assignment,
        state=ScoreState.SUBMITTED, submitted_at=assignment.created_at, values={}, total=9.0,
    )  # fmt: skip

    declared = declare_conflict(judge=judge, kind=ConflictKind.COMPANY, value="friendly  FILMS", actor=judge.user)

    score.refresh_from_db()
    assignment.refresh_from_db()
    assert declared.taken_off == 1
    assert (score.excluded, score.excluded_reason) == (
        True,
        "Conflict of interest found after assignment: Credits name someone the judge declared: friendly films.",
    )
    assert assignment.state == AssignmentState.CONFLICTED
    # Nobody else was given the entry: the round page offers that to an organizer.
    assert not Assignment.objects.filter(submission=entry, state=AssignmentState.ACTIVE).exists()
    assert not Assignment.objects.filter(judge=other).exists()
    assert AuditEvent.objects.filter(action="score.excluded", target_id=str(score.pk)).count() == 1
    assert settle_judge_conflicts(judge=judge, actor=None) == []  # settled


@pytest.mark.django_db
def test_manual_edits_are_audited_and_refuse_conflicts_until_waived() -> None:
    round_ = rubric_round(judges_per_entry=1)
    organizer = UserFactory.create()
    judge = judge_of(round_.edition)
    own = submitted_entry(round_.edition, entrant=judge.user)
    RoundEntry.objects.create(round=round_, submission=own)

    with pytest.raises(AssignmentRefused) as refused:
        add_assignment(round_=round_, judge=judge, submission=own, actor=organizer)
    assert refused.value.message == (
        "Conflict of interest: The judge entered this film. Waive the conflict first if it does not stand."
    )
    waive_conflict(judge=judge, submission=own, reason="Test of the override.", actor=organizer)
    assignment = add_assignment(round_=round_, judge=judge, submission=own, actor=organizer)
    remove_assignment(assignment=assignment, actor=organizer, reason="Changed my mind.")

    assignment.refresh_from_db()
    assert (assignment.source, assignment.state) == (AssignmentSource.MANUAL, AssignmentState.REMOVED)
    actions = list(AuditEvent.objects.filter(actor=organizer).order_by("id").values_list("action", flat=True))
    assert actions == ["conflict.waived", "assignment.added", "assignment.removed"]


@pytest.mark.django_db
def test_coverage_report_names_short_entries_and_why() -> None:
    round_ = rubric_round(judges_per_entry=2)
    judge = judge_of(round_.edition)
    entry = submitted_entry(round_.edition, title="Lonely")
    add_entries_to_round(round_=round_, actor=None)
    assign_round(round_=round_, actor=None)

    gaps = coverage_report(round_)

    assert [(g.submission_id, g.title, g.judges, g.needed) for g in gaps] == [(entry.pk, "Lonely", 1, 2)]
    assert gaps[0].reason == "Not enough judges: 1 judges on its panel(s), 1 already have or had it."
    assert judge.pk == Assignment.objects.get().judge_id


@pytest.mark.django_db
def test_only_submitted_entries_of_the_edition_enter_round_one() -> None:
    round_ = RoundFactory.create()
    kept = submitted_entry(round_.edition)
    submitted_entry(round_.edition, state="withdrawn")
    submitted_entry(round_.edition, state="disqualified")

    assert add_entries_to_round(round_=round_, actor=None) == 1
    assert list(RoundEntry.objects.values_list("submission_id", flat=True)) == [kept.pk]


@pytest.mark.django_db
def test_a_conflict_found_after_the_round_closed_excludes_the_score_without_reassigning() -> None:
    from datetime import timedelta

    from django.utils import timezone

    round_ = rubric_round(
        judges_per_entry=1, opens_at=timezone.now() - timedelta(days=3), closes_at=timezone.now() - timedelta(days=1)
    )
    judge = judge_of(round_.edition)
    judge_of(round_.edition)  # someone who could have taken it
    entry = submitted_entry(round_.edition)
    RoundEntry.objects.create(round=round_, submission=entry)
    assignment = Assignment.objects.create(round=round_, judge=judge, submission=entry)
    score = Score.objects.create(
        round=round_, judge=judge, submission=entry, assignment=assignment,
        state=ScoreState.SUBMITTED, submitted_at=assignment.created_at, values={}, total=9.0,
    )  # fmt: skip

    declare_conflict(judge=judge, kind=ConflictKind.ENTRY, submission=entry, actor=judge.user)

    score.refresh_from_db()
    assert score.excluded is True
    assert list(Assignment.objects.values_list("judge_id", "state")) == [(judge.pk, AssignmentState.CONFLICTED)]
