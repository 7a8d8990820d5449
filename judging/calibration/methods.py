"""Calibration of judges' scores: raw mean, per-judge z-scores and a judge model.

Pure numeric code (numpy/scipy, no Django): every function takes a ``ScoreTable`` of
``(judge index, entry index, score)`` triples and returns per-entry estimates with a
standard error. Nothing loops over scores in Python, so 100,000 scores calibrate in a
small fraction of a second.

The judge model is ``score_ij = mu + a_j + b_j * (q_i - mu) + noise_j`` where ``q_i`` is
the entry's quality expressed as the score an average judge would give it, ``a_j`` the
judge's leniency (points above the average judge at an average film, negative = severe),
``b_j`` the judge's scale (how widely they spread their scores; 1 = average) and
``noise_j`` the judge's own noise (standard deviation ``sigma_j``). The model is fitted
by alternating weighted least squares over the judge-entry graph, with the gauge fixed
by "the average judge has a = 0 and b = 1" (means weighted by the judges' numbers of
scores) and a weak prior (``prior_scores`` pseudo-scores from an average judge) that
keeps judges with very few scores close to average instead of wild.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


def _log_pdf(x: FloatArray) -> FloatArray:
    result: FloatArray = -0.5 * x * x - 0.5 * np.log(2 * np.pi)
    return result


class CalibrationError(ValueError):
    """The scores cannot be calibrated as given (mismatched arrays, bad indices, NaN)."""


@dataclass(frozen=True)
class ScoreTable:
    """Scores as three parallel arrays; judges and entries are dense indices from 0."""

    judge: IntArray
    entry: IntArray
    score: FloatArray
    n_judges: int
    n_entries: int

    @classmethod
    def build(
        cls,
        judge: ArrayLike,
        entry: ArrayLike,
        score: ArrayLike,
        *,
        n_judges: int | None = None,
        n_entries: int | None = None,
    ) -> ScoreTable:
        j = np.asarray(judge, dtype=np.intp).ravel()
        e = np.asarray(entry, dtype=np.intp).ravel()
        s = np.asarray(score, dtype=np.float64).ravel()
        if not (len(j) == len(e) == len(s)):
            raise CalibrationError("judge, entry and score arrays must have the same length.")
        if len(s) and not np.all(np.isfinite(s)):
            raise CalibrationError("scores must be finite numbers.")
        if len(s) and (j.min() < 0 or e.min() < 0):
            raise CalibrationError("judge and entry indices must not be negative.")
        nj = int(j.max()) + 1 if len(j) else 0
        ne = int(e.max()) + 1 if len(e) else 0
        if n_judges is not None:
            if n_judges < nj:
                raise CalibrationError("a judge index is out of range.")
            nj = n_judges
        if n_entries is not None:
            if n_entries < ne:
                raise CalibrationError("an entry index is out of range.")
            ne = n_entries
        return cls(judge=j, entry=e, score=s, n_judges=nj, n_entries=ne)

    def __len__(self) -> int:
        return len(self.score)

    def entry_counts(self) -> IntArray:
        return np.bincount(self.entry, minlength=self.n_entries).astype(np.intp)

    def judge_counts(self) -> IntArray:
        return np.bincount(self.judge, minlength=self.n_judges).astype(np.intp)


@dataclass(frozen=True)
class EntryEstimates:
    """One estimate per entry with its standard error; NaN for entries nobody scored."""

    method: str
    estimate: FloatArray
    se: FloatArray
    n: IntArray


def _entry_means(table: ScoreTable, values: FloatArray) -> tuple[FloatArray, IntArray]:
    n = table.entry_counts()
    sums = np.bincount(table.entry, weights=values, minlength=table.n_entries)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n > 0, sums / np.maximum(n, 1), np.nan)
    return means, n


def _mean_with_pooled_se(table: ScoreTable, values: FloatArray, method: str) -> EntryEstimates:
    """Per-entry mean; SE from the within-entry spread pooled over all entries (k is small)."""
    means, n = _entry_means(table, values)
    scored = int(np.count_nonzero(n))
    dof = len(values) - scored
    se = np.full(table.n_entries, np.nan)
    if dof > 0:
        residual = values - means[table.entry]
        sigma = float(np.sqrt(np.dot(residual, residual) / dof))
        se = np.where(n > 0, sigma / np.sqrt(np.maximum(n, 1)), np.nan)
    return EntryEstimates(method=method, estimate=means, se=se, n=n)


def raw_mean(table: ScoreTable) -> EntryEstimates:
    """The plain mean of each entry's scores: rewards entries that drew lenient judges."""
    return _mean_with_pooled_se(table, table.score, "raw")


