"""The final's arithmetic: ballot validation, Schulze, Bradley-Terry and the award ladder.

Pure functions over entry ids (no Django), so every rule is tested on textbook cases.
Orders are lists of *groups*: entries in one group are tied, groups run best first, and
ties are always reported, never broken silently. Within a group, entries are listed by
id so that the output is reproducible.

Sturdiness rules (``final_order``):

- **Ballot minimum.** A finalist must appear on more than ``min_share`` of the ballots
  (default 0.5: a majority) to win a tier; one ranked first on 2 of 10 ballots and
  absent from the rest cannot take the Grand Prix. Finalists below the minimum are
  placed after the others and get no tier.
- **Documented tie-break.** Schulze's ties are split by the Bradley-Terry strengths over
  the same ballots (the maximum-likelihood paired-comparison model: it weighs margins
  Schulze's winning-votes rule ignores). Only entries Bradley-Terry also cannot separate
  stay tied, so an organizer decides only what the ballots truly leave open.
- **Even jury.** An even number of ballots can split a pair exactly; ``jury_warnings``
  says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

Groups = list[list[int]]


class BallotError(ValueError):
    """A ballot that cannot be counted; ``message`` is shown to the juror as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def validate_ranking(
    finalists: Sequence[int], ranking: Sequence[int], *, label: Mapping[int, str] | None = None
) -> None:
    """A ranking ballot lists every finalist exactly once; otherwise say what is wrong."""
    names = label or {}
    allowed = set(finalists)
    seen: set[int] = set()
    for entry in ranking:
        if entry not in allowed:
            raise BallotError(f"{names.get(entry, f'Entry #{entry}')} is not a finalist of this round.")
        if entry in seen:
            raise BallotError(f"{names.get(entry, f'Entry #{entry}')} is ranked twice; rank each finalist once.")
        seen.add(entry)
    missing = [entry for entry in finalists if entry not in seen]
    if missing:
        listed = ", ".join(names.get(entry, f"Entry #{entry}") for entry in missing)
        raise BallotError(f"Your ballot misses {listed}; rank every finalist.")


def validate_pairs(
    finalists: Sequence[int], pairs: Sequence[tuple[int, int]], *, label: Mapping[int, str] | None = None
) -> None:
    """A pairwise ballot decides every pair of finalists exactly once (winner, loser)."""
    names = label or {}

    def name(entry: int) -> str:
        return names.get(entry, f"Entry #{entry}")

    allowed = set(finalists)
    decided: set[frozenset[int]] = set()
    for winner, loser in pairs:
        for entry in (winner, loser):
            if entry not in allowed:
                raise BallotError(f"{name(entry)} is not a finalist of this round.")
        if winner == loser:
            raise BallotError(f"{name(winner)} cannot be compared with itself.")
        key = frozenset((winner, loser))
        if key in decided:
            raise BallotError(f"{name(winner)} and {name(loser)} are compared twice; compare each pair once.")
        decided.add(key)
    missing = [(a, b) for a, b in combinations(sorted(allowed), 2) if frozenset((a, b)) not in decided]
    if missing:
        a, b = missing[0]
        more = f" and {len(missing) - 1} more pair(s)" if len(missing) > 1 else ""
        raise BallotError(f"Choose between {name(a)} and {name(b)}{more}; every pair needs an answer.")


@dataclass(frozen=True)
class Ballots:
    """Every juror's ballot: rankings (best first) and pairwise ballots (winner, loser)."""

    finalists: tuple[int, ...]
    rankings: tuple[tuple[int, ...], ...] = ()
    pairs: tuple[tuple[tuple[int, int], ...], ...] = ()

    def __len__(self) -> int:
        return len(self.rankings) + len(self.pairs)

    def preferences(self) -> NDArray[np.int64]:
        """``d[i, j]``: how many jurors prefer finalist i to finalist j (indices into finalists)."""
        n = len(self.finalists)
        index = {entry: i for i, entry in enumerate(self.finalists)}
        d = np.zeros((n, n), dtype=np.int64)
        if self.rankings:
            # A finalist missing from a ranking (the juror is conflicted with it, or it was
            # added after the ballot was cast) counts in none of that ballot's pairs:
            # absent is no opinion, never a vote against the film.
            positions = np.full((len(self.rankings), n), -1)
            for b, ranking in enumerate(self.rankings):
                for position, entry in enumerate(ranking):
                    if entry in index:
                        positions[b, index[entry]] = position
            present = positions >= 0
            both = present[:, :, None] & present[:, None, :]
            d += ((positions[:, :, None] < positions[:, None, :]) & both).sum(axis=0)
        for ballot in self.pairs:
            for winner, loser in ballot:
                if winner in index and loser in index:
                    d[index[winner], index[loser]] += 1
        return d


