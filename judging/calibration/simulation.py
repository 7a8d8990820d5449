"""An in-memory judging simulation: does calibration find the truly best films?

Each film has a hidden true quality; each judge has a leniency, a scale and a noise of
their own; every film is scored by ``k`` judges (a seeded, load-balanced assignment) on
the rubric's integer scale, rounded and clipped like real scores. Each calibration
method's ranking is then compared with the truth: Kendall's tau over all films, and the
share of the truly best 1 % that the method's top-5 % shortlist keeps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import stats

from judging.calibration.methods import EntryEstimates, IntArray, ScoreTable
from judging.calibration.ranking import calibrate

METHODS = ("raw", "z", "model")


@dataclass(frozen=True)
class JudgePopulation:
    """How judges differ, in points of the scale (the defaults fit a 1-10 rubric)."""

    scale_min: int = 1
    scale_max: int = 10
    center: float = 5.5
    quality_spread: float = 1.5  # sd of true quality, in points of an average judge
    leniency_sd: float = 0.8  # sd of judges' offsets
    scale_sd: float = 0.25  # sd of log(scale)
    noise_low: float = 0.4  # judges' noise sd is uniform in [low, high]
    noise_high: float = 1.2


@dataclass(frozen=True)
class SimulatedEdition:
    table: ScoreTable
    population: JudgePopulation
    truth: np.ndarray  # per entry: true quality (standard units)


def balanced_assignment(n_entries: int, n_judges: int, k: int, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """``k`` distinct judges per entry, loads differing by at most one, seeded.

    Judges are dealt from a sequence of shuffled decks of all judges; a hand of ``k``
    that straddles two decks and would repeat a judge swaps in the next unused one. The
    shuffles keep the judge-entry graph connected, which the judge model needs.
    """
    if k > n_judges:
        raise ValueError(f"k={k} needs at least {k} judges, got {n_judges}.")
    total = n_entries * k
    decks = -(-total // n_judges) + 1
    sequence = np.concatenate([rng.permutation(n_judges) for _ in range(decks)])
    hands = sequence[: total + n_judges].tolist()
    judges = np.empty(total, dtype=np.intp)
    cursor = 0
    for entry in range(n_entries):
        hand: list[int] = []
        while len(hand) < k:
            candidate = hands[cursor]
            if candidate in hand:
                # Swap with the first later judge not in this hand; loads stay balanced.
                swap = next(i for i in range(cursor + 1, len(hands)) if hands[i] not in hand)
                hands[cursor], hands[swap] = hands[swap], hands[cursor]
                candidate = hands[cursor]
            hand.append(candidate)
            cursor += 1
        judges[entry * k : entry * k + k] = hand
    entries = np.repeat(np.arange(n_entries, dtype=np.intp), k)
    return judges, entries


def simulate_edition(
    *, n_entries: int, n_judges: int, k: int, seed: int, population: JudgePopulation | None = None
) -> SimulatedEdition:
    pop = population or JudgePopulation()
    rng = np.random.default_rng(seed)
    truth = rng.standard_normal(n_entries)
    leniency = rng.normal(0.0, pop.leniency_sd, n_judges)
    scale = np.exp(rng.normal(0.0, pop.scale_sd, n_judges))
    noise = rng.uniform(pop.noise_low, pop.noise_high, n_judges)
    judge, entry = balanced_assignment(n_entries, n_judges, k, rng)
    latent = (
        pop.center
        + leniency[judge]
        + scale[judge] * pop.quality_spread * truth[entry]
        + noise[judge] * rng.standard_normal(len(judge))
    )
    score = np.clip(np.rint(latent), pop.scale_min, pop.scale_max)
    table = ScoreTable.build(judge, entry, score, n_judges=n_judges, n_entries=n_entries)
    return SimulatedEdition(table=table, population=pop, truth=truth)


@dataclass(frozen=True)
class MethodQuality:
    tau: float
    shortlist_recall: float  # share of the truly best 1 % in the top-5 % shortlist


def evaluate(
    estimates: EntryEstimates, truth: np.ndarray, *, best: float = 0.01, shortlist: float = 0.05
) -> MethodQuality:
    n = len(truth)
    tau = float(stats.kendalltau(estimates.estimate, truth).statistic)
    n_best = max(1, round(best * n))
    n_short = max(1, round(shortlist * n))
    truly_best = np.argsort(-truth, kind="stable")[:n_best]
    # Ties in an estimate are broken by index, as the rankings do.
    short = np.lexsort((np.arange(n), -np.nan_to_num(estimates.estimate, nan=-np.inf)))[:n_short]
    recall = len(np.intersect1d(truly_best, short)) / n_best
    return MethodQuality(tau=tau, shortlist_recall=recall)


@dataclass(frozen=True)
class SimulationReport:
    seeds: tuple[int, ...]
    per_seed: tuple[dict[str, MethodQuality], ...]
    calibration_seconds: tuple[float, ...]
    n_scores: int

    def mean(self, method: str) -> MethodQuality:
        return MethodQuality(
            tau=float(np.mean([run[method].tau for run in self.per_seed])),
            shortlist_recall=float(np.mean([run[method].shortlist_recall for run in self.per_seed])),
        )


def run_simulation(
    *, n_entries: int, n_judges: int, k: int, seeds: tuple[int, ...], population: JudgePopulation | None = None
) -> SimulationReport:
    per_seed: list[dict[str, MethodQuality]] = []
    timings: list[float] = []
    n_scores = 0
    for seed in seeds:
        edition = simulate_edition(n_entries=n_entries, n_judges=n_judges, k=k, seed=seed, population=population)
        started = time.perf_counter()
        bounds = (float(edition.population.scale_min), float(edition.population.scale_max))
        result = calibrate(edition.table, bounds=bounds, resolution=1.0)
        timings.append(time.perf_counter() - started)
        n_scores = len(edition.table)
        estimates = {"raw": result.raw, "z": result.z, "model": result.model.entries}
        per_seed.append({name: evaluate(estimates[name], edition.truth) for name in METHODS})
    return SimulationReport(
        seeds=tuple(seeds), per_seed=tuple(per_seed), calibration_seconds=tuple(timings), n_scores=n_scores
    )
