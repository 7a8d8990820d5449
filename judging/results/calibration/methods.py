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
    entry_group: IntArray | None = None  # per entry: its category (0..G-1; -1 none), for the judge x category term

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

    def with_groups(self, group: ArrayLike) -> ScoreTable:
        """The same scores with each entry's category (dense 0..G-1, -1 for none)."""
        g = np.asarray(group, dtype=np.intp).ravel()
        if len(g) != self.n_entries:
            raise CalibrationError("one category per entry is needed.")
        return ScoreTable(self.judge, self.entry, self.score, self.n_judges, self.n_entries, entry_group=g)

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
    """The judge model's estimates: per entry and per judge (see the module docstring).

    ``converged`` is False when the iterations did not settle *or* when the fit is
    degenerate (``problem`` says which): the quality spread collapsed relative to the
    scores' spread, so the model would rank on noise; callers then fall back to z-scores.
    """

    entries: EntryEstimates  # quality on the score scale of the average judge
    leniency: FloatArray  # a_j, score points
    scale: FloatArray  # b_j
    noise: FloatArray  # sigma_j, score points
    judge_n: IntArray
    residual: FloatArray  # per score: score - fitted
    sigma: float  # pooled residual standard deviation
    iterations: int
    converged: bool
    quality_sd: float = float("nan")  # the prior's sd of quality (score points), fitted by EM
    problem: str = ""  # why the fit is not to be trusted ("" when converged)
    se_posterior: FloatArray | None = None  # the posterior sd alone (judges' parameters known)
    category_leniency: FloatArray | None = None  # judges x categories, points (shrunk; None without categories)
    category_sd: float = 0.0  # the fitted sd of the judge x category term (0: none found)


# A fit is degenerate when the fitted quality spread is below this share of the scores'
# spread, or when the calibrated estimates spread less than this share of the raw means.
DEGENERATE_SHARE = 0.2
# The judge x category term's prior sd never goes below this (points): see ``_category_term``.
CATEGORY_PRIOR_SD = 0.3


