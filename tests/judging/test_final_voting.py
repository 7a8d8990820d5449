"""The final's arithmetic on textbook cases (pure functions, no database)."""

from __future__ import annotations

import numpy as np
import pytest

from judging.final.voting import (
    BallotError,
    Ballots,
    Tier,
    aggregate,
    apply_tie_decisions,
    bradley_terry,
    fill_ladder,
    final_order,
    jury_warnings,
    schulze_groups,
    validate_pairs,
    validate_ranking,
)

A, B, C, D, E = 1, 2, 3, 4, 5


def wikipedia_ballots() -> Ballots:
    """Wikipedia's Schulze example: 45 voters, 5 candidates; the winner order is E > A > C > B > D."""
    blocks = [
        (5, (A, C, B, E, D)),
        (5, (A, D, E, C, B)),
        (8, (B, E, D, A, C)),
        (3, (C, A, B, E, D)),
        (7, (C, A, E, B, D)),
        (2, (C, B, A, D, E)),
        (7, (D, C, E, B, A)),
        (8, (E, B, A, D, C)),
    ]
    rankings = tuple(order for count, order in blocks for _ in range(count))
    return Ballots(finalists=(A, B, C, D, E), rankings=rankings)


def test_schulze_on_wikipedias_45_voter_example() -> None:
    ballots = wikipedia_ballots()
    d = ballots.preferences()
    # The article's matrix of pairwise preferences d[*, *] (rows A..E).
    assert d.tolist() == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    assert aggregate(ballots) == [[E], [A], [C], [B], [D]]


def test_schulze_strongest_paths_match_the_article() -> None:
    d = wikipedia_ballots().preferences()
    groups = schulze_groups(d)
    assert groups == [[4], [0], [2], [1], [3]]


def test_a_perfect_cycle_is_a_three_way_tie() -> None:
    ballots = Ballots(finalists=(A, B, C), rankings=((A, B, C), (B, C, A), (C, A, B)))
    assert aggregate(ballots) == [[A, B, C]]
    assert aggregate(ballots, method="bradley_terry") == [[A, B, C]]


def test_unanimous_ballots_give_the_same_order_with_both_methods() -> None:
    ballots = Ballots(finalists=(A, B, C, D), rankings=((C, A, D, B),) * 3)
    assert aggregate(ballots) == [[C], [A], [D], [B]]
    assert aggregate(ballots, method="bradley_terry") == [[C], [A], [D], [B]]


def test_pairwise_ballots_count_like_rankings() -> None:
    pairs = ((A, B), (A, C), (B, C))
    ballots = Ballots(finalists=(A, B, C), pairs=(pairs, pairs))
    assert ballots.preferences().tolist() == [[0, 2, 2], [0, 0, 2], [0, 0, 0]]
    assert aggregate(ballots) == [[A], [B], [C]]


def test_bradley_terry_strengths_follow_win_ratios() -> None:
    # A beats B 3 times out of 4; with no prior the strengths are 3:1.
    d = np.array([[0, 3], [1, 0]], dtype=np.int64)
    assert bradley_terry(d, prior=0.0).tolist() == pytest.approx([0.75, 0.25], abs=1e-9)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown aggregation method 'borda'"):
        aggregate(Ballots(finalists=(A, B), rankings=((A, B),)), method="borda")


@pytest.mark.parametrize(
    ("ranking", "message"),
    [
        ((A, B, B), "Entry #2 is ranked twice; rank each finalist once."),
        ((A, B), "Your ballot misses Entry #3; rank every finalist."),
        ((A, B, C, D), "Entry #4 is not a finalist of this round."),
    ],
)
def test_invalid_ranking_ballots_say_what_is_wrong(ranking: tuple[int, ...], message: str) -> None:
    with pytest.raises(BallotError) as caught:
        validate_ranking((A, B, C), ranking)
    assert caught.value.message == message


def test_valid_ranking_passes_and_labels_are_used() -> None:
    validate_ranking((A, B, C), (C, A, B))
    with pytest.raises(BallotError) as caught:
        validate_ranking((A, B, C), (A, A, B), label={A: "Film One"})
    assert caught.value.message == "Film One is ranked twice; rank each finalist once."


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (((A, B), (B, A), (A, C), (B, C)), "Entry #2 and Entry #1 are compared twice; compare each pair once."),
        (((A, B), (A, C)), "Choose between Entry #2 and Entry #3; every pair needs an answer."),
        (((A, A), (A, C), (B, C)), "Entry #1 cannot be compared with itself."),
        (((A, D),), "Entry #4 is not a finalist of this round."),
        ((), "Choose between Entry #1 and Entry #2 and 2 more pair(s); every pair needs an answer."),
    ],
)
def test_invalid_pairwise_ballots_say_what_is_wrong(pairs: tuple[tuple[int, int], ...], message: str) -> None:
    with pytest.raises(BallotError) as caught:
        validate_pairs((A, B, C), pairs)
    assert caught.value.message == message


LADDER = [
    Tier(1, "Grand Prix", 1, 1),
    Tier(2, "Gold", 2, 2),
    Tier(3, "Silver", 3, 3),
    Tier(4, "Honoree", 4, 5),
    Tier(5, "Merit", 6, 10),
]