def judge_zscores(table: ScoreTable) -> FloatArray:
    """Each score as standard deviations from its judge's own mean.

    A judge with fewer than two scores, or who gave every entry the same score, is
    standardized with the pooled standard deviation instead (their spread is unknown).
    """
    counts = table.judge_counts()
    sums = np.bincount(table.judge, weights=table.score, minlength=table.n_judges)
    mean = sums / np.maximum(counts, 1)
    centered = table.score - mean[table.judge]
    sq = np.bincount(table.judge, weights=centered * centered, minlength=table.n_judges)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(sq / np.maximum(counts - 1, 1))
    pooled = float(np.std(table.score)) if len(table) > 1 else 1.0
    pooled = pooled if pooled > 0 else 1.0
    usable = (counts >= 2) & (sd > 1e-12 * max(pooled, 1.0))
    sd = np.where(usable, sd, pooled)
    result: FloatArray = centered / sd[table.judge]
    return result


def zscore_mean(table: ScoreTable) -> EntryEstimates:
    """Mean of each entry's per-judge z-scores (in standard deviations, 0 = a judge's average)."""
    return _mean_with_pooled_se(table, judge_zscores(table), "z")


@dataclass(frozen=True)
class JudgeModelFit:
    """The judge model's estimates: per entry and per judge (see the module docstring)."""

    entries: EntryEstimates  # quality on the score scale of the average judge
    leniency: FloatArray  # a_j, score points
    scale: FloatArray  # b_j
    noise: FloatArray  # sigma_j, score points
    judge_n: IntArray
    residual: FloatArray  # per score: score - fitted
    sigma: float  # pooled residual standard deviation
    iterations: int
    converged: bool


