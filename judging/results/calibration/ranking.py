"""Rankings from calibrated estimates: 95 % intervals, disagreement flags, ties at a cut.

Ties are surfaced, never hidden: entries whose estimates are equal share a rank
(competition ranking, "1, 2, 2, 4"), and at a cut (top N) the report lists the entries
tied exactly across the cut (a decision is required) and the *tie band*: the entries
whose 95 % interval contains the cut, each with the probability that it belongs above
the cut. The band is one group: advancement asks the organizer to confirm it (or to ask
for more judging) instead of cutting through it silently.

When the judge model's fit is degenerate or unsettled (``JudgeModelFit.converged`` is
False) the calibration ranks by per-judge z-scores instead and says why (``note``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from judging.results.calibration.methods import (
    EntryEstimates,
    FloatArray,
    IntArray,
    JudgeModelFit,
    ScoreTable,
    fit_judge_model,
    raw_mean,
    zscore_mean,
)

BoolArray = NDArray[np.bool_]
Z95 = 1.959963984540054
# Estimates closer than this (relative to the score spread) count as equal: floating
# point noise must not decide who advances.
TIE_DECIMALS = 9


@dataclass(frozen=True)
class Ranking:
    """Entries in rank order (best first). ``order[k]`` is the entry index at position k."""

    method: str
    order: IntArray
    rank: IntArray  # per position: competition rank (equal estimates share a rank)
    estimate: FloatArray  # per position
    low: FloatArray
    high: FloatArray
    se: FloatArray  # per position (inf when unknown)

    def __len__(self) -> int:
        return len(self.order)


def rank_entries(estimates: EntryEstimates, *, z: float = Z95) -> Ranking:
    """Rank the scored entries by estimate, best first; equal estimates share a rank.

    The order among equal estimates is by entry index, so it is reproducible, but the
    shared rank says that they are tied.
    """
    scored = np.flatnonzero(np.isfinite(estimates.estimate))
    values = np.round(estimates.estimate[scored], TIE_DECIMALS)
    # lexsort: last key first; descending estimate, then ascending index.
    order = scored[np.lexsort((scored, -values))]
    est = np.round(estimates.estimate[order], TIE_DECIMALS)
    new_value = np.ones(len(order), dtype=bool)
    new_value[1:] = est[1:] != est[:-1]
    positions = np.arange(1, len(order) + 1)
    rank = np.maximum.accumulate(np.where(new_value, positions, 0)).astype(np.intp)
    se = np.nan_to_num(estimates.se[order], nan=np.inf)
    return Ranking(
        method=estimates.method,
        order=order,
        rank=rank,
        estimate=estimates.estimate[order],
        low=estimates.estimate[order] - z * se,
        high=estimates.estimate[order] + z * se,
        se=se,
    )


@dataclass(frozen=True)
class CutReport:
    """Where a top-``count`` cut falls in a ranking and who is in contention around it."""

    count: int
    advancing: IntArray  # entry indices above the cut (exact ties across it excluded)
    tied: IntArray  # entries with exactly the estimate at the cut, on both sides of it
    band: IntArray  # the tie band: entries whose interval contains the cut value, best first
    p_above: FloatArray  # per band entry: the probability that it belongs above the cut
    cut_value: float

    @property
    def needs_decision(self) -> bool:
        return len(self.tied) > 0

    @property
    def needs_confirmation(self) -> bool:
        """The cut runs through a band of entries the scores cannot tell apart from it."""
        return len(self.band) > 0

    @property
    def close_calls(self) -> IntArray:
        return self.band

    def band_above(self) -> IntArray:
        """The band's entries above the cut by point estimate (they advance if the band is confirmed)."""
        advancing = set(self.advancing.tolist())
        return np.asarray([i for i in self.band.tolist() if i in advancing], dtype=np.intp)


def cut_report(ranking: Ranking, count: int) -> CutReport:
    """The top ``count`` entries, with exact ties across the cut set apart for a decision."""
    count = max(0, min(count, len(ranking)))
    empty = np.zeros(0, dtype=np.intp)
    if count == 0 or count == len(ranking):
        cut_value = float(ranking.estimate[count - 1]) if count else float("nan")
        return CutReport(
            count=count,
            advancing=ranking.order[:count],
            tied=empty,
            band=empty,
            p_above=np.zeros(0),
            cut_value=cut_value,
        )
    rounded = np.round(ranking.estimate, TIE_DECIMALS)
    if rounded[count - 1] == rounded[count]:
        tied_mask = rounded == rounded[count - 1]
        advancing = ranking.order[:count][~tied_mask[:count]]
        tied = ranking.order[tied_mask]
    else:
        advancing = ranking.order[:count]
        tied = empty
    cut_value = float((ranking.estimate[count - 1] + ranking.estimate[count]) / 2)
    band = (ranking.low <= cut_value) & (ranking.high >= cut_value)
    return CutReport(
        count=count,
        advancing=advancing,
        tied=tied,
        band=ranking.order[band],
        p_above=p_above_cut(ranking, cut_value)[band],
        cut_value=cut_value,
    )