def test_ladder_from_a_strict_order() -> None:
    ladder = fill_ladder([[e] for e in range(101, 113)], LADDER)
    assert ladder.complete
    assert [(p.entry, p.rank, p.tier.name if p.tier else None) for p in ladder.placements[:6]] == [
        (101, 1, "Grand Prix"),
        (102, 2, "Gold"),
        (103, 3, "Silver"),
        (104, 4, "Honoree"),
        (105, 5, "Honoree"),
        (106, 6, "Merit"),
    ]
    assert [(p.entry, p.tier) for p in ladder.placements[10:]] == [(111, None), (112, None)]
    assert len(ladder.awarded()) == 10


def test_a_tie_inside_a_tier_shares_it_and_a_tie_across_a_boundary_waits_for_a_decision() -> None:
    groups = [[1], [2], [3], [4, 5], [6], [7, 8], [9], [10, 11], [12]]
    ladder = fill_ladder(groups, LADDER)
    # 4 and 5 tie for 4th: both Honorees. 10 and 11 tie for 10th: the last Merit, pending.
    assert [(p.entry, p.rank, p.tier.name if p.tier else None) for p in ladder.placements if p.entry in (4, 5)] == [
        (4, 4, "Honoree"),
        (5, 4, "Honoree"),
    ]
    assert ladder.pending == [ladder.pending[0]]
    pending = ladder.pending[0]
    assert (pending.entries, pending.rank_from, pending.rank_to, pending.tiers) == ((10, 11), 10, 11, ("Merit", ""))
    assert not ladder.complete


def test_a_tie_for_the_grand_prix_is_pending_until_decided() -> None:
    groups = [[1, 2], [3]]
    ladder = fill_ladder(groups, LADDER)
    assert [(p.entries, p.tiers) for p in ladder.pending] == [((1, 2), ("Grand Prix", "Gold"))]
    decided = apply_tie_decisions(groups, {frozenset({1, 2}): [2, 1]})
    assert decided == [[2], [1], [3]]
    final = fill_ladder(decided, LADDER)
    assert final.complete
    assert [(p.entry, p.tier.name if p.tier else None) for p in final.placements] == [
        (2, "Grand Prix"),
        (1, "Gold"),
        (3, "Silver"),
    ]


def test_a_decision_for_another_group_does_not_apply() -> None:
    assert apply_tie_decisions([[1, 2, 3]], {frozenset({1, 2}): [2, 1]}) == [[1, 2, 3]]


def test_a_finalist_missing_from_a_ranking_gets_no_vote_either_way() -> None:
    # The second juror is conflicted with B: their ballot says nothing about B.
    ballots = Ballots(finalists=(A, B, C), rankings=((B, A, C), (A, C)))
    assert ballots.preferences().tolist() == [[0, 0, 2], [1, 0, 1], [0, 0, 0]]


X = 9


def test_a_finalist_on_two_of_ten_ballots_cannot_win_a_tier() -> None:
    # X is ranked first on 2 ballots and absent from the 8 others (jurors conflicted with it):
    # Schulze alone gives it the Grand Prix.
    rankings = ((X, A, B, C),) * 2 + ((A, B, C),) * 5 + ((B, A, C),) * 3
    ballots = Ballots(finalists=(A, B, C, X), rankings=rankings)
    assert aggregate(ballots)[0] == [X]
    order = final_order(ballots)  # default: a majority of the ballots
    assert (order.required, order.below_minimum) == (6, frozenset({X}))
    assert order.groups == [[A], [B], [C], [X]]
    ladder = fill_ladder(order.groups, LADDER, no_tier=order.below_minimum)
    assert [(p.entry, p.rank, p.tier.name if p.tier else None) for p in ladder.placements] == [
        (A, 1, "Grand Prix"),
        (B, 2, "Gold"),
        (C, 3, "Silver"),
        (X, 4, None),
    ]
    assert ladder.complete


@pytest.mark.parametrize(
    ("share", "required", "below"), [(0.0, 1, set()), (0.5, 6, {X}), (0.1, 2, set()), (0.2, 3, {X})]
)
def test_the_ballot_minimum_is_more_than_the_rounds_share(share: float, required: int, below: set[int]) -> None:
    rankings = ((X, A, B),) * 2 + ((A, B),) * 8
    order = final_order(Ballots(finalists=(A, B, X), rankings=rankings), min_share=share)
    assert (order.required, set(order.below_minimum)) == (required, below)


def test_the_ballot_minimum_must_be_a_share_below_one() -> None:
    with pytest.raises(ValueError, match="ballot minimum"):
        final_order(Ballots(finalists=(A, B), rankings=((A, B),)), min_share=1.0)


def test_bradley_terry_splits_a_schulze_tie_and_only_true_ties_remain() -> None:
    # A and B split their pair 1-1 (B is absent from the third ballot), so Schulze ties them;
    # A beat C three times and B only twice: Bradley-Terry puts A first.
    ballots = Ballots(finalists=(A, B, C), rankings=((A, B, C), (B, A, C), (A, C)))
    assert aggregate(ballots, tiebreak=False) == [[A, B], [C]]
    assert aggregate(ballots) == [[A], [B], [C]]
    # A perfect cycle is symmetric: Bradley-Terry cannot split it either, the organizer decides.
    cycle = Ballots(finalists=(A, B, C), rankings=((A, B, C), (B, C, A), (C, A, B)))
    assert aggregate(cycle) == [[A, B, C]]


def test_an_even_jury_is_warned_about() -> None:
    assert jury_warnings(3) == []
    assert jury_warnings(0) == []
    assert jury_warnings(4) == [
        "An even number of ballots (4) can split a pair of finalists exactly; an odd-sized jury leaves fewer ties "
        "to decide."
    ]
