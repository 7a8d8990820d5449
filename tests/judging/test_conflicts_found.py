"""Conflicts found after assignment: a credit edit by the entrant or a later declaration by
the judge takes effect at read time everywhere (queue, API, scoring page, results), only
the judge's own assignments are touched, and the organizer re-assigns from the round page."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from festival.models import AuditEvent, JudgeMembership, User
from judging.assignment import selectors as assignment_selectors
from judging.assignment.conflict_check import conflicts_among, round_conflicts
from judging.assignment.conflict_services import declare_conflict
from judging.models import Assignment, AssignmentSource, AssignmentState, ConflictKind, Round, Score, ScoreState
from judging.results import selectors as results
from judging.scoring import selectors as scoring_selectors
from submissions import services as submission_services
from submissions.models import CreditRole, Submission
from tests.factories import CreditFactory, EditionFactory, OrganizerFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    round: Round
    organizer: User
    judge: JudgeMembership  # "Jo Judge", about to become conflicted
    other: JudgeMembership  # also judges the entry
    spare: JudgeMembership  # free to take the entry
    entry: Submission
    kept: Submission
    assignment: Assignment  # the judge's assignment of ``entry``
    score: Score  # the judge's submitted score of ``entry``


def scored_case(*, load_cap: int | None = None) -> Case:
    edition = EditionFactory.create(lock_after_submit=False)  # the entrant may still edit credits
    round_ = rubric_round(edition=edition, judges_per_entry=2, load_cap=load_cap)
    organizer = OrganizerFactory.create(festival=edition.festival).user
    judge = judge_of(edition, name="Jo Judge")
    other = judge_of(edition, name="Kim Other")
    spare = judge_of(edition, name="Lee Spare")
    entry = submitted_entry(edition, title="Credited Film")
    kept = submitted_entry(edition, title="Other Film")
    CreditFactory.create(submission=entry, name=str(entry.entrant), is_entrant=True)
    assignment = assign(round_, judge, entry, position=1)
    assign(round_, judge, kept, position=2)
    assign(round_, other, entry, position=1)
    now = timezone.now()
    score = Score.objects.create(
        round=round_, judge=judge, submission=entry, assignment=assignment,
        state=ScoreState.SUBMITTED, submitted_at=now, total=9.0,
    )  # fmt: skip
    Score.objects.create(
        round=round_, judge=other, submission=entry, state=ScoreState.SUBMITTED, submitted_at=now, total=5.0
    )
    return Case(round_, organizer, judge, other, spare, entry, kept, assignment, score)


def credit_the_judge(case: Case) -> None:
    """The entrant edits the credits after assignment and names the judge (accents, case differ)."""
    submission_services.set_credits(
        submission=case.entry,
        actor=case.entry.entrant,
        credits=[
            submission_services.CreditInput(name=str(case.entry.entrant), role=CreditRole.DIRECTOR, is_entrant=True),
            submission_services.CreditInput(name="JO  JÚDGE", role=CreditRole.EDITOR),
        ],
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_credit_edit_after_assignment_hides_the_entry_and_stops_the_score_counting() -> None:
    case = scored_case()
    before = results.round_results(case.round)
    assert before.calibration.raw.n.tolist() == [2]  # both judges' scores count

    credit_the_judge(case)

    client = signed_in(case.judge.user)
    queue = client.get("/judge/").content.decode()
    listed = client.get("/api/judging/assignments/").json()
    page = client.get(f"/judge/rounds/{case.round.pk}/entries/{case.assignment.pk}/")
    autosave = client.get(f"/api/judging/assignments/{case.assignment.pk}/score/")
    after = results.round_results(case.round)

    assert "Credited Film" not in queue and "Other Film" in queue
    assert [row["title"] for row in listed["results"]] == ["Other Film"]
    assert (page.status_code, autosave.status_code) == (404, 404)
    assert after.calibration.raw.n.tolist() == [1]  # only Kim's score counts now
    assert after.calibration.raw.estimate.tolist() == [5.0]
    # Kept for the record, untouched until an organizer settles it.
    case.score.refresh_from_db()
    assert (case.score.state, case.score.excluded) == (ScoreState.SUBMITTED, False)
    assert round_conflicts(case.round) == {
        (case.judge.pk, case.entry.pk): "Credits name someone the judge declared: jo judge."
    }


def test_the_round_page_lists_the_conflict_and_reassigns_it_in_one_click() -> None:
    case = scored_case()
    credit_the_judge(case)
    client = signed_in(case.organizer)

    body = client.get(f"/organize/rounds/{case.round.pk}/").content.decode()
    found = assignment_selectors.conflicts_found_after_assignment(case.round)
    assert [(f.assignment_id, f.settled, f.judges, f.needed) for f in found] == [(case.assignment.pk, False, 1, 2)]
    assert "Conflicts found after assignment" in body
    assert "Credits name someone the judge declared: jo judge." in body

    response = client.post(
        f"/organize/rounds/{case.round.pk}/", {"action": "reassign", "assignment": str(case.assignment.pk)}
    )

    assert response.status_code == 302
    case.assignment.refresh_from_db()
    case.score.refresh_from_db()
    assert case.assignment.state == AssignmentState.CONFLICTED
    assert (case.score.excluded, case.score.excluded_reason) == (
        True,
        "Conflict of interest found after assignment: Credits name someone the judge declared: jo judge.",
    )
    new = Assignment.objects.get(submission=case.entry, source=AssignmentSource.REASSIGNED)
    assert (new.judge, new.state) == (case.spare, AssignmentState.ACTIVE)
    actions = list(AuditEvent.objects.filter(actor=case.organizer).order_by("id").values_list("action", flat=True))
    assert actions == [
        "score.excluded",
        "assignment.conflict_found",
        "assignment.run",
        "assignment.conflict_reassigned",
    ]
    assert (
        assignment_selectors.conflicts_found_after_assignment(case.round) == []
    )  # settled: the entry has 2 judges again


def test_reassignment_respects_the_load_cap_and_says_why_it_found_nobody() -> None:
    case = scored_case(load_cap=1)
    busy = submitted_entry(case.round.edition)
    assign(case.round, case.spare, busy)  # the spare judge is at the cap
    credit_the_judge(case)
    client = signed_in(case.organizer)

    response = client.post(
        f"/organize/rounds/{case.round.pk}/", {"action": "reassign", "assignment": str(case.assignment.pk)}, follow=True
    )

    body = response.content.decode()
    assert not Assignment.objects.filter(submission=case.entry, source=AssignmentSource.REASSIGNED).exists()
    assert (
        f"Entry #{case.entry.pk} is still short of judges: Not enough judges: 3 judges on its panel(s), "
        "2 already have or had it, 1 at their load cap."
    ) in body
    found = assignment_selectors.conflicts_found_after_assignment(case.round)
    assert [(f.assignment_id, f.settled, f.judges) for f in found] == [(case.assignment.pk, True, 1)]


def test_a_later_declaration_takes_the_entry_off_and_tells_the_judge_the_truth() -> None:
    case = scored_case()
    client = signed_in(case.judge.user)

    response = client.post(
        f"/judge/entries/{case.assignment.pk}/conflict/", {"value": "My cousin made it."}, follow=True
    )

    body = response.content.decode()
    assert (
        "Thank you. Conflict recorded. The entry was taken off your queue and any score you gave stopped counting; "
        "the organizers decide who judges it instead."
    ) in body
    assert "given to another judge" not in body
    case.assignment.refresh_from_db()
    case.score.refresh_from_db()
    assert case.assignment.state == AssignmentState.CONFLICTED
    assert case.score.excluded is True
    assert Assignment.objects.filter(submission=case.entry, state=AssignmentState.ACTIVE).count() == 1  # 1 of 2
    found = assignment_selectors.conflicts_found_after_assignment(case.round)
    assert [(f.assignment_id, f.settled, f.judges, f.reason) for f in found] == [
        (case.assignment.pk, True, 1, "The judge declared a conflict with this entry.")
    ]


def declaration_queries(other_entries: int) -> int:
    """Queries of one declaration by a judge with 3 entries, in an edition with ``other_entries`` more."""
    edition = EditionFactory.create()
    round_ = rubric_round(edition=edition, judges_per_entry=1)
    judge = judge_of(edition, name="Jo Judge")
    others = [judge_of(edition) for _ in range(3)]
    mine = [submitted_entry(edition) for _ in range(3)]
    for position, entry in enumerate(mine):
        assign(round_, judge, entry, position=position)
    CreditFactory.create(submission=mine[0], name="Pat Friend")
    for index in range(other_entries):
        entry = submitted_entry(edition)
        CreditFactory.create(submission=entry, name=f"Crew {index}")
        assign(round_, others[index % 3], entry, position=index)
    with CaptureQueriesContext(connection) as captured:
        declared = declare_conflict(judge=judge, kind=ConflictKind.PERSON, value="Pat Friend", actor=judge.user)
    assert declared.taken_off == 1
    assert Assignment.objects.filter(round=round_, state=AssignmentState.CONFLICTED).count() == 1
    return len(captured)


def test_a_declaration_touches_only_that_judges_assignments() -> None:
    small, large = declaration_queries(5), declaration_queries(60)
    assert small == large  # nothing grows with the other judges' entries or credits
    # The declaration, the judge's conflicts (4), their assignments, the one taken off (update,
    # score, exclusion), and three audit rows appended to the festival's hash chain (~6 each).
    assert large <= 28


def test_the_queue_and_autosave_stay_constant_in_the_edition_size(django_assert_max_num_queries) -> None:
    case = scored_case()
    for index in range(40):
        entry = submitted_entry(case.round.edition)
        CreditFactory.create(submission=entry, name=f"Crew {index}")
        assign(case.round, case.other, entry, position=index + 2)
    client = signed_in(case.judge.user)
    with django_assert_max_num_queries(17):
        assert client.get("/judge/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/api/judging/assignments/{case.assignment.pk}/score/").status_code == 200


def test_the_scoring_page_rule_is_the_lists_rule() -> None:
    case = scored_case()
    credit_the_judge(case)
    per_judge = conflicts_among([case.judge])
    assert per_judge == {(case.judge.pk, case.entry.pk): "Credits name someone the judge declared: jo judge."}
    assert round_conflicts(case.round) == per_judge
    assert scoring_selectors.conflict_between(case.judge, case.entry.pk) == per_judge[(case.judge.pk, case.entry.pk)]
