"""Ballots, tie decisions and the published award ladder against the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from festival.models import AuditEvent
from judging.final import selectors, services
from judging.final.voting import BallotError
from judging.models import AwardDecision, Ballot, BallotRanking, ConflictKind, DeclaredConflict
from tests.factories import JudgeFactory
from tests.judging.rank_factories import FinalRound, final_round

pytestmark = pytest.mark.django_db


def ids(data: FinalRound, *indices: int) -> list[int]:
    return [data.finalists[i].pk for i in indices]


def cast(data: FinalRound, juror: int, *order: int) -> Ballot:
    return services.submit_ballot(
        round_=data.round, judge=data.jurors[juror], actor=data.jurors[juror].user, ranking=ids(data, *order)
    )


def test_a_ranking_ballot_is_stored_and_audited() -> None:
    data = final_round()
    ballot = cast(data, 0, 2, 0, 3, 1)
    assert selectors.ballot_order(ballot) == ids(data, 2, 0, 3, 1)
    event = AuditEvent.objects.get(action="ballot.submitted")
    assert (event.actor, event.after) == (data.jurors[0].user, {"method": "ranking", "ranking": ids(data, 2, 0, 3, 1)})


def test_changing_a_ballot_replaces_it_and_keeps_the_old_one_in_the_audit() -> None:
    data = final_round()
    cast(data, 0, 2, 0, 3, 1)
    ballot = cast(data, 0, 0, 1, 2, 3)
    assert selectors.ballot_order(ballot) == ids(data, 0, 1, 2, 3)
    assert Ballot.objects.count() == 1
    event = AuditEvent.objects.get(action="ballot.changed")
    assert event.before == {"method": "ranking", "ranking": ids(data, 2, 0, 3, 1)}


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ((0, 1, 1, 2), "“Finalist 1” is ranked twice; rank each finalist once."),
        ((0, 1, 2), "Your ballot misses “Finalist 3”; rank every finalist."),
    ],
)
def test_a_bad_ballot_is_refused_and_the_saved_one_is_kept(order: tuple[int, ...], message: str) -> None:
    data = final_round()
    cast(data, 0, 3, 2, 1, 0)
    with pytest.raises(BallotError) as caught:
        cast(data, 0, *order)
    assert caught.value.message == message
    assert selectors.ballot_order(Ballot.objects.get()) == ids(data, 3, 2, 1, 0)
    assert BallotRanking.objects.count() == 4


def test_ballots_are_refused_after_the_final_closes_and_from_outsiders() -> None:
    data = final_round()
    data.round.closes_at = timezone.now() - timedelta(minutes=1)
    data.round.save()
    with pytest.raises(BallotError, match="The final is closed"):
        cast(data, 0, 0, 1, 2, 3)
    data.round.closes_at = None
    data.round.save()
    outsider = JudgeFactory.create()
    with pytest.raises(BallotError, match="not on this edition's jury"):
        services.submit_ballot(round_=data.round, judge=outsider, actor=outsider.user, ranking=ids(data, 0, 1, 2, 3))
    assert Ballot.objects.count() == 0


def test_a_pairwise_ballot_counts_in_the_order() -> None:
    data = final_round(finalists=3, jurors=1)
    a, b, c = ids(data, 0, 1, 2)
    services.submit_ballot(
        round_=data.round, judge=data.jurors[0], actor=data.jurors[0].user, pairs=[(b, a), (b, c), (c, a)]
    )
    outcome = selectors.final_outcome(data.round)
    assert outcome.groups == [[b], [c], [a]]
    with pytest.raises(BallotError, match="every pair needs an answer"):
        services.submit_ballot(round_=data.round, judge=data.jurors[0], actor=data.jurors[0].user, pairs=[(b, a)])


def test_the_ladder_is_published_from_the_ballots(django_assert_max_num_queries) -> None:
    data = final_round()
    cast(data, 0, 1, 0, 2, 3)
    cast(data, 1, 1, 2, 0, 3)
    cast(data, 2, 0, 1, 2, 3)
    with django_assert_max_num_queries(11):  # + the jurors and their conflicts now (5, constant)
        outcome = selectors.final_outcome(data.round)
    assert outcome.groups == [
        [data.finalists[1].pk],
        [data.finalists[0].pk],
        [data.finalists[2].pk],
        [data.finalists[3].pk],
    ]
    awards = services.publish_awards(round_=data.round, decided_by=data.organizer)
    assert [(a.submission_id, a.tier.name, a.rank) for a in awards] == [
        (data.finalists[1].pk, "Grand Prix", 1),
        (data.finalists[0].pk, "Gold", 2),
        (data.finalists[2].pk, "Silver", 3),
        (data.finalists[3].pk, "Honoree", 4),
    ]
    assert AuditEvent.objects.get(action="final.awards_published").after["awards"][0] == {  # type: ignore[index]
        "submission": data.finalists[1].pk,
        "tier": "Grand Prix",
        "rank": 1,
    }


def test_a_tie_for_the_grand_prix_blocks_publishing_until_an_organizer_decides() -> None:
    data = final_round(finalists=3, jurors=2)
    a, b, c = ids(data, 0, 1, 2)
    cast(data, 0, 0, 1, 2)
    cast(data, 1, 1, 0, 2)
    outcome = selectors.final_outcome(data.round)
    assert outcome.groups == [[a, b], [c]]
    assert [(t.entries, t.tiers) for t in outcome.ladder.pending] == [((a, b), ("Grand Prix", "Gold"))]
    with pytest.raises(services.FinalError, match="Decide the tie"):
        services.publish_awards(round_=data.round, decided_by=data.organizer)
    with pytest.raises(services.FinalError, match="Say why"):
        services.decide_tie(round_=data.round, order=[b, a], reason=" ", decided_by=data.organizer)
    with pytest.raises(services.FinalError, match="not tied"):
        services.decide_tie(round_=data.round, order=[c, a], reason="no", decided_by=data.organizer)
    services.decide_tie(round_=data.round, order=[b, a], reason="Jury chair's casting vote", decided_by=data.organizer)
    event = AuditEvent.objects.get(action="final.tie_decided")
    assert event.after == {"order": [b, a], "reason": "Jury chair's casting vote", "method": "schulze"}
    awards = services.publish_awards(round_=data.round, decided_by=data.organizer)
    assert [(x.submission_id, x.tier.name) for x in awards] == [(b, "Grand Prix"), (a, "Gold"), (c, "Silver")]
    assert AwardDecision.objects.count() == 3
    # Publishing again is reproducible and replaces the ladder.
    again = services.publish_awards(round_=data.round, decided_by=data.organizer)
    assert [(x.submission_id, x.rank) for x in again] == [(b, 1), (a, 2), (c, 3)]
    assert AwardDecision.objects.count() == 3


def test_a_conflicted_juror_ranks_the_other_finalists_only() -> None:
    data = final_round(finalists=3, jurors=2)
    a, b, c = ids(data, 0, 1, 2)
    DeclaredConflict.objects.create(
        judge=data.jurors[1], kind=ConflictKind.ENTRY, value="My cousin's film", normalized="", submission_id=b
    )
    assert [s.pk for s in selectors.ballot_finalists(data.round, data.jurors[1])] == [a, c]
    with pytest.raises(BallotError) as caught:
        services.submit_ballot(round_=data.round, judge=data.jurors[1], actor=data.jurors[1].user, ranking=[b, a, c])
    assert caught.value.message == f"Entry #{b} is not a finalist of this round."
    services.submit_ballot(round_=data.round, judge=data.jurors[1], actor=data.jurors[1].user, ranking=[c, a])
    cast(data, 0, 0, 1, 2)
    # Juror 0: a > b > c; juror 1 (no view on b): c > a. a-c is 1:1, a beats b, b beats c.
    assert selectors.ballots_of(data.round, (a, b, c)).preferences().tolist() == [[0, 1, 1], [0, 0, 1], [1, 0, 0]]


def test_publishing_needs_ballots() -> None:
    data = final_round()
    with pytest.raises(services.FinalError, match="No ballot"):
        services.publish_awards(round_=data.round, decided_by=data.organizer)
