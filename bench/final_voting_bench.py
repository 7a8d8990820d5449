"""The final's aggregation against simulated juries: who picks the true winner, how often an organizer must decide.

    .venv/bin/python bench/final_voting_bench.py [juries]

Each simulated jury ranks 8 finalists with a hidden true quality (normal); each juror
sees quality plus their own noise (sd 0.7) and, one time in ten, is conflicted with one
finalist (absent from their ballot). For juries of 5, 6, 9 and 10, per method: how often
the true best film wins alone, how often the Grand Prix is tied, and how often the award
ladder (Grand Prix, Gold, Silver, 2 Honorees, 5 Merits) waits for an organizer's decision.
Methods: Schulze alone, Schulze with the Bradley-Terry tie-break (the platform's default),
Bradley-Terry, Borda. Not a timed test; prints ratios measured in this one run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from judging.final.voting import Ballots, Groups, Tier, aggregate, fill_ladder, final_order

LADDER = [
    Tier(key=1, name="Grand Prix", rank_from=1, rank_to=1),
    Tier(key=2, name="Gold", rank_from=2, rank_to=2),
    Tier(key=3, name="Silver", rank_from=3, rank_to=3),
    Tier(key=4, name="Honoree", rank_from=4, rank_to=5),
    Tier(key=5, name="Merit", rank_from=6, rank_to=10),
]
FINALISTS = 8


def borda(ballots: Ballots) -> Groups:
    """Borda count over the finalists each ballot ranks (a missing finalist scores nothing)."""
    points = dict.fromkeys(ballots.finalists, 0.0)
    for ranking in ballots.rankings:
        for position, entry in enumerate(ranking):
            points[entry] += len(ranking) - 1 - position
    values = sorted(set(points.values()), reverse=True)
    return [sorted(e for e, p in points.items() if p == v) for v in values]


def simulate(juries: int, jurors: int, rng: np.random.Generator) -> dict[str, tuple[float, float, float]]:
    methods = ("schulze", "schulze+BT", "bradley_terry", "borda")
    wins = dict.fromkeys(methods, 0)
    gp_tied = dict.fromkeys(methods, 0)
    pending = dict.fromkeys(methods, 0)
    finalists = tuple(range(1, FINALISTS + 1))
    for _ in range(juries):
        quality = rng.standard_normal(FINALISTS)
        best = int(np.argmax(quality)) + 1
        rankings = []
        for _ in range(jurors):
            seen = quality + rng.normal(0.0, 0.7, FINALISTS)
            order = [int(i) + 1 for i in np.argsort(-seen)]
            if rng.random() < 0.1:
                order.remove(int(rng.integers(1, FINALISTS + 1)))
            rankings.append(tuple(order))
        ballots = Ballots(finalists=finalists, rankings=tuple(rankings))
        results: dict[str, Groups] = {
            "schulze": aggregate(ballots, tiebreak=False),
            "schulze+BT": final_order(ballots).groups,
            "bradley_terry": aggregate(ballots, method="bradley_terry"),
            "borda": borda(ballots),
        }
        for method, groups in results.items():
            wins[method] += groups[0] == [best]
            gp_tied[method] += len(groups[0]) > 1
            pending[method] += not fill_ladder(groups, LADDER).complete
    return {m: (wins[m] / juries, gp_tied[m] / juries, pending[m] / juries) for m in methods}


def main() -> None:
    juries = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = np.random.default_rng(2027)
    print(f"{juries} simulated juries per size; 8 finalists; juror noise sd 0.7; 10 % of ballots miss one finalist")
    print(f"{'jurors':>6} {'method':<14}{'true winner':>12}{'GP tied':>9}{'decision':>10}")
    for jurors in (5, 6, 9, 10):
        outcome = simulate(juries, jurors, rng)
        for method, (win, tied, decide) in outcome.items():
            print(f"{jurors:>6} {method:<14}{win:>12.3f}{tied:>9.3f}{decide:>10.3f}")
        ratio = outcome["schulze+BT"][0] / outcome["bradley_terry"][0]
        print(f"{jurors:>6} schulze+BT / bradley_terry true-winner ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