def schulze_groups(d: NDArray[np.int64]) -> list[list[int]]:
    """The Schulze order (indices) as tie groups, from the pairwise preference matrix ``d``.

    Strongest paths by the Floyd-Warshall variant (winning votes), then repeatedly the
    remaining candidates that no remaining candidate beats form the next group.
    """
    n = d.shape[0]
    p = np.where(d > d.T, d, 0).astype(np.int64)
    for i in range(n):
        # p[j, k] = max(p[j, k], min(p[j, i], p[i, k])) for j, k != i: vectorized per i.
        through = np.minimum(p[:, i][:, None], p[i, :][None, :])
        through[i, :] = 0
        through[:, i] = 0
        np.fill_diagonal(through, 0)
        p = np.maximum(p, through)
    beats = p > p.T
    remaining = list(range(n))
    groups: list[list[int]] = []
    while remaining:
        top = [i for i in remaining if not any(beats[j, i] for j in remaining if j != i)]
        if not top:  # cannot happen (the relation is transitive), but never loop forever
            top = list(remaining)
        groups.append(top)
        remaining = [i for i in remaining if i not in top]
    return groups


def bradley_terry(
    d: NDArray[np.int64], *, prior: float = 0.1, max_iterations: int = 10_000, tolerance: float = 1e-12
) -> NDArray[np.float64]:
    """Bradley-Terry strengths (summing to 1) from the win matrix ``d`` by Hunter's MM algorithm.

    ``prior``: pseudo-wins added each way to every compared pair, so that an entry that
    lost every comparison keeps a positive strength and the estimate always exists.
    """
    n = d.shape[0]
    compared = (d + d.T) > 0
    wins = d.astype(np.float64) + prior * compared
    games = wins + wins.T
    strength = np.full(n, 1.0 / max(n, 1))
    total_wins = wins.sum(axis=1)
    for _ in range(max_iterations):
        denominator = (games / (strength[:, None] + strength[None, :])).sum(axis=1)
        new = np.where(denominator > 0, total_wins / np.where(denominator > 0, denominator, 1.0), strength)
        new = new / new.sum() if new.sum() > 0 else new
        if float(np.max(np.abs(new - strength))) < tolerance:
            strength = new
            break
        strength = new
    result: NDArray[np.float64] = strength
    return result


def strength_groups(strength: NDArray[np.float64], *, decimals: int = 6) -> list[list[int]]:
    """Indices ordered by strength, best first; equal strengths (to ``decimals`` in log scale) tie."""
    key = np.round(np.log(np.maximum(strength, 1e-300)), decimals)
    groups: list[list[int]] = []
    for value in sorted(set(key.tolist()), reverse=True):
        groups.append([int(i) for i in np.flatnonzero(key == value)])
    return groups


METHODS = ("schulze", "bradley_terry")
DEFAULT_MIN_SHARE = 0.5  # a finalist must be on more than half of the ballots to win a tier


def _split_by_strength(groups: list[list[int]], strength: NDArray[np.float64]) -> list[list[int]]:
    """Each tied group split by ``strength`` (best first); equal strengths stay tied."""
    result: list[list[int]] = []
    for group in groups:
        if len(group) == 1:
            result.append(group)
            continue
        inner = strength_groups(strength[group])
        result.extend([group[i] for i in part] for part in inner)
    return result


def aggregate(ballots: Ballots, *, method: str = "schulze", tiebreak: bool = True) -> Groups:
    """The full order of the finalists (ids, as tie groups) from the ballots.

    ``tiebreak``: Schulze's tied groups are split by Bradley-Terry strengths (see the
    module docstring); ``False`` gives Schulze's own groups.
    """
    if not ballots.finalists:
        return []
    d = ballots.preferences()
    if method == "schulze":
        index_groups = schulze_groups(d)
        if tiebreak and any(len(group) > 1 for group in index_groups):
            index_groups = _split_by_strength(index_groups, bradley_terry(d))
    elif method == "bradley_terry":
        index_groups = strength_groups(bradley_terry(d))
    else:
        raise ValueError(f"Unknown aggregation method {method!r}; use one of {', '.join(METHODS)}.")
    return [sorted(ballots.finalists[i] for i in group) for group in index_groups]


def appearances(ballots: Ballots) -> dict[int, int]:
    """Per finalist: on how many ballots it appears (ranked, or in at least one pair)."""
    counts = dict.fromkeys(ballots.finalists, 0)
    for ranking in ballots.rankings:
        for entry in set(ranking):
            if entry in counts:
                counts[entry] += 1
    for ballot in ballots.pairs:
        for entry in {e for pair in ballot for e in pair}:
            if entry in counts:
                counts[entry] += 1
    return counts