def _judge_regression(
    judge: IntArray,
    m: FloatArray,
    v: FloatArray,
    y: FloatArray,
    n_j: int,
    judge_n: IntArray,
    lam_a: float,
    lam_b: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per judge, the ridge regression of scores on qualities with E[x] = m, E[x²] = m² + v.

    Returns a, b and the normal equations' entries (n, s_x, s_xx) for the parameters' covariance.
    """
    s_x: FloatArray = np.bincount(judge, weights=m, minlength=n_j).astype(np.float64)
    s_xx = np.bincount(judge, weights=m * m + v, minlength=n_j).astype(np.float64)
    s_y = np.bincount(judge, weights=y, minlength=n_j)
    s_xy = np.bincount(judge, weights=m * y, minlength=n_j)
    n: FloatArray = (judge_n + lam_a).astype(np.float64)
    sxx: FloatArray = (s_xx + lam_b).astype(np.float64)
    det = n * sxx - s_x * s_x
    det = np.where(np.abs(det) > 1e-12, det, 1e-12)
    a: FloatArray = (s_y * sxx - s_x * (s_xy + lam_b)) / det
    b: FloatArray = (n * (s_xy + lam_b) - s_x * s_y) / det
    return a, b, n, s_x, sxx


def fit_judge_model(
    table: ScoreTable,
    *,
    prior_scores: float = 1.0,
    noise_prior_scores: float = 30.0,
    bounds: tuple[float, float] | None = None,
    resolution: float = 0.0,
    quality_prior: bool = True,
    max_iterations: int = 500,
    tolerance: float = 1e-4,
) -> JudgeModelFit:
    """Fit leniency, scale and noise per judge and quality per entry (see the module docstring).

    ``prior_scores``: how many pseudo-scores from an average judge each judge starts with
    (shrinks the leniency and scale of judges with few scores). ``noise_prior_scores``: the
    same for each judge's noise, shrunk towards the pooled noise.

    ``quality_prior`` (the default): qualities are a random effect, normal around the
    average film with a variance fitted by EM. The E-step gives each entry's posterior
    mean ``m_i`` and variance ``v_i``; the M-step re-estimates the prior variance as
    ``mean(m² + v)``, each judge's regression with ``E[x²] = m² + v`` and each judge's
    noise with ``b_j² v_i`` added to the squared residuals. Leaving ``v`` out (re-fitting
    the variance on the shrunk means alone) has an attractor at zero: every film then gets
    the same score. Without the prior, qualities are fixed effects fitted by alternating
    least squares.

    Standard errors: the posterior sd plus, by the delta method, the uncertainty of the
    judges' leniency and scale (their ridge regressions' covariance), so an entry whose
    judges have few scores gets a wider interval.

    ``bounds``: the ends of the rubric's scale. A score at an end is censored (a lenient
    judge gives 10 to a great film and to a greater one), so it is replaced, each
    iteration, by the expected score given the current fit and the fact that it reached
    the end (the EM step of a Tobit model). ``resolution``: the scale's step when scores
    are rounded to it (1 for integer scores): a 10 then means "at least 9.5".

    Degenerate fits (``problem``, ``converged=False``): the prior's quality sd below
    ``DEGENERATE_SHARE`` of the scores' sd, or the estimates' spread below that share of
    the raw means' spread.
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
    n_scored = max(int(np.count_nonzero(scored)), 1)
    # The judge x category term: one cell per (judge, category); the last category is "none".
    grouped = table.entry_group is not None and len(table.entry_group) == n_e
    n_groups = int(table.entry_group.max()) + 2 if grouped and table.entry_group is not None and n_e else 1
    if grouped and table.entry_group is not None:
        entry_cat = np.where(table.entry_group >= 0, table.entry_group, n_groups - 1)
        cell = judge * n_groups + entry_cat[entry]
        cell_n = np.bincount(cell, minlength=n_j * n_groups).astype(np.float64)
    cs = np.zeros(len(y))  # per score: its judge's leniency for the entry's category
    cat = np.zeros(n_j * n_groups)
    cat_var = 0.0
    dof = len(y) - int(np.count_nonzero(scored)) - 2 * int(np.count_nonzero(judge_n)) + 2
    weights = judge_n / max(int(judge_n.sum()), 1)

    def e_step(aj: FloatArray, bj: FloatArray, wj: FloatArray, precision: float) -> tuple[FloatArray, FloatArray]:
        # Posterior mean and variance of each entry's quality (from per-score a, b and w);
        # ``precision`` is the prior's (0 without the prior: least squares, and v is then
        # only the sampling variance).
        bw = bj * wj
        num = np.bincount(entry, weights=bw * (y - cs - aj), minlength=n_e)
        den = np.bincount(entry, weights=bw * bj, minlength=n_e) + precision
        safe = den > 1e-12
        m: FloatArray = np.where(safe, num / np.where(safe, den, 1.0), 0.0)
        v: FloatArray = np.where(safe, 1.0 / np.where(safe, den, 1.0), 0.0)
        return m, v

    # Start from the raw means, average judges with equal noise and a prior as wide as the scores.
    a = np.zeros(n_j)
    b = np.ones(n_j)
    w = np.full(n_j, 1.0 / spread**2)
    prior_var = spread**2
    precision = 1.0 / prior_var if quality_prior else 0.0
    m, v = e_step(a[judge], b[judge], w[judge], precision)
    if censored:
        high_at, low_at = np.flatnonzero(at_high), np.flatnonzero(at_low)
    iterations = 0
    settled = False
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (used after the loop)
        previous = m
        mi = m[entry]
        vi = v[entry] if quality_prior else np.zeros(len(y))
        x_var = float(np.mean(m[scored] ** 2 + (v[scored] if quality_prior else 0.0))) or 1.0
        a, b, *_ = _judge_regression(judge, mi, vi, y - cs, n_j, judge_n, prior_scores, prior_scores * x_var)
        # Fix the gauge: the average judge (weighted by scores) has a = 0 and b = 1; the
        # qualities move with it (x' = a_bar + b_bar x).
        a_bar = float(np.dot(weights, a))
        b_bar = float(np.dot(weights, b))
        if abs(b_bar) < 1e-9:
            b_bar = 1.0
        a = a - b * a_bar / b_bar
        b = b / b_bar
        m = a_bar + b_bar * m
        v = b_bar * b_bar * v
        mi = m[entry]
        vi = v[entry] if quality_prior else vi
        aj, bj = a[judge], b[judge]
        # Judges' noise, shrunk towards the pooled noise; weights are 1 / sigma_j².
        residual = y - cs - aj - bj * mi
        rss_j = np.bincount(judge, weights=residual * residual + bj * bj * vi, minlength=n_j)
        if quality_prior:
            pooled_var = float(rss_j.sum()) / len(y)
            var_j = (rss_j + noise_prior_scores * pooled_var) / (judge_n + noise_prior_scores)
        else:
            pooled_var = float(rss_j.sum()) / dof if dof > 0 else spread**2
            dof_factor = len(y) / dof if dof > 0 else 1.0
            var_j = (dof_factor * rss_j + noise_prior_scores * pooled_var) / (judge_n + noise_prior_scores)
        var_j = np.maximum(var_j, (0.05 * spread) ** 2)
        w = 1.0 / var_j
        if grouped:
            cat, cat_var = _category_term(residual + cs, cell, cell_n, var_j, n_j, n_groups)
            cs = cat[cell]
        if censored:
            for at, cut, sign in ((high_at, cut_high, 1.0), (low_at, cut_low, -1.0)):
                if len(at):
                    fitted = aj[at] + bj[at] * mi[at] + cs[at]
                    sd = np.sqrt(var_j[judge[at]] + bj[at] ** 2 * vi[at])
                    # E[y | y beyond the cut]: the inverse Mills ratio, on the cut's side.
                    alpha = sign * (cut - fitted) / sd
                    y[at] = fitted + sign * sd * np.exp(_log_pdf(alpha) - special.log_ndtr(-alpha))
        if quality_prior:
            # EM: the prior variance is the mean of E[x²] = m² + v, never of m² alone.
            prior_var = max(float(np.mean(m[scored] ** 2 + v[scored])), 1e-8 * spread**2)
            precision = 1.0 / prior_var
        m, v = e_step(aj, bj, w[judge], precision)
        # Against the previous E-step: the gauge's shift of m is not a change of the fit.
        change = float(np.max(np.abs(m - previous))) if n_e else 0.0
        if change < tolerance * spread:
            settled = True
            break
    residual = y - cs - a[judge] - b[judge] * m[entry]
    sigma = float(np.sqrt(np.dot(residual, residual) / dof)) if dof > 0 else float("nan")
    if censored:
        # A score at an end of the scale says "at least / at most": it carries only the
        # share lambda (lambda - alpha) of an exact score's information (Tobit), so an entry
        # full of 10s is less certain than its imputed scores pretend.
        info = np.ones(len(y))
        fitted = a[judge] + b[judge] * m[entry] + cs
        sd = np.sqrt(1.0 / w[judge] + b[judge] ** 2 * (v[entry] if quality_prior else 0.0))
        alpha = (cut_high - fitted[at_high]) / sd[at_high]
        lam = np.exp(_log_pdf(alpha) - special.log_ndtr(-alpha))
        info[at_high] = np.clip(lam * (lam - alpha), 0.0, 1.0)
        beta = (cut_low - fitted[at_low]) / sd[at_low]
        lam = np.exp(_log_pdf(beta) - special.log_ndtr(beta))
        info[at_low] = np.clip(lam * (lam + beta), 0.0, 1.0)
        den = np.bincount(entry, weights=w[judge] * b[judge] ** 2 * info, minlength=n_e) + precision
        v = np.where(den > 1e-12, 1.0 / np.where(den > 1e-12, den, 1.0), 0.0)
    extra = _judge_parameter_variance(table, y - cs, m, v, a, b, w, quality_prior, prior_scores)
    with np.errstate(invalid="ignore"):
        posterior_se = np.where(scored & (v > 0), np.sqrt(v), np.nan)
        se = np.where(scored & (v > 0), np.sqrt(v + extra), np.nan)
    quality = np.where(scored, mu + m, np.nan)
    noise = np.where(judge_n > 0, np.sqrt(1.0 / w), np.nan)
    quality_sd = float(np.sqrt(prior_var)) if quality_prior else float(np.std(m[scored]))
    problem = ""
    if not settled:
        problem = f"the estimates were still moving after {iterations} iterations"
    elif n_scored >= 3 and len(table) > n_scored:
        raw_means = np.bincount(entry, weights=table.score, minlength=n_e)[scored] / entry_n[scored]
        raw_spread = float(np.std(raw_means))
        model_spread = float(np.std(m[scored]))
        if quality_prior and quality_sd < DEGENERATE_SHARE * spread:
            problem = (
                f"the fitted quality spread ({quality_sd:.3g}) collapsed to under {DEGENERATE_SHARE:.0%} of the "
                f"scores' spread ({spread:.3g})"
            )
        elif raw_spread > 0 and model_spread < DEGENERATE_SHARE * raw_spread:
            problem = (
                f"the calibrated scores spread {model_spread:.3g}, under {DEGENERATE_SHARE:.0%} of the raw means' "
                f"spread ({raw_spread:.3g})"
            )
    return JudgeModelFit(
        entries=EntryEstimates(method="model", estimate=quality, se=se, n=entry_n),
        leniency=a,
        scale=b,
        noise=noise,
        judge_n=judge_n,
        residual=residual,
        sigma=sigma,
        iterations=iterations,
        converged=not problem,
        quality_sd=quality_sd,
        problem=problem,
        se_posterior=posterior_se,
        category_leniency=cat.reshape(n_j, n_groups) if grouped else None,
        category_sd=float(np.sqrt(cat_var)),
    )


