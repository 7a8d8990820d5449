"""Reads for results: a round's calibrated ranking, per-judge and per-criterion detail.

Only counted scores take part (``counted_scores``: submitted, not excluded, with a total,
of an entry that still competes, by a judge not conflicted with it now). ``Score.total`` is
on 0-10 whatever the rubric, so the judge model treats a total of exactly 0 or 10 as
censored (every criterion at the end of its scale). One query loads a round's scores
(streamed with ``.iterator()``); calibration then runs in numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from festival.models import Edition, JudgeMembership
from judging.calibration import Calibration, CutReport, ScoreTable, calibrate, cut_report, share_to_count
from judging.competition import competing, competing_entries, competing_submissions
from judging.conflict_check import Conflicts, round_conflicts
from judging.models import AdvancementMode, Criterion, Round
from judging.selectors import counted_scores
from submissions.models import Submission

TOTAL_BOUNDS = (0.0, 10.0)
# ResultRow.at_cut values.
ADVANCES = "advances"
TIED_AT_CUT = "tied at the cut"
CHUNK = 2000


@dataclass(frozen=True)
class CriterionStats:
    criterion: Criterion
    n: int
    mean: float
    sd: float
    correlation: float  # with the score's total: how much this criterion drives the ranking


@dataclass(frozen=True)
class RoundResults:
    """A round's counted scores, calibrated, with the ids behind the arrays' indices."""

    round: Round
    calibration: Calibration
    entry_ids: NDArray[np.int64]  # entry index -> submission id
    judge_ids: NDArray[np.int64]  # judge index -> JudgeMembership id
    entries_in_round: int
    conflicts: Conflicts  # read once per request: the per-criterion stats reuse them

    @property
    def scored(self) -> int:
        return len(self.calibration.ranking("model"))

    def advance_count(self) -> int | None:
        """How many entries the round's advancement rule sends on (None: no rule)."""
        if self.round.advancement_mode == AdvancementMode.TOP_N and self.round.advance_count is not None:
            return min(self.round.advance_count, self.scored)
        if self.round.advancement_mode == AdvancementMode.TOP_SHARE and self.round.advance_share is not None:
            return share_to_count(self.round.advance_share, self.scored)
        return None

    def cut(self) -> CutReport | None:
        count = self.advance_count()
        return cut_report(self.calibration.ranking("model"), count) if count is not None else None

    def submission_ids(self, indices: NDArray[np.intp]) -> list[int]:
        return [int(i) for i in self.entry_ids[indices]]


def total_resolution(round: Round) -> float:
    """The step of the 0-10 total at the scale's ends: a total of 10 means "every criterion at its
    top", i.e. at least half a step below 10 before rounding. The weighted mean of the criteria's
    steps on 0-10 (one query; 0 for a round without a rubric)."""
    spans = list(Criterion.objects.filter(round=round).values_list("weight", "scale_min", "scale_max"))
    total_weight = sum(weight for weight, _, _ in spans)
    if not total_weight:
        return 0.0
    return float(sum(weight * 10.0 / (high - low) for weight, low, high in spans) / total_weight)


def round_results(round: Round) -> RoundResults:
    """Load and calibrate a round's counted scores (three queries, and the round's conflicts)."""
    judges: list[int] = []
    entries: list[int] = []
    totals: list[float] = []
    conflicts = round_conflicts(round)
    rows = (
        counted_scores(round, conflicts)
        .filter(total__isnull=False)
        .order_by()
        .values_list("judge_id", "submission_id", "total")
        .iterator(chunk_size=CHUNK)
    )
    for judge_id, submission_id, total in rows:
        judges.append(judge_id)
        entries.append(submission_id)
        totals.append(float(total or 0.0))  # the filter excludes missing totals
    judge_ids, judge_index = np.unique(np.asarray(judges, dtype=np.int64), return_inverse=True)
    entry_ids, entry_index = np.unique(np.asarray(entries, dtype=np.int64), return_inverse=True)
    table = ScoreTable.build(
        judge_index,
        entry_index,
        np.asarray(totals, dtype=np.float64),
        n_judges=len(judge_ids),
        n_entries=len(entry_ids),
    )
    return RoundResults(
        round=round,
        calibration=calibrate(table, bounds=TOTAL_BOUNDS, resolution=total_resolution(round)),
        entry_ids=entry_ids,
        judge_ids=judge_ids,
        entries_in_round=competing_entries(round).count(),
        conflicts=conflicts,
    )


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 4)


@dataclass(frozen=True)
class ResultRow:
    position: int
    rank: int  # judge model's rank; equal estimates share it
    tied: bool  # shares its rank with another entry
    submission_id: int
    title: str
    n_scores: int
    raw: float | None
    raw_rank: int
    z: float | None
    z_rank: int
    model: float | None
    se: float | None
    low: float | None
    high: float | None
    spread: float | None
    flagged: bool
    at_cut: str  # "advances", "tied at the cut", "" (no rule or below)
    close_call: bool