def p_above_cut(ranking: Ranking, cut_value: float) -> FloatArray:
    """Per position: the probability that the entry belongs above ``cut_value`` (normal approximation)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = stats.norm.cdf((ranking.estimate - cut_value) / ranking.se)
    result: FloatArray = np.nan_to_num(p, nan=0.5)
    return result


def least_certain(ranking: Ranking, cut: CutReport, count: int) -> IntArray:
    """The ``count`` entries (indices) whose side of the cut is least certain, most uncertain first.

    Uncertainty is ``min(P(above), P(below))``; equal ones go by rank position. Adaptive
    judging gives these entries one more judge each.
    """
    p = p_above_cut(ranking, cut.cut_value)
    doubt = np.minimum(p, 1.0 - p)
    positions = np.lexsort((np.arange(len(ranking)), -doubt))[: max(0, count)]
    result: IntArray = ranking.order[positions]
    return result


def share_to_count(share: float, n_entries: int) -> int:
    """Entries a top ``share`` keeps: rounded up, so a non-zero share keeps at least one."""
    return min(n_entries, int(np.ceil(share * n_entries - 1e-9)))


@dataclass(frozen=True)
class Disagreement:
    """Per entry: the spread of its raw scores and whether judges disagreed unusually."""

    spread: FloatArray  # max - min of the entry's raw scores (0 with one score)
    statistic: FloatArray  # sum of squared standardized model residuals
    p_value: FloatArray
    flagged: BoolArray


def disagreement(table: ScoreTable, fit: JudgeModelFit, *, alpha: float = 0.01) -> Disagreement:
    """Flag entries whose judges disagree more than the judges' own noise explains.

    Under the judge model, the sum over an entry's judges of (residual / sigma_j)² is
    about chi-squared with (judges - 1) degrees of freedom; an entry is flagged when that
    is improbable (p < ``alpha``). Entries with fewer than two scores are never flagged.
    """
    n = table.n_entries
    if len(table) == 0:
        nan = np.full(n, np.nan)
        return Disagreement(spread=np.zeros(n), statistic=nan, p_value=nan, flagged=np.zeros(n, dtype=bool))
    standardized = fit.residual / fit.noise[table.judge]
    statistic = np.bincount(table.entry, weights=standardized * standardized, minlength=n).astype(np.float64)
    counts = table.entry_counts()
    dof = counts - 1
    p_value = np.where(dof > 0, stats.chi2.sf(statistic, np.maximum(dof, 1)), np.nan)
    flagged = (dof > 0) & (p_value < alpha)
    high = np.full(n, -np.inf)
    low = np.full(n, np.inf)
    np.maximum.at(high, table.entry, table.score)
    np.minimum.at(low, table.entry, table.score)
    spread = np.where(counts > 0, high - low, 0.0)
    return Disagreement(spread=spread, statistic=statistic, p_value=p_value, flagged=flagged)


@dataclass(frozen=True)
class Calibration:
    """Everything the results page needs about one round's scores."""

    table: ScoreTable
    raw: EntryEstimates
    z: EntryEstimates
    model: JudgeModelFit
    disagreement: Disagreement
    rankings: dict[str, Ranking] = field(default_factory=dict)
    primary: str = "model"  # the method that ranks: "z" when the judge model failed
    note: str = ""  # why the primary method is not the judge model

    def ranking(self, method: str | None = None) -> Ranking:
        """A method's ranking; without a method, the primary one (what advancement cuts on)."""
        return self.rankings[method or self.primary]


def calibrate(
    table: ScoreTable,
    *,
    bounds: tuple[float, float] | None = None,
    resolution: float = 0.0,
    z: float = Z95,
    alpha: float = 0.01,
) -> Calibration:
    """Raw mean, z-score mean and the judge model, each ranked, plus disagreement flags.

    ``bounds`` and ``resolution``: the scale's ends and step (see ``fit_judge_model``).
    """
    raw = raw_mean(table)
    zs = zscore_mean(table)
    fit = fit_judge_model(table, bounds=bounds, resolution=resolution)
    rankings = {est.method: rank_entries(est, z=z) for est in (raw, zs, fit.entries)}
    primary, note = "model", ""
    if not fit.converged:
        primary = "z"
        note = (
            f"The judge model cannot be trusted on these scores ({fit.problem}), so the ranking, the cut and "
            "the tie band use per-judge z-scores instead."
        )
    return Calibration(
        table=table,
        raw=raw,
        z=zs,
        model=fit,
        disagreement=disagreement(table, fit, alpha=alpha),
        rankings=rankings,
        primary=primary,
        note=note,
    )
