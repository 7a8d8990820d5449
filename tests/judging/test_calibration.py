"""Calibration math on small hand-checked cases, and the methods' order on a seeded simulation.

Tolerances: closed-form cases are exact up to float rounding (1e-12); the judge model is
iterative and stops when no estimate moves by more than 1e-6 of the scores' spread, so
noise-free recoveries are checked to 1e-4 points.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from judging.results.calibration import (
    CalibrationError,
    ScoreTable,
    calibrate,
    cut_report,
    fit_judge_model,
    judge_zscores,
    rank_entries,
    raw_mean,
    share_to_count,
    zscore_mean,
)
from judging.results.calibration.effects import attribute_flags
from judging.results.calibration.methods import EntryEstimates
from judging.results.calibration.ranking import least_certain
from judging.results.calibration.simulation import (
    N_CATEGORIES,
    WORLDS,
    adaptive_pass,
    assess_all,
    balanced_assigner,
    balanced_assignment,
    calibrate_world,
    first_pass,
    make_world,
    run_simulation,
    simulate_edition,
)


def estimates(values: list[float], se: float = 0.0) -> EntryEstimates:
    array = np.array(values, dtype=float)
    return EntryEstimates("t", array, np.full(len(array), se), np.ones(len(array), dtype=np.intp))


def test_raw_mean_and_pooled_standard_error() -> None:
    # Entry 0: 4 and 6; entry 1: 8; entry 2 nobody scored.
    table = ScoreTable.build([0, 1, 0], [0, 0, 1], [4, 6, 8], n_entries=3)
    result = raw_mean(table)
    assert result.estimate[:2].tolist() == [5.0, 8.0]
    assert math.isnan(result.estimate[2])
    # Residuals -1, +1, 0 over 3 - 2 scored entries: sigma = sqrt(2).
    assert result.se[:2] == pytest.approx([1.0, math.sqrt(2)], abs=1e-12)
    assert result.n.tolist() == [2, 1, 0]


def test_judge_zscores_standardize_each_judge_on_their_own_spread() -> None:
    # Judge 0 gives 2, 4, 6 (mean 4, sd 2); judge 1 gives 7, 9, 8 (mean 8, sd 1).
    table = ScoreTable.build([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], [2, 4, 6, 7, 9, 8])
    assert judge_zscores(table).tolist() == pytest.approx([-1, 0, 1, -1, 1, 0], abs=1e-12)
    assert zscore_mean(table).estimate.tolist() == pytest.approx([-1.0, 0.5, 0.5], abs=1e-12)


def test_judge_with_one_score_or_no_spread_uses_the_pooled_spread() -> None:
    table = ScoreTable.build([0, 0, 1], [0, 1, 2], [5, 5, 9])
    z = judge_zscores(table)
    # Judge 0 gave the same score twice: both at their mean. Judge 1 has one score.
    assert z.tolist() == [0.0, 0.0, 0.0]


def test_judge_model_recovers_leniency_and_scale_without_noise() -> None:
    quality = np.array([3.0, 4.0, 5.5, 6.0, 7.0, 9.0])
    leniency = np.array([-1.0, 1.0, 0.5, -0.5])  # mean 0
    scale = np.array([0.5, 1.5, 1.25, 0.75])  # mean 1
    grid_judge, grid_entry = np.meshgrid(np.arange(4), np.arange(6), indexing="ij")
    judge, entry = grid_judge.ravel(), grid_entry.ravel()
    center = 5.0
    score = center + leniency[judge] + scale[judge] * (quality[entry] - center)
    fit = fit_judge_model(ScoreTable.build(judge, entry, score), prior_scores=0.0, quality_prior=False, tolerance=1e-10)
    assert fit.converged
    # The model centres on the mean score, which moves leniency by (c - mu)(1 - b).
    mu = float(score.mean())
    assert fit.entries.estimate == pytest.approx(quality, abs=1e-4)
    assert fit.scale == pytest.approx(scale, abs=1e-4)
    assert fit.leniency == pytest.approx(leniency + (center - mu) * (1 - scale), abs=1e-4)
    assert fit.residual == pytest.approx(np.zeros(24), abs=1e-4)


def test_judge_model_standard_error_shrinks_with_more_judges() -> None:
    rng = np.random.default_rng(3)
    judge = np.concatenate([np.arange(6), np.arange(2), rng.integers(0, 6, 60)])
    entry = np.concatenate([np.zeros(6, int), np.ones(2, int), rng.integers(2, 22, 60)])
    fit = fit_judge_model(ScoreTable.build(judge, entry, rng.normal(5, 1, len(judge))))
    assert fit.entries.n[:2].tolist() == [6, 2]
    assert fit.entries.se[0] < fit.entries.se[1]


def test_censored_scores_at_the_top_of_the_scale_keep_the_best_entries_apart() -> None:
    # A lenient judge gives 10 to both entries 0 and 1; a strict one separates them.
    table = ScoreTable.build([0, 0, 0, 0, 1, 1, 1, 1], [0, 1, 2, 3, 0, 1, 2, 3], [10, 10, 8, 6, 9, 7, 5, 3], n_judges=2)
    fit = fit_judge_model(table, bounds=(1, 10), resolution=1.0)
    assert fit.entries.estimate[0] > fit.entries.estimate[1] > fit.entries.estimate[2] > fit.entries.estimate[3]


def test_rank_entries_shares_ranks_between_equal_estimates() -> None:
    ranking = rank_entries(estimates([5.0, 7.0, 7.0, 3.0], se=0.5))
    assert ranking.order.tolist() == [1, 2, 0, 3]
    assert ranking.rank.tolist() == [1, 1, 3, 4]
    assert ranking.low.tolist() == pytest.approx([7 - 0.98, 7 - 0.98, 5 - 0.98, 3 - 0.98], abs=1e-3)


def test_cut_report_sets_exact_ties_across_the_cut_apart() -> None:
    ranking = rank_entries(estimates([9.0, 8.0, 8.0, 7.0], se=0.1))
    report = cut_report(ranking, 2)
    assert report.needs_decision
    assert report.advancing.tolist() == [0]
    assert report.tied.tolist() == [1, 2]
    clean = cut_report(ranking, 1)
    assert (clean.needs_decision, clean.advancing.tolist(), clean.close_calls.tolist()) == (False, [0], [])


def test_cut_report_lists_close_calls_whose_interval_contains_the_cut() -> None:
    ranking = rank_entries(estimates([9.0, 8.0, 7.8, 5.0], se=0.2))
    report = cut_report(ranking, 2)
    assert report.needs_decision is False
    assert report.advancing.tolist() == [0, 1]
    assert report.close_calls.tolist() == [1, 2]
    assert report.cut_value == pytest.approx(7.9)


def test_share_to_count_rounds_up() -> None:
    assert [share_to_count(0.1, 95), share_to_count(0.1, 100), share_to_count(0.001, 10)] == [10, 10, 1]


def test_disagreement_flags_an_entry_whose_judges_split() -> None:
    rng = np.random.default_rng(5)
    quality = rng.normal(5.5, 1.5, 200)
    judge, entry = balanced_assignment(200, 10, 3, rng)
    score = quality[entry] + rng.normal(0, 0.5, len(entry))
    # Entry 0: one judge loves it, two hate it.
    score[entry == 0] = [10.0, 1.0, 1.0]
    result = calibrate(ScoreTable.build(judge, entry, score))
    assert result.disagreement.spread[0] == 9.0
    assert bool(result.disagreement.flagged[0])
    assert int(result.disagreement.flagged.sum()) <= 6  # about 1 % false alarms at alpha 0.01


def test_score_table_rejects_bad_input() -> None:
    with pytest.raises(CalibrationError, match="same length"):
        ScoreTable.build([0, 1], [0], [1, 2])
    with pytest.raises(CalibrationError, match="finite"):
        ScoreTable.build([0], [0], [float("nan")])
    with pytest.raises(CalibrationError, match="out of range"):
        ScoreTable.build([0, 3], [0, 0], [1, 2], n_judges=2)


def test_empty_table_calibrates_to_nothing() -> None:
    result = calibrate(ScoreTable.build([], [], [], n_judges=2, n_entries=3))
    assert len(result.ranking("model")) == 0
    assert result.disagreement.flagged.tolist() == [False, False, False]


def test_balanced_assignment_is_seeded_distinct_and_balanced() -> None:
    judge, entry = balanced_assignment(500, 30, 3, np.random.default_rng(1))
    again, _ = balanced_assignment(500, 30, 3, np.random.default_rng(1))
    assert judge.tolist() == again.tolist()
    hands = judge.reshape(500, 3)
    assert all(len(set(hand)) == 3 for hand in hands.tolist())
    loads = np.bincount(judge, minlength=30)
    assert int(loads.max() - loads.min()) <= 1
    assert entry.tolist() == np.repeat(np.arange(500), 3).tolist()


def test_model_beats_z_beats_raw_on_a_seeded_simulation() -> None:
    report = run_simulation(n_entries=600, n_judges=20, k=3, seeds=(1, 2, 3))
    raw, z, model = (report.mean(m) for m in ("raw", "z", "model"))
    assert model.tau > z.tau > raw.tau
    assert model.shortlist_recall >= 0.95


def demo_shaped_table(seed: int) -> ScoreTable:
    """3 judges x 11 entries, every entry scored by every judge: the demo edition's shape."""
    rng = np.random.default_rng(seed)
    quality = rng.integers(0, 6, 11)
    severity = np.array([0, 1, 2])
    grid_judge, grid_entry = np.meshgrid(np.arange(3), np.arange(11), indexing="ij")
    judge, entry = grid_judge.ravel(), grid_entry.ravel()
    points = np.clip(3 + quality[entry] + rng.integers(0, 3, len(entry)) - severity[judge], 1, 10)
    return ScoreTable.build(judge, entry, (points - 1) * 10 / 9)  # totals on 0-10, as the results page sees


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_tiny_fully_crossed_edition_keeps_the_z_score_order_and_its_spread(seed: int) -> None:
    result = calibrate(demo_shaped_table(seed), bounds=(0.0, 10.0), resolution=10 / 9)
    model, zs = result.model.entries, result.z
    assert result.model.converged, result.model.problem
    assert result.primary == "model"
    assert stats.kendalltau(model.estimate, zs.estimate).statistic >= 0.85
    # Not collapsed: the calibrated scores spread like the raw means, with real intervals.
    assert float(np.std(model.estimate)) >= 0.8 * float(np.std(result.raw.estimate))
    assert len(np.unique(np.round(model.estimate, 2))) >= 5
    assert float(np.median(model.se)) > 0.2


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_two_judges_per_entry_at_6000_entries_never_collapses(seed: int) -> None:
    edition = simulate_edition(n_entries=6000, n_judges=60, k=2, seed=seed)
    fit = fit_judge_model(edition.table, bounds=(1.0, 10.0), resolution=1.0)
    assert fit.converged, fit.problem
    # The true quality sd is 1.5 points of an average judge (times the judges' mean scale).
    assert 1.2 < fit.quality_sd < 1.9
    raw = raw_mean(edition.table).estimate
    assert float(np.std(fit.entries.estimate)) > 0.8 * float(np.std(raw))