def _category_term(
    residual: FloatArray, cell: IntArray, cell_n: FloatArray, var_j: FloatArray, n_j: int, n_groups: int
) -> tuple[FloatArray, float]:
    """Each judge's extra leniency per category, shrunk by empirical Bayes, and its variance.

    ``residual``: scores minus the rest of the fit. Per (judge, category) cell the mean
    residual has sampling variance ``sigma_j² / n``; the term's variance is what the cells'
    spread holds beyond that (method of moments, 0 when nothing is there), and each cell is
    shrunk by ``n / (n + sigma_j² / variance)``. Centred per category over judges (weighted
    by scores), so a category's films being better on average stays in their quality.
    """
    sums = np.bincount(cell, weights=residual, minlength=n_j * n_groups)
    has = cell_n > 0
    raw = np.where(has, sums / np.maximum(cell_n, 1.0), 0.0)
    noise = np.repeat(var_j, n_groups)
    sampling = np.where(has, noise / np.maximum(cell_n, 1.0), 0.0)
    weight = cell_n / max(float(cell_n.sum()), 1.0)
    variance = max(float(np.dot(weight, raw * raw)) - float(np.dot(weight, sampling)), 0.0)
    # The prior never goes below CATEGORY_PRIOR_SD: one judge harsh on one category is a
    # sparse effect that a population-wide variance would shrink away.
    prior = max(variance, CATEGORY_PRIOR_SD**2)
    shrunk = np.where(has, raw * cell_n / (cell_n + noise / prior), 0.0).reshape(n_j, n_groups)
    per_cat_n = cell_n.reshape(n_j, n_groups)
    centre = (shrunk * per_cat_n).sum(axis=0) / np.maximum(per_cat_n.sum(axis=0), 1.0)
    result: FloatArray = np.where(per_cat_n > 0, shrunk - centre[None, :], 0.0).ravel()
    return result, variance


