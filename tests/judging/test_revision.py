"""The round's results revision: every fact the ranking reads moves it, through any path.

The triggers (``judging.results.revision``) run on SQLite here and on PostgreSQL in CI; each
test writes the fact the way some path of the platform does (a service, a cascade, a bulk
update, the admin's ``save()``) and checks which rounds moved and which did not.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from judging.models import ConflictKind, ConflictWaiver, DeclaredConflict, Round, RoundEntry, Score, ScoreState
from judging.results import rankings
from judging.results.revision import round_revision
from submissions.models import Submission, SubmissionState
from tests.factories import CategoryFactory, CreditFactory, JudgeFactory, SubmissionFactory, UserFactory
from tests.judging.rank_factories import CriterionFactory, RoundFactory, ScoredRound, ranked, scored_round
from tests.submissions.factories import AIUseFactory

pytestmark = pytest.mark.django_db


def two_rounds() -> tuple[ScoredRound, ScoredRound]:
    """Two editions' scored rounds: a change in one must not move the other."""
    return (
        scored_round(totals=[[(0, 9.0), (1, 8.0)], [(0, 6.0), (1, 5.0)]], n_judges=2),
        scored_round(totals=[[(0, 7.0), (1, 7.5)], [(0, 3.0), (1, 4.0)]], n_judges=2),
    )


def revisions(*rounds: Round) -> list[int]:
    return [round_revision(r) for r in rounds]


def test_a_submitted_score_moves_its_round_and_a_draft_autosave_does_not() -> None:
    data, other = two_rounds()
    before = revisions(data.round, other.round)
    score = Score.objects.filter(round=data.round).order_by("pk").first()
    assert score is not None
    score.total = 4.0
    score.save()  # as the admin does
    assert revisions(data.round, other.round) == [before[0] + 1, before[1]]
    draft = Score.objects.create(
        round=data.round,
        judge=data.judges[0],
        submission=SubmissionFactory.create(edition=data.edition, state=SubmissionState.SUBMITTED),
        values={},
        state=ScoreState.DRAFT,
    )
    draft.values = {"note": "half-filled"}
    draft.save()
    assert revisions(data.round) == [before[0] + 1]
    Score.objects.filter(pk=draft.pk).update(state=ScoreState.SUBMITTED, total=6.0, submitted_at=timezone.now())
    assert revisions(data.round) == [before[0] + 2]


def test_one_bulk_write_of_many_scores_moves_the_round() -> None:
    data, other = two_rounds()
    before = revisions(data.round, other.round)
    changed = Score.objects.filter(round=data.round).update(excluded=True)
    assert changed == 4
    # One statement-level trigger per statement on PostgreSQL; one row-level trigger per row on SQLite.
    moved = 1 if connection.vendor == "postgresql" else 4
    assert revisions(data.round, other.round) == [before[0] + moved, before[1]]


def test_a_judge_removed_from_the_jury_moves_the_round_through_the_cascade_of_their_scores() -> None:
    data, other = two_rounds()
    before = revisions(data.round, other.round)
    data.judges[1].delete()  # deletes their scores, declarations and waivers by cascade
    after = revisions(data.round, other.round)
    assert after[0] > before[0] and after[1] == before[1]
    assert not Score.objects.filter(judge_id=data.judges[1].pk).exists()


def test_entries_put_in_and_taken_out_move_the_round() -> None:
    data, _other = two_rounds()
    before = round_revision(data.round)
    extra = SubmissionFactory.create(edition=data.edition, state=SubmissionState.SUBMITTED)
    RoundEntry.objects.create(round=data.round, submission=extra)
    RoundEntry.objects.filter(round=data.round, submission=extra).delete()
    assert round_revision(data.round) == before + 2


def test_a_withdrawal_moves_the_rounds_that_hold_the_entry_and_no_other() -> None:
    data, other = two_rounds()
    before = revisions(data.round, other.round)
    Submission.objects.filter(pk=data.submissions[0].pk).update(state=SubmissionState.WITHDRAWN)
    assert revisions(data.round, other.round) == [before[0] + 1, before[1]]
    # An entrant's draft becoming a submission touches no round: nobody holds it yet.
    draft = SubmissionFactory.create(edition=data.edition, state=SubmissionState.DRAFT)
    Submission.objects.filter(pk=draft.pk).update(state=SubmissionState.SUBMITTED)
    # A title edit is not a fact the ranking reads.
    Submission.objects.filter(pk=data.submissions[1].pk).update(title="Renamed")
    assert revisions(data.round, other.round) == [before[0] + 1, before[1]]


def test_a_credit_of_an_entry_in_the_round_moves_it() -> None:
    data, other = two_rounds()
    before = revisions(data.round, other.round)
    credit = CreditFactory.create(submission=data.submissions[0], name="Judge 1")
    credit.delete()
    CreditFactory.create(submission=SubmissionFactory.create(edition=data.edition))  # in no round
    assert revisions(data.round, other.round) == [before[0] + 2, before[1]]


def test_what_the_calibration_reads_of_an_entry_and_of_the_rubric_moves_the_round() -> None:
    data, other = two_rounds()
    before = revisions(data.round, other.round)
    category = CategoryFactory.create(edition=data.edition)
    Submission.objects.filter(pk=data.submissions[0].pk).update(category=category)  # the calibration's groups
    AIUseFactory.create(submission=data.submissions[1], runtime_share_percent=80)  # the entry's AI level
    criterion = CriterionFactory.create(round=data.round)
    criterion.weight = 2
    criterion.save()  # the rubric edited: the calibration's resolution
    assert revisions(data.round, other.round) == [before[0] + 4, before[1]]


def test_declarations_waivers_and_the_jury_move_every_round_of_the_edition() -> None:
    data, other = two_rounds()
    later = RoundFactory.create(edition=data.edition, position=1, name="Final")
    before = revisions(data.round, later, other.round)
    DeclaredConflict.objects.create(judge=data.judges[0], kind=ConflictKind.PERSON, value="Ada", normalized="ada")
    ConflictWaiver.objects.create(
        judge=data.judges[0], submission=data.submissions[0], reason="Another Ada.", decided_by=data.organizer
    )
    JudgeFactory.create(edition=data.edition)
    assert revisions(data.round, later, other.round) == [before[0] + 3, before[1] + 3, before[2]]


def test_a_judges_new_name_moves_their_editions_rounds_and_another_users_does_not() -> None:
    data, other = two_rounds()
    before = revisions(data.round, other.round)
    judge = data.judges[0].user
    judge.full_name = "Judge Renamed"
    judge.save()
    judge.save()  # saved again unchanged: no move
    stranger = UserFactory.create()
    stranger.full_name = "Someone Else"
    stranger.save()
    assert revisions(data.round, other.round) == [before[0] + 1, before[1]]


def test_a_round_deleted_with_its_scores_leaves_no_error_behind() -> None:
    data, _other = two_rounds()
    round_id = data.round.pk
    data.round.delete()
    assert not Score.objects.filter(round_id=round_id).exists()


def test_the_stored_ranking_follows_the_revision() -> None:
    data, _other = two_rounds()
    ranked(data.round)
    assert rankings.ranking_of(data.round).is_current
    Score.objects.filter(round=data.round, judge=data.judges[0]).delete()
    assert not rankings.ranking_of(data.round).is_current
    ranked(data.round)
    assert rankings.ranking_of(data.round).is_current