def test_pure_noise_scores_are_reported_as_a_degenerate_fit_and_ranked_by_z_scores() -> None:
    rng = np.random.default_rng(11)
    judge, entry = balanced_assignment(300, 20, 3, rng)
    table = ScoreTable.build(judge, entry, rng.normal(5.5, 1.5, len(judge)))
    result = calibrate(table)
    assert result.model.converged is False
    assert "collapsed" in result.model.problem
    assert result.model.quality_sd < 0.2 * float(np.std(table.score))
    assert result.primary == "z"
    assert result.ranking().method == "z"
    assert result.note.startswith("The judge model cannot be trusted on these scores (the fitted quality spread")


def test_unsettled_iterations_are_not_reported_as_converged() -> None:
    edition = simulate_edition(n_entries=600, n_judges=20, k=3, seed=1)
    fit = fit_judge_model(edition.table, max_iterations=2)
    assert (fit.converged, fit.problem) == (False, "the estimates were still moving after 2 iterations")


def test_least_certain_entries_are_those_nearest_the_cut() -> None:
    ranking = rank_entries(estimates([9.0, 8.0, 7.9, 7.0, 5.0], se=0.2))
    cut = cut_report(ranking, 2)
    assert cut.cut_value == pytest.approx(7.95)
    assert least_certain(ranking, cut, 2).tolist() == [1, 2]
    assert least_certain(ranking, cut, 3).tolist() == [1, 2, 3]
    assert cut.p_above.tolist() == pytest.approx([0.5987, 0.4013], abs=1e-4)


