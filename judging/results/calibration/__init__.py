"""Calibration and ranking of judges' scores (pure numpy/scipy; no Django imports)."""

from judging.results.calibration.methods import (
    CalibrationError,
    EntryEstimates,
    JudgeModelFit,
    ScoreTable,
    fit_judge_model,
    judge_zscores,
    raw_mean,
    zscore_mean,
)
from judging.results.calibration.ranking import (
    Calibration,
    CutReport,
    Disagreement,
    Ranking,
    calibrate,
    cut_report,
    disagreement,
    least_certain,
    p_above_cut,
    rank_entries,
    share_to_count,
)

__all__ = [
    "Calibration",
    "CalibrationError",
    "CutReport",
    "Disagreement",
    "EntryEstimates",
    "JudgeModelFit",
    "Ranking",
    "ScoreTable",
    "calibrate",
    "cut_report",
    "disagreement",
    "fit_judge_model",
    "judge_zscores",
    "least_certain",
    "p_above_cut",
    "rank_entries",
    "raw_mean",
    "share_to_count",
    "zscore_mean",
]
