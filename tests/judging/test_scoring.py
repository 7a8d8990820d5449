"""Scoring services: drafts, submit, the bad-input list, locking, overrides, audit, watching."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone

from festival.models import AuditEvent
from judging.errors import (
    AlreadySubmitted,
    InvalidScore,
    JudgingError,
    NotAssigned,
    ScoringClosed,
    StaleScore,
    WatchRequired,
    WatchSuperseded,
)
from judging.models import Assignment, AssignmentState, Score, ScoreState, WatchSession
from judging.rounds.services import close_round, create_default_rounds, open_round
from judging.scoring.selectors import score_history
from judging.scoring.services import (
    exclude_score,
    record_watch,
    reopen_score,
    save_score,
    submit_score,
    watch_session_token,
    weighted_total,
)
from tests.factories import EditionFactory, UserFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db


def setup_assignment(**round_fields: object) -> Assignment:
    round_ = rubric_round(**round_fields)
    judge = judge_of(round_.edition)
    return assign(round_, judge, submitted_entry(round_.edition))


def full_values(assignment: Assignment, value: int = 7) -> dict[str, int]:
    return {str(c.pk): value for c in assignment.round.criteria.all()}


def test_create_default_rounds_makes_three_rounds_with_the_default_rubric_once() -> None:
    edition = EditionFactory.create()

    rounds = create_default_rounds(edition=edition, actor=None)
    again = create_default_rounds(edition=edition, actor=None)

    assert [(r.name, r.kind, r.position) for r in rounds] == [
        ("Screening", "screening", 0),
        ("Jury", "jury", 1),
        ("Final", "final", 2),
    ]
    assert [r.pk for r in again] == [r.pk for r in rounds]
    assert list(rounds[0].criteria.values_list("name", "scale_min", "scale_max", "weight", "required")) == [
        ("Story", 1, 10, 1.0, True),
        ("Originality", 1, 10, 1.0, True),
        ("Craft", 1, 10, 1.0, True),
        ("Use of AI", 1, 10, 1.0, True),
    ]
    assert all(c.guidance for c in rounds[0].criteria.all())


def test_a_draft_autosaves_partially_and_bumps_the_version() -> None:
    assignment = setup_assignment()
    story = str(assignment.round.criteria.first().pk)  # type: ignore[union-attr]

    first = save_score(assignment=assignment, expected_version=0, values={story: 6}, actor=assignment.judge.user)
    second = save_score(
        assignment=assignment,
        expected_version=1,
        values={},
        comment_to_organizers="Strong start.",
        actor=assignment.judge.user,
        ip="10.0.0.1",
    )

    assert (first.pk, second.version, second.values, second.state) == (second.pk, 2, {story: 6}, ScoreState.DRAFT)
    assert second.comment_to_organizers == "Strong start."
    events = list(score_history(second).values_list("action", "ip", "before", "after"))
    assert [e[0] for e in events] == ["score.draft_saved", "score.draft_saved"]
    assert events[0][2] is None and events[1][1] == "10.0.0.1"
    assert (events[1][2] or {})["version"] == 1 and (events[1][3] or {})["version"] == 2


def test_submit_computes_the_weighted_total_and_locks_the_score() -> None:
    assignment = setup_assignment()
    criteria = list(assignment.round.criteria.all())
    values = {str(criteria[0].pk): 10, str(criteria[1].pk): 1, str(criteria[2].pk): 10, str(criteria[3].pk): 1}
    criteria[0].weight = 3.0

    score = submit_score(assignment=assignment, expected_version=0, values=values, actor=assignment.judge.user)

    assert (score.state, score.version, score.total) == (ScoreState.SUBMITTED, 1, 5.0)
    assert weighted_total(criteria, values) == 6.6667
    assert score.submitted_at is not None
    with pytest.raises(AlreadySubmitted):
        save_score(assignment=assignment, expected_version=1, values={}, actor=assignment.judge.user)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (11, "Story: 11 is outside the scale 1–10."),
        (0, "Story: 0 is outside the scale 1–10."),
        (7.5, "Story: give a whole number from 1 to 10."),
        ("seven", "Story: give a whole number from 1 to 10."),
        (True, "Story: give a whole number from 1 to 10."),
    ],
)
def test_a_score_outside_the_scale_is_refused_and_nothing_is_lost(value: object, message: str) -> None:
    assignment = setup_assignment()
    story = str(assignment.round.criteria.get(name="Story").pk)
    save_score(assignment=assignment, expected_version=0, values={story: 5}, actor=assignment.judge.user)

    with pytest.raises(InvalidScore) as refused:
        save_score(assignment=assignment, expected_version=1, values={story: value}, actor=assignment.judge.user)

    assert refused.value.message == message
    assert refused.value.fields == {story: message}
    assert Score.objects.get().values == {story: 5}


def test_an_unknown_criterion_is_refused() -> None:
    assignment = setup_assignment()
    with pytest.raises(InvalidScore) as refused:
        save_score(assignment=assignment, expected_version=0, values={"999999": 5}, actor=assignment.judge.user)
    assert refused.value.message == "This is not a criterion of the round's rubric."


def test_submit_needs_every_required_criterion() -> None:
    assignment = setup_assignment()
    values = full_values(assignment)
    craft = str(assignment.round.criteria.get(name="Craft").pk)
    del values[craft]

    with pytest.raises(InvalidScore) as refused:
        submit_score(assignment=assignment, expected_version=0, values=values, actor=assignment.judge.user)

    assert refused.value.fields == {craft: "Craft is required before you submit."}
    assert Score.objects.count() == 0


def test_a_score_for_an_unassigned_or_withdrawn_entry_is_refused() -> None:
    assignment = setup_assignment()
    Assignment.objects.filter(pk=assignment.pk).update(state=AssignmentState.WITHDRAWN)

    with pytest.raises(NotAssigned):
        save_score(assignment=assignment, expected_version=0, values={}, actor=assignment.judge.user)


def test_scores_lock_when_the_round_closes_and_before_it_opens() -> None:
    assignment = setup_assignment()
    organizer = UserFactory.create()
    save_score(assignment=assignment, expected_version=0, values={}, actor=assignment.judge.user)
    close_round(round_=assignment.round, actor=organizer)

    with pytest.raises(ScoringClosed) as closed:
        submit_score(
            assignment=assignment, expected_version=1, values=full_values(assignment), actor=assignment.judge.user
        )
    assert closed.value.message == "This round has closed: scores are locked and can no longer change."
    assert Score.objects.get().state == ScoreState.DRAFT

    later = setup_assignment(opens_at=timezone.now() + timedelta(days=1), closes_at=None)
    with pytest.raises(ScoringClosed):
        save_score(assignment=later, expected_version=0, values={}, actor=later.judge.user)
    open_round(round_=later.round, actor=organizer)
    assert save_score(assignment=later, expected_version=0, values={}, actor=later.judge.user).version == 1


def test_a_double_submit_from_two_tabs_gets_a_stale_error() -> None:
    assignment = setup_assignment()
    values = full_values(assignment)
    save_score(assignment=assignment, expected_version=0, values={}, actor=assignment.judge.user)
    # Both tabs loaded version 1; the first submits.
    submit_score(assignment=assignment, expected_version=1, values=values, actor=assignment.judge.user)

    with pytest.raises(StaleScore) as stale:
        submit_score(assignment=assignment, expected_version=1, values=values, actor=assignment.judge.user)

    assert stale.value.status == 409
    assert stale.value.message.startswith("This score was changed in another tab or window since this page loaded.")
    assert Score.objects.get().version == 2


def test_a_new_page_cannot_overwrite_a_score_it_has_not_seen() -> None:
    assignment = setup_assignment()
    save_score(assignment=assignment, expected_version=0, values={}, actor=assignment.judge.user)
    with pytest.raises(StaleScore):
        save_score(assignment=assignment, expected_version=0, values={}, actor=assignment.judge.user)


def test_organizers_reopen_and_exclude_with_an_audit_trail() -> None:
    assignment = setup_assignment()
    organizer = UserFactory.create()
    score = submit_score(
        assignment=assignment, expected_version=0, values=full_values(assignment), actor=assignment.judge.user
    )

    reopened = reopen_score(score=score, reason="Judge asked to revise.", actor=organizer, ip="10.1.1.1")
    excluded = exclude_score(score=reopened, reason="Duplicate entry.", actor=organizer)

    assert (reopened.state, reopened.submitted_at, reopened.version) == (ScoreState.DRAFT, None, 2)
    assert (excluded.excluded, excluded.excluded_reason, excluded.version) == (True, "Duplicate entry.", 3)
    events = list(score_history(score))
    assert [(e.action, e.actor) for e in events] == [
        ("score.submitted", assignment.judge.user),
        ("score.reopened", organizer),
        ("score.excluded", organizer),
    ]
    assert (events[1].after or {})["reason"] == "Judge asked to revise." and events[1].ip == "10.1.1.1"
    assert (events[1].before or {})["state"] == ScoreState.SUBMITTED


def test_submit_waits_for_the_required_watched_share() -> None:
    assignment = setup_assignment(required_watch_share=0.9)
    start = timezone.now()
    session = watch_session_token(assignment=assignment, now=start)

    # 100 s claimed after 10 s of wall time: only 10 (+5 s slack) count.
    record_watch(
        assignment=assignment,
        session_token=session,
        watched_seconds=100,
        duration=100,
        now=start + timedelta(seconds=10),
    )
    assignment.refresh_from_db()
    assert (assignment.watched_seconds, assignment.watched_share) == (15.0, 0.15)
    with pytest.raises(WatchRequired) as refused:
        submit_score(
            assignment=assignment, expected_version=0, values=full_values(assignment), actor=assignment.judge.user
        )
    assert refused.value.message == "Watch at least 90% of the film before submitting (so far 15%)."

    record_watch(
        assignment=assignment,
        session_token=session,
        watched_seconds=95,
        duration=100,
        now=start + timedelta(seconds=120),
    )
    # Going backwards changes nothing.
    record_watch(assignment=assignment, session_token=session, watched_seconds=20, duration=100, now=start)
    assignment.refresh_from_db()
    assert (assignment.watched_seconds, assignment.watched_share) == (95.0, 0.95)
    score = submit_score(
        assignment=assignment, expected_version=0, values=full_values(assignment), actor=assignment.judge.user
    )
    assert score.state == ScoreState.SUBMITTED


def test_watching_adds_up_over_sessions_but_never_past_the_runtime() -> None:
    assignment = setup_assignment()
    start = timezone.now()
    one = watch_session_token(assignment=assignment, now=start)
    record_watch(
        assignment=assignment, session_token=one, watched_seconds=60, duration=100, now=start + timedelta(seconds=61)
    )
    # A reload two minutes later: its session replaces the first one and adds its own watching.
    two = watch_session_token(assignment=assignment, now=start + timedelta(minutes=2))
    record_watch(
        assignment=assignment, session_token=two, watched_seconds=70, duration=100, now=start + timedelta(minutes=5)
    )

    assignment.refresh_from_db()
    assert (assignment.watched_seconds, assignment.watched_share) == (100.0, 1.0)
    assert WatchSession.objects.filter(assignment=assignment, superseded_at__isnull=True).count() == 1
    with pytest.raises(WatchSuperseded, match="playing in another window"):
        record_watch(assignment=assignment, session_token=one, watched_seconds=90, now=start + timedelta(minutes=6))


def test_twelve_parallel_pages_cannot_credit_a_62_second_film_after_7_seconds() -> None:
    """Issue 13.6: twelve parallel loads once credited a 62 s film as fully watched after 7 s."""
    assignment = setup_assignment()
    start = timezone.now()
    tokens = [watch_session_token(assignment=assignment, now=start) for _ in range(12)]
    for second in range(1, 8):
        for token in tokens:
            with contextlib.suppress(WatchSuperseded):
                record_watch(
                    assignment=assignment,
                    session_token=token,
                    watched_seconds=62,
                    duration=62,
                    now=start + timedelta(seconds=second),
                )

    assignment.refresh_from_db()
    # Wall-clock time since the first session started (7 s) plus the 5 s slack, no more.
    assert assignment.watched_seconds == 12.0
    assert assignment.watched_share == pytest.approx(12 / 62)
    assert WatchSession.objects.filter(assignment=assignment).count() == 12
    assert WatchSession.objects.filter(assignment=assignment, superseded_at__isnull=True).count() == 1


def test_a_token_for_another_assignment_or_a_forged_one_is_refused() -> None:
    assignment = setup_assignment()
    other = setup_assignment()
    for token in (watch_session_token(assignment=other), "forged:token", ""):
        with pytest.raises(JudgingError, match="Unknown watch session"):
            record_watch(assignment=assignment, session_token=token, watched_seconds=1)
    assert not WatchSession.objects.exists()


def test_a_watch_report_for_an_unknown_session_is_refused() -> None:
    assignment = setup_assignment()
    other = setup_assignment()
    session = watch_session_token(assignment=other)
    with pytest.raises(Exception, match="Unknown watch session"):
        record_watch(assignment=assignment, session_token=session, watched_seconds=1)
    assert AuditEvent.objects.count() == 0