def test_adaptive_judging_spends_exactly_the_budget_where_the_cut_is_uncertain() -> None:
    world = make_world("textbook", n_entries=2000, n_judges=30, seed=4)
    rng = np.random.default_rng(4)
    first = first_pass(world, k=2, rng=rng, assign=balanced_assigner)
    more = adaptive_pass(world, first, budget=2000, batches=4, shortlist=0.05, rng=rng)
    assert len(more) == len(first) + 2000
    extra = more.entry_counts() - first.entry_counts()
    true_rank = np.argsort(np.argsort(-world.truth))
    near_cut = np.abs(true_rank - 100) <= 20
    far = true_rank >= 1000  # the bottom half never needs another look
    assert extra[near_cut].mean() > 2.5 > 0.5 > extra[far].mean()
    quality = assess_all(calibrate_world(more, world), world)["model"]
    uniform = assess_all(calibrate_world(first_pass(world, k=3, rng=rng, assign=balanced_assigner), world), world)
    assert quality.recall >= uniform["model"].recall
    assert quality.recall >= 0.95


@pytest.mark.parametrize("name", WORLDS)
def test_every_world_scores_on_the_scale_and_the_model_does_not_collapse(name: str) -> None:
    world = make_world(name, n_entries=1000, n_judges=20, seed=2)
    table = first_pass(world, k=2, rng=np.random.default_rng(2), assign=balanced_assigner)
    assert set(np.unique(table.score).tolist()) <= set(range(1, 11))
    assert (len(table) < 2000) is (name == "unfinished")
    result = calibrate_world(table, world)
    assert result.model.converged, result.model.problem