def result_rows(
    results: RoundResults, *, titles: dict[int, str], limit: int | None = None, offset: int = 0
) -> Iterator[ResultRow]:
    """The round's entries in the model's order (best first), ``offset``..``offset+limit``."""
    calib = results.calibration
    model = calib.ranking("model")
    stop = len(model) if limit is None else min(len(model), offset + limit)
    raw_rank = np.zeros(calib.table.n_entries, dtype=np.intp)
    z_rank = np.zeros(calib.table.n_entries, dtype=np.intp)
    raw_rank[calib.ranking("raw").order] = calib.ranking("raw").rank
    z_rank[calib.ranking("z").order] = calib.ranking("z").rank
    rank_counts = np.bincount(model.rank)
    cut = results.cut()
    advancing = set(cut.advancing.tolist()) if cut else set()
    tied = set(cut.tied.tolist()) if cut else set()
    close = set(cut.close_calls.tolist()) if cut else set()
    for position in range(offset, stop):
        index = int(model.order[position])
        submission_id = int(results.entry_ids[index])
        rank = int(model.rank[position])
        yield ResultRow(
            position=position + 1,
            rank=rank,
            tied=bool(rank_counts[rank] > 1),
            submission_id=submission_id,
            title=titles.get(submission_id, f"Entry #{submission_id}"),
            n_scores=int(calib.raw.n[index]),
            raw=_num(calib.raw.estimate[index]),
            raw_rank=int(raw_rank[index]),
            z=_num(calib.z.estimate[index]),
            z_rank=int(z_rank[index]),
            model=_num(model.estimate[position]),
            se=_num(calib.model.entries.se[index]),
            low=_num(model.low[position]),
            high=_num(model.high[position]),
            spread=_num(calib.disagreement.spread[index]),
            flagged=bool(calib.disagreement.flagged[index]),
            at_cut=TIED_AT_CUT if index in tied else (ADVANCES if index in advancing else ""),
            close_call=index in close,
        )


def titles_for(round: Round, submission_ids: list[int] | None = None) -> dict[int, str]:
    """Titles of the round's competing entries (all, streamed, when ``submission_ids`` is None)."""
    qs = competing_submissions(round)
    if submission_ids is not None:
        qs = Submission.objects.filter(competing(""), pk__in=submission_ids)
    return dict(qs.order_by().values_list("pk", "title").iterator(chunk_size=CHUNK))


@dataclass(frozen=True)
class JudgeRow:
    membership_id: int
    name: str
    n_scores: int
    mean: float | None
    leniency: float | None
    scale: float | None
    noise: float | None


def judge_rows(results: RoundResults) -> list[JudgeRow]:
    """Per judge: how many scores, their mean, and the model's leniency, scale and noise."""
    calib = results.calibration
    table = calib.table
    counts = table.judge_counts()
    sums = np.bincount(table.judge, weights=table.score, minlength=table.n_judges)
    members = {
        m.pk: m
        for m in JudgeMembership.objects.filter(pk__in=[int(i) for i in results.judge_ids]).select_related("user")
    }
    rows = []
    for index, membership_id in enumerate(results.judge_ids.tolist()):
        member = members.get(membership_id)
        rows.append(
            JudgeRow(
                membership_id=membership_id,
                name=str(member.user) if member else f"Judge #{membership_id}",
                n_scores=int(counts[index]),
                mean=_num(sums[index] / counts[index]) if counts[index] else None,
                leniency=_num(calib.model.leniency[index]),
                scale=_num(calib.model.scale[index]),
                noise=_num(calib.model.noise[index]),
            )
        )
    rows.sort(key=lambda row: (-(row.leniency or 0.0), row.membership_id))
    return rows


def criterion_stats(round: Round, conflicts: Conflicts | None = None) -> list[CriterionStats]:
    """Per rubric criterion: how many values, their mean and spread, correlation with totals.

    Reads the counted scores' values in one streamed query (only the results page needs them).
    """
    pairs: dict[str, list[tuple[float, float]]] = {}
    rows = (
        counted_scores(round, conflicts)
        .filter(total__isnull=False)
        .order_by()
        .values_list("values", "total")
        .iterator(chunk_size=CHUNK)
    )
    for values, total in rows:
        for key, raw in (values or {}).items():
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                pairs.setdefault(str(key), []).append((float(raw), float(total or 0.0)))
    stats = []
    for criterion in Criterion.objects.filter(round=round).order_by("position", "pk"):
        found = pairs.get(str(criterion.pk), [])
        if found:
            array = np.asarray(found, dtype=np.float64)
            mean, sd = float(array[:, 0].mean()), float(array[:, 0].std())
            varies = len(found) > 2 and array[:, 0].std() > 0 and array[:, 1].std() > 0
            correlation = float(np.corrcoef(array[:, 0], array[:, 1])[0, 1]) if varies else float("nan")
        else:
            mean = sd = correlation = float("nan")
        stats.append(CriterionStats(criterion=criterion, n=len(found), mean=mean, sd=sd, correlation=correlation))
    return stats


def rounds_of(edition: Edition) -> list[Round]:
    return list(Round.objects.filter(edition=edition).order_by("position"))


def next_round(round: Round) -> Round | None:
    return Round.objects.filter(edition_id=round.edition_id, position__gt=round.position).order_by("position").first()