@dataclass(frozen=True)
class FinalOrder:
    groups: Groups  # best first; finalists below the ballot minimum last
    below_minimum: frozenset[int]  # finalists on too few ballots to win a tier
    required: int  # ballots a finalist must appear on to win a tier


def final_order(
    ballots: Ballots, *, method: str = "schulze", min_share: float = DEFAULT_MIN_SHARE, tiebreak: bool = True
) -> FinalOrder:
    """The order with the ballot minimum applied: finalists on more than ``min_share`` of the
    ballots first (their own order), then the others (theirs), who win no tier."""
    if not 0.0 <= min_share < 1.0:
        raise ValueError("The ballot minimum is a share from 0 (one ballot is enough) to below 1.")
    required = int(np.floor(min_share * len(ballots))) + 1 if len(ballots) else 0
    counts = appearances(ballots)
    below = frozenset(entry for entry, n in counts.items() if n < required)
    groups = aggregate(ballots, method=method, tiebreak=tiebreak)
    if not below:
        return FinalOrder(groups=groups, below_minimum=below, required=required)
    above = [[e for e in group if e not in below] for group in groups]
    under = [[e for e in group if e in below] for group in groups]
    return FinalOrder(groups=[g for g in above if g] + [g for g in under if g], below_minimum=below, required=required)


def jury_warnings(ballots: int) -> list[str]:
    """What the organizer should know about the jury's size before trusting the ladder."""
    if ballots and ballots % 2 == 0:
        return [
            f"An even number of ballots ({ballots}) can split a pair of finalists exactly; "
            "an odd-sized jury leaves fewer ties to decide."
        ]
    return []


def apply_tie_decisions(groups: Groups, decisions: Mapping[frozenset[int], Sequence[int]]) -> Groups:
    """Split each tied group an organizer has ordered into single entries, in the decided order."""
    result: Groups = []
    for group in groups:
        decided = decisions.get(frozenset(group)) if len(group) > 1 else None
        if decided is not None and sorted(decided) == sorted(group):
            result.extend([entry] for entry in decided)
        else:
            result.append(list(group))
    return result


@dataclass(frozen=True)
class Tier:
    key: int  # the AwardTier's id
    name: str
    rank_from: int
    rank_to: int

    def holds(self, rank: int) -> bool:
        return self.rank_from <= rank <= self.rank_to


@dataclass(frozen=True)
class Placement:
    entry: int
    rank: int  # shared by tied entries (competition ranking)
    tier: Tier | None


@dataclass(frozen=True)
class PendingTie:
    """Tied entries whose ranks straddle a tier boundary: an organizer must order them."""

    entries: tuple[int, ...]
    rank_from: int
    rank_to: int
    tiers: tuple[str, ...]  # tier names the tied ranks fall into ("" = no award)


@dataclass(frozen=True)
class Ladder:
    placements: list[Placement] = field(default_factory=list)
    pending: list[PendingTie] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.pending

    def awarded(self) -> list[Placement]:
        return [placement for placement in self.placements if placement.tier is not None]


def fill_ladder(groups: Groups, tiers: Iterable[Tier], *, no_tier: frozenset[int] = frozenset()) -> Ladder:
    """Place the ordered groups on the award ladder.

    A tied group gets one shared rank; when all the ranks it occupies fall in the same
    tier (two Honorees tied for 4th) it shares that tier, otherwise (a tie for the Grand
    Prix, or across the last Merit) it is pending an organizer's decision and its entries
    get no tier until then. Entries in ``no_tier`` (below the ballot minimum; the order
    puts them last) are placed without a tier and never pending.
    """
    ordered = sorted(tiers, key=lambda tier: tier.rank_from)

    def tier_of(rank: int) -> Tier | None:
        return next((tier for tier in ordered if tier.holds(rank)), None)

    placements: list[Placement] = []
    pending: list[PendingTie] = []
    position = 1
    for group in groups:
        last = position + len(group) - 1
        if all(entry in no_tier for entry in group):
            placements.extend(Placement(entry=entry, rank=position, tier=None) for entry in group)
            position = last + 1
            continue
        touched = [tier_of(rank) for rank in range(position, last + 1)]
        same = all(t == touched[0] for t in touched)
        if same:
            placements.extend(Placement(entry=entry, rank=position, tier=touched[0]) for entry in group)
        else:
            pending.append(
                PendingTie(
                    entries=tuple(group),
                    rank_from=position,
                    rank_to=last,
                    tiers=tuple(dict.fromkeys(t.name if t else "" for t in touched)),
                )
            )
            placements.extend(Placement(entry=entry, rank=position, tier=None) for entry in group)
        position = last + 1
    return Ladder(placements=placements, pending=pending)
