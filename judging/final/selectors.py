"""Reads for the final: finalists, ballots, the aggregated order and the award ladder."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from festival.models import AwardTier, JudgeMembership
from judging.assignment.conflict_check import conflicts_among
from judging.final.voting import (
    Ballots,
    Groups,
    Ladder,
    Tier,
    apply_tie_decisions,
    fill_ladder,
    final_order,
    jury_warnings,
)
from judging.models import (
    AwardDecision,
    Ballot,
    BallotMethod,
    BallotPair,
    BallotRanking,
    Round,
    RoundKind,
    TieDecision,
)
from judging.rounds.competition import competing, competing_submissions
from submissions.models import Submission


def finalists_of(round_: Round) -> QuerySet[Submission]:
    """The competing entries of a final round, by id (a stable order that reveals nothing)."""
    return competing_submissions(round_).order_by("pk").only("id", "title", "logline")


def final_rounds_for(user_id: int) -> list[Round]:
    """Final rounds with finalists in the editions where the user sits on the jury (the queue links them)."""
    return list(
        Round.objects.filter(
            kind=RoundKind.FINAL,
            edition__judges__user_id=user_id,
            edition__judges__is_active=True,
        )
        .filter(competing("entries__submission__"))
        .distinct()
        .select_related("edition__festival")
        .order_by("edition_id", "position")
    )


def ballot_finalists(round_: Round, judge: JudgeMembership) -> list[Submission]:
    """The finalists this juror ranks: all but those they are conflicted with (a few queries).

    A conflicted juror never sees the entry (as everywhere else); their ballot simply
    expresses no preference about it.
    """
    finalists = list(finalists_of(round_))
    if not finalists:
        return []
    conflicts = conflicts_among([judge], round_=round_)
    return [s for s in finalists if (judge.pk, s.pk) not in conflicts]


def ballot_of(round_: Round, judge_id: int) -> Ballot | None:
    return Ballot.objects.filter(round=round_, judge_id=judge_id).first()


def ballot_order(ballot: Ballot) -> list[int]:
    """A ranking ballot's entries, best first (empty for a pairwise ballot)."""
    return list(ballot.rankings.order_by("position").values_list("submission_id", flat=True))


def ballot_pairs(ballot: Ballot) -> dict[frozenset[int], int]:
    """A pairwise ballot's answers: the pair -> the winner."""
    return {frozenset((w, lo)): w for w, lo in ballot.pairs.values_list("winner_id", "loser_id")}


def ballots_of(round_: Round, finalists: tuple[int, ...]) -> Ballots:
    """Every ballot of the round in the arithmetic's terms (a few queries).

    A juror's preferences about an entry they are conflicted with *now* (a credit edited, a
    declaration made after voting) are dropped, as if they had never seen it; entries that
    stopped competing are not among ``finalists``, so no ballot counts them.
    """
    conflicts = conflicts_among(
        list(JudgeMembership.objects.filter(ballots__round=round_).select_related("user")), round_=round_
    )
    rankings: dict[int, list[int]] = defaultdict(list)
    for ballot_id, judge_id, submission_id in (
        BallotRanking.objects.filter(ballot__round=round_, ballot__method=BallotMethod.RANKING)
        .order_by("ballot_id", "position")
        .values_list("ballot_id", "ballot__judge_id", "submission_id")
    ):
        if (judge_id, submission_id) not in conflicts:
            rankings[ballot_id].append(submission_id)
    pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for ballot_id, judge_id, winner, loser in (
        BallotPair.objects.filter(ballot__round=round_, ballot__method=BallotMethod.PAIRS)
        .order_by("ballot_id", "id")
        .values_list("ballot_id", "ballot__judge_id", "winner_id", "loser_id")
    ):
        if (judge_id, winner) not in conflicts and (judge_id, loser) not in conflicts:
            pairs[ballot_id].append((winner, loser))
    return Ballots(
        finalists=finalists,
        rankings=tuple(tuple(rankings[key]) for key in sorted(rankings)),
        pairs=tuple(tuple(pairs[key]) for key in sorted(pairs)),
    )


def published_awards(round_: Round) -> list[AwardDecision]:
    """The published ladder, without awards to entries that stopped competing since.

    Such an award is never shown or exported as standing; ``publish_awards`` refuses until
    the organizer takes the entry out of the final, and publishing again replaces the ladder.
    """
    return list(
        AwardDecision.objects.filter(competing(), round=round_)
        .select_related("tier", "submission__entrant")
        .order_by("rank", "pk")
    )


def group_key(entries: list[int] | tuple[int, ...]) -> str:
    return ",".join(str(entry) for entry in sorted(entries))


def ladder_tiers(round_: Round) -> list[Tier]:
    return [
        Tier(key=tier.pk, name=tier.name, rank_from=tier.rank_from, rank_to=tier.rank_to)
        for tier in AwardTier.objects.filter(edition_id=round_.edition_id).order_by("rank_from")
    ]


@dataclass(frozen=True)
class FinalOutcome:
    round: Round
    method: str
    finalists: dict[int, Submission]
    ballots: int
    groups: Groups  # as the ballots say (ties included)
    decided: Groups  # after the organizers' tie decisions
    ladder: Ladder
    decisions: list[TieDecision] = field(default_factory=list)
    published: list[AwardDecision] = field(default_factory=list)
    below_minimum: frozenset[int] = frozenset()  # finalists on too few ballots to win a tier
    required_ballots: int = 0
    warnings: list[str] = field(default_factory=list)

    def title(self, entry: int) -> str:
        submission = self.finalists.get(entry)
        return submission.title if submission else f"Entry #{entry}"


def final_outcome(round_: Round, *, method: str = "schulze") -> FinalOutcome:
    """The ballots' order, the organizers' decisions applied, on the edition's award ladder.

    Schulze's ties are split by Bradley-Terry, and finalists on no more than the round's
    ``min_ballot_share`` of the ballots win no tier (``judging.final.voting.final_order``).
    """
    finalists = {submission.pk: submission for submission in finalists_of(round_)}
    ballots = ballots_of(round_, tuple(finalists))
    order = final_order(ballots, method=method, min_share=round_.min_ballot_share) if len(ballots) else None
    groups = order.groups if order else []
    decisions = list(TieDecision.objects.filter(round=round_).select_related("decided_by"))
    by_group = {frozenset(int(e) for e in d.group_key.split(",")): [int(e) for e in d.order] for d in decisions}
    decided = apply_tie_decisions(groups, by_group)
    published = published_awards(round_)
    return FinalOutcome(
        round=round_,
        method=method,
        finalists=finalists,
        ballots=len(ballots),
        groups=groups,
        decided=decided,
        ladder=fill_ladder(decided, ladder_tiers(round_), no_tier=order.below_minimum if order else frozenset()),
        decisions=decisions,
        published=published,
        below_minimum=order.below_minimum if order else frozenset(),
        required_ballots=order.required if order else 0,
        warnings=jury_warnings(len(ballots)),
    )
