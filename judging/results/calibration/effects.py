"""Flags for organizers: a judge whose scores differ by an entry attribute that should not matter.

Pure numpy/scipy. For one attribute (the entry's category, its AI-use disclosure level)
and each judge and level, the judge's mean residual under the judge model on entries at
that level is compared with their mean on the other entries, in points. A difference is
flagged when it is both large (``min_points``) and improbable under the judge's own noise
(two-sided normal test, Bonferroni over every judge x level tested); per judge only the
level that stands out most is flagged (the other levels differ by contrast). For the category the
model's shrunk judge x category term is added back first, so the flag shows what the
judge did, not what is left after the correction. A flag is for an organizer to look
at; nothing is changed automatically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from judging.results.calibration.methods import JudgeModelFit, ScoreTable

MIN_SCORES = 3  # scores needed at the level and at the others for a judge to be tested


@dataclass(frozen=True)
class AttributeFlag:
    judge: int  # judge index
    level: int  # the attribute's level (dense index)
    n: int  # the judge's scores at that level
    difference: float  # points: mean residual at the level minus at the others
    p_value: float  # Bonferroni-adjusted


def attribute_flags(
    table: ScoreTable,
    fit: JudgeModelFit,
    attribute: ArrayLike,
    *,
    is_category: bool = False,
    alpha: float = 0.01,
    min_points: float = 0.5,
) -> list[AttributeFlag]:
    """Judges whose scores differ systematically by ``attribute`` (one level per entry, -1 unknown)."""
    levels = np.asarray(attribute, dtype=np.intp).ravel()
    if len(table) == 0 or len(levels) != table.n_entries or not np.any(levels >= 0):
        return []
    residual = fit.residual.copy()
    if is_category and fit.category_leniency is not None and table.entry_group is not None:
        groups = fit.category_leniency.shape[1]
        cat = np.where(table.entry_group >= 0, table.entry_group, groups - 1)
        residual += fit.category_leniency[table.judge, cat[table.entry]]
    level = levels[table.entry]
    known = level >= 0
    n_levels = int(levels.max()) + 1
    judge = table.judge[known]
    r = residual[known]
    cell = judge * n_levels + level[known]
    size = table.n_judges * n_levels
    n = np.bincount(cell, minlength=size).reshape(table.n_judges, n_levels).astype(np.float64)
    total = np.bincount(cell, weights=r, minlength=size).reshape(table.n_judges, n_levels)
    n_other = n.sum(axis=1, keepdims=True) - n
    other = total.sum(axis=1, keepdims=True) - total
    tested = (n >= MIN_SCORES) & (n_other >= MIN_SCORES)
    if not tested.any():
        return []
    with np.errstate(invalid="ignore", divide="ignore"):
        difference = total / n - other / n_other
        se = fit.noise[:, None] * np.sqrt(1.0 / n + 1.0 / n_other)
        p = 2 * stats.norm.sf(np.abs(difference / se))
    adjusted = np.minimum(p * int(tested.sum()), 1.0)
    hits = tested & (adjusted < alpha) & (np.abs(difference) >= min_points)
    # One flag per judge: the level that stands out most (the others differ by contrast); with
    # two levels both stand out equally, and the smaller group is the one that is different.
    strength = np.where(hits, np.round(np.abs(difference), 6) - 1e-9 * n, -1.0)
    strongest = np.argmax(strength, axis=1)
    hits &= np.arange(n_levels)[None, :] == strongest[:, None]
    return [
        AttributeFlag(
            judge=int(j),
            level=int(lv),
            n=int(n[j, lv]),
            difference=float(difference[j, lv]),
            p_value=float(adjusted[j, lv]),
        )
        for j, lv in zip(*np.nonzero(hits), strict=True)
    ]