def _judge_parameter_variance(
    table: ScoreTable,
    y: FloatArray,
    m: FloatArray,
    v: FloatArray,
    a: FloatArray,
    b: FloatArray,
    w: FloatArray,
    quality_prior: bool,
    prior_scores: float,
) -> FloatArray:
    """Per entry, the variance its estimate gets from its judges' uncertain leniency and scale.

    Delta method: ``m_i = sum_j w_j b_j (y_ij - a_j) / P_i`` with ``P_i = 1/t² + sum_j w_j b_j²``,
    so ``dm/da_j = -w_j b_j / P_i`` and ``dm/db_j = w_j (y_ij - a_j - 2 b_j m_i) / P_i``; each
    judge's (a_j, b_j) has covariance ``sigma_j² G_j⁻¹`` from their regression's normal
    equations ``G_j``. Judges are taken as independent of one another.
    """
    judge, entry = table.judge, table.entry
    mi = m[entry]
    vi = v[entry] if quality_prior else np.zeros(len(y))
    x_var = float(np.mean(mi * mi + vi)) or 1.0
    _, _, n, s_x, sxx = _judge_regression(
        judge, mi, vi, y, table.n_judges, table.judge_counts(), prior_scores, prior_scores * x_var
    )
    det = n * sxx - s_x * s_x
    det = np.where(np.abs(det) > 1e-12, det, 1e-12)
    var_j = 1.0 / w
    c_aa, c_ab, c_bb = var_j * sxx / det, -var_j * s_x / det, var_j * n / det
    wj = w[judge]
    ga = -wj * b[judge] * v[entry]
    gb = wj * (y - a[judge] - 2 * b[judge] * mi) * v[entry]
    q = ga * ga * c_aa[judge] + 2 * ga * gb * c_ab[judge] + gb * gb * c_bb[judge]
    result: FloatArray = np.bincount(entry, weights=q, minlength=table.n_entries).astype(np.float64)
    return result