def test_a_judge_harsh_on_heavy_ai_films_is_flagged_and_nobody_else() -> None:
    world = make_world("ai_bias", n_entries=3000, n_judges=30, seed=6)
    table = first_pass(world, k=3, rng=np.random.default_rng(6), assign=balanced_assigner)
    result = calibrate_world(table, world)
    flags = attribute_flags(table, result.model, world.ai_level)
    biased = set(np.flatnonzero(world.ai_penalty > 0).tolist())
    found = {f.judge for f in flags if f.level == 2}
    assert found <= biased and len(found) >= len(biased) - 1  # a very noisy one may hide
    assert all(f.difference <= -0.5 for f in flags if f.level == 2)
    assert {(f.judge, f.level) for f in flags} == {(j, 2) for j in found}  # one flag per judge, nobody else


def test_the_judge_by_category_term_corrects_a_judge_harsh_on_one_category_and_flags_it() -> None:
    world = make_world("textbook", n_entries=3000, n_judges=30, seed=7)
    harsh = replace(world, category_leniency=world.category_leniency.copy())
    harsh.category_leniency[4, 1] = -2.0  # judge 4 is harsh on category 1 only
    table = first_pass(harsh, k=3, rng=np.random.default_rng(7), assign=balanced_assigner)
    plain = calibrate_world(replace(table, entry_group=None), harsh)
    corrected = calibrate_world(table, harsh)
    assert corrected.model.category_leniency is not None
    own_terms = corrected.model.category_leniency[4, :N_CATEGORIES]
    contrast = own_terms[1] - np.delete(own_terms, 1).mean()  # the rest of the harshness sits in leniency
    assert contrast == pytest.approx(-2.0, abs=0.5)
    own = table.entry[table.judge == 4]
    victims = own[harsh.category[own] == 1]
    error = corrected.model.entries.estimate[victims] - harsh.target(table.judge_counts() / len(table))[victims]
    error_plain = plain.model.entries.estimate[victims] - harsh.target(table.judge_counts() / len(table))[victims]
    assert abs(float(error.mean())) < 0.5 * abs(float(error_plain.mean()))
    flags = attribute_flags(table, corrected.model, harsh.category, is_category=True)
    assert [(f.judge, f.level) for f in flags] == [(4, 1)]
    # Without any such effect the term stays (nearly) off.
    clean = calibrate_world(first_pass(world, k=3, rng=np.random.default_rng(7), assign=balanced_assigner), world)
    assert clean.model.category_sd < 0.15