def fit_judge_model(
    table: ScoreTable,
    *,
    prior_scores: float = 1.0,
    noise_prior_scores: float = 30.0,
    bounds: tuple[float, float] | None = None,
    resolution: float = 0.0,
    quality_prior: bool = True,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
) -> JudgeModelFit:
    """Fit leniency, scale and noise per judge and quality per entry (see the module docstring).

    ``prior_scores``: how many pseudo-scores from an average judge each judge starts with
    (shrinks the leniency and scale of judges with few scores). ``noise_prior_scores``: the
    same for each judge's noise, shrunk towards the pooled noise. Per-entry standard errors
    are ``1 / sqrt(sum over its judges of b_j² / sigma_j²)``: they take the judge parameters
    as known, which is fair when every judge has many more scores than an entry has judges.

    ``bounds``: the ends of the rubric's scale. A score at an end is censored (a lenient
    judge gives 10 to a great film and to a greater one), so it is replaced, each
    iteration, by the expected score given the current fit and the fact that it reached
    the end (the EM step of a Tobit model). ``resolution``: the scale's step when scores
    are rounded to it (1 for integer scores): a 10 then means "at least 9.5".

    ``quality_prior``: qualities are shrunk towards the average film in proportion to
    their uncertainty (a normal prior with the spread of the fitted qualities): the
    estimate is then the posterior mean and the standard error the posterior sd.
    """
    n_j, n_e = table.n_judges, table.n_entries
    judge, entry = table.judge, table.entry
    judge_n = table.judge_counts()
    entry_n = table.entry_counts()
    if len(table) == 0:
        empty = np.full(n_e, np.nan)
        return JudgeModelFit(
            entries=EntryEstimates("model", empty, empty.copy(), entry_n),
            leniency=np.zeros(n_j),
            scale=np.ones(n_j),
            noise=np.full(n_j, np.nan),
            judge_n=judge_n,
            residual=np.zeros(0),
            sigma=float("nan"),
            iterations=0,
            converged=True,
        )
    mu = float(np.mean(table.score))
    observed = table.score - mu
    y = observed.copy()
    if bounds is not None:
        at_low = table.score <= bounds[0]
        at_high = table.score >= bounds[1]
        censored = bool(at_low.any() or at_high.any())
        cut_low = bounds[0] + resolution / 2 - mu
        cut_high = bounds[1] - resolution / 2 - mu
    else:
        censored = False
    spread = float(np.std(y))
    spread = spread if spread > 0 else 1.0
    scored = entry_n > 0
    dof = len(y) - int(np.count_nonzero(scored)) - 2 * int(np.count_nonzero(judge_n)) + 2
    dof_factor = len(y) / dof if dof > 0 else 1.0

    def fit_entries(a: FloatArray, b: FloatArray, w: FloatArray, precision: float) -> tuple[FloatArray, FloatArray]:
        # ``precision``: of the prior on quality (a random effect centred on the average
        # film); it keeps an entry whose every score is censored from drifting away.
        bw = b[judge] * w[judge]
        num = np.bincount(entry, weights=bw * (y - a[judge]), minlength=n_e)
        den = np.bincount(entry, weights=bw * b[judge], minlength=n_e) + precision
        safe = den > 1e-12
        x: FloatArray = np.where(safe, num / np.where(safe, den, 1.0), 0.0)
        return x, den.astype(np.float64)

    # Start from the raw means and average judges with equal noise.
    a = np.zeros(n_j)
    b = np.ones(n_j)
    w = np.ones(n_j)
    precision = 0.0
    x, _ = fit_entries(a, b, w, precision)
    iterations = 0
    converged = False
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (used after the loop)
        # Judges: a ridge regression of their scores on the entries' qualities.
        xi = x[entry]
        s_x = np.bincount(judge, weights=xi, minlength=n_j)
        s_xx = np.bincount(judge, weights=xi * xi, minlength=n_j)
        s_y = np.bincount(judge, weights=y, minlength=n_j)
        s_xy = np.bincount(judge, weights=xi * y, minlength=n_j)
        x_var = float(np.mean(x[scored] ** 2)) or 1.0
        lam_a = prior_scores
        lam_b = prior_scores * x_var
        n = judge_n + lam_a
        sxx = s_xx + lam_b
        det = n * sxx - s_x * s_x
        det = np.where(np.abs(det) > 1e-12, det, 1e-12)
        a = (s_y * sxx - s_x * (s_xy + lam_b)) / det
        b = (n * (s_xy + lam_b) - s_x * s_y) / det
        # Fix the gauge: the average judge (weighted by scores) has a = 0 and b = 1.
        weights = judge_n / max(int(judge_n.sum()), 1)
        a_bar = float(np.dot(weights, a))
        b_bar = float(np.dot(weights, b))
        if abs(b_bar) < 1e-9:
            b_bar = 1.0
        a = a - b * a_bar / b_bar
        b = b / b_bar
        # Judges' noise, shrunk towards the pooled noise; weights are 1 / sigma_j².
        residual = y - a[judge] - b[judge] * x[entry]
        rss_j = np.bincount(judge, weights=residual * residual, minlength=n_j)
        pooled_var = float(rss_j.sum()) / dof if dof > 0 else spread**2
        pooled_var = max(pooled_var, (1e-3 * spread) ** 2)
        var_j = (dof_factor * rss_j + noise_prior_scores * pooled_var) / (judge_n + noise_prior_scores)
        var_j = np.maximum(var_j, (0.05 * spread) ** 2)
        w = 1.0 / var_j
        if censored:
            fitted = a[judge] + b[judge] * x[entry]
            sd = np.sqrt(var_j[judge])
            alpha = (cut_high - fitted[at_high]) / sd[at_high]
            y[at_high] = fitted[at_high] + sd[at_high] * np.exp(_log_pdf(alpha) - special.log_ndtr(-alpha))
            beta = (cut_low - fitted[at_low]) / sd[at_low]
            y[at_low] = fitted[at_low] - sd[at_low] * np.exp(_log_pdf(beta) - special.log_ndtr(beta))
        if quality_prior:
            precision = 1.0 / max(float(np.var(x[scored])), 1e-6 * spread**2)
        new_x, _ = fit_entries(a, b, w, precision)
        change = float(np.max(np.abs(new_x - x))) if n_e else 0.0
        x = new_x
        if change < tolerance * spread:
            converged = True
            break
    _, den = fit_entries(a, b, w, precision)
    residual = y - a[judge] - b[judge] * x[entry]
    sigma = float(np.sqrt(np.dot(residual, residual) / dof)) if dof > 0 else float("nan")
    with np.errstate(divide="ignore"):
        se = np.where(scored & (den > 1e-12), 1.0 / np.sqrt(np.where(den > 1e-12, den, 1.0)), np.nan)
    quality = np.where(scored, mu + x, np.nan)
    noise = np.where(judge_n > 0, np.sqrt(1.0 / w), np.nan)
    return JudgeModelFit(
        entries=EntryEstimates(method="model", estimate=quality, se=se, n=entry_n),
        leniency=a,
        scale=b,
        noise=noise,
        judge_n=judge_n,
        residual=residual,
        sigma=sigma,
        iterations=iterations,
        converged=converged,
    )
