"""Reads for results: a round's calibrated ranking, per-judge and per-criterion detail.

Only counted scores take part (``counted_scores``: submitted, not excluded, with a total,
of an entry that still competes, by a judge not conflicted with it now). ``Score.total`` is
on 0-10 whatever the rubric, so the judge model treats a total of exactly 0 or 10 as
censored (every criterion at the end of its scale). One query loads a round's scores
(streamed with ``.iterator()``) and one the entries' categories and AI-use levels (the
judge x category term, and the flags for judges whose scores differ by either);
calibration then runs in numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.db.models import Max
from numpy.typing import NDArray

from festival.models import JudgeMembership
from judging.assignment.conflict_check import Conflicts, round_conflicts
from judging.models import AdvancementMode, Criterion, Round
from judging.results.calibration import Calibration, CutReport, ScoreTable, calibrate, cut_report, share_to_count
from judging.results.calibration.effects import attribute_flags
from judging.rounds.competition import competing, competing_entries, competing_submissions
from judging.scoring.selectors import counted_scores
from submissions.models import Submission

TOTAL_BOUNDS = (0.0, 10.0)
# ResultRow.at_cut values.
ADVANCES = "advances"
TIED_AT_CUT = "tied at the cut"
CHUNK = 2000
# The AI-use disclosure level of an entry: the largest share of runtime any stage declares.
AI_LEVELS = ("no AI use declared", "some AI use (under half the runtime)", "heavy AI use (half the runtime or more)")
HEAVY_AI_SHARE = 50


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
    categories: tuple[str, ...] = ()  # category index -> name
    ai_level: NDArray[np.intp] | None = None  # entry index -> index into AI_LEVELS

    @property
    def scored(self) -> int:
        return len(self.calibration.ranking())

    def advance_count(self) -> int | None:
        """How many entries the round's advancement rule sends on (None: no rule)."""
        if self.round.advancement_mode == AdvancementMode.TOP_N and self.round.advance_count is not None:
            return min(self.round.advance_count, self.scored)
        if self.round.advancement_mode == AdvancementMode.TOP_SHARE and self.round.advance_share is not None:
            return share_to_count(self.round.advance_share, self.scored)
        return None

    def cut(self) -> CutReport | None:
        count = self.advance_count()
        return cut_report(self.calibration.ranking(), count) if count is not None else None

    def submission_ids(self, indices: NDArray[np.intp]) -> list[int]:
        return [int(i) for i in self.entry_ids[indices]]


def total_resolution(round_: Round) -> float:
    """The step of the 0-10 total at the scale's ends: a total of 10 means "every criterion at its
    top", i.e. at least half a step below 10 before rounding. The weighted mean of the criteria's
    steps on 0-10 (one query; 0 for a round without a rubric)."""
    spans = list(Criterion.objects.filter(round=round_).values_list("weight", "scale_min", "scale_max"))
    total_weight = sum(weight for weight, _, _ in spans)
    if not total_weight:
        return 0.0
    return float(sum(weight * 10.0 / (high - low) for weight, low, high in spans) / total_weight)


def round_results(round_: Round) -> RoundResults:
    """Load and calibrate a round's counted scores (three queries, and the round's conflicts)."""
    judges: list[int] = []
    entries: list[int] = []
    totals: list[float] = []
    conflicts = round_conflicts(round_)
    rows = (
        counted_scores(round_, conflicts)
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
    group, names, ai_level = _entry_attributes(round_, entry_ids)
    return RoundResults(
        round=round_,
        calibration=calibrate(table.with_groups(group), bounds=TOTAL_BOUNDS, resolution=total_resolution(round_)),
        entry_ids=entry_ids,
        judge_ids=judge_ids,
        entries_in_round=competing_entries(round_).count(),
        conflicts=conflicts,
        categories=names,
        ai_level=ai_level,
    )


def _entry_attributes(
    round_: Round, entry_ids: NDArray[np.int64]
) -> tuple[NDArray[np.intp], tuple[str, ...], NDArray[np.intp]]:
    """Per entry index: its category (dense index, -1 none) and AI-use level; category names (one query)."""
    position = {int(pk): i for i, pk in enumerate(entry_ids.tolist())}
    group = np.full(len(entry_ids), -1, dtype=np.intp)
    ai_level = np.zeros(len(entry_ids), dtype=np.intp)
    names: dict[int, str] = {}
    index: dict[int, int] = {}
    rows = (
        Submission.objects.filter(round_entries__round=round_)
        .order_by()
        .annotate(ai_share=Max("ai_uses__runtime_share_percent"))
        .values_list("pk", "category_id", "category__name", "ai_share")
        .iterator(chunk_size=CHUNK)
    )
    for pk, category_id, category_name, ai_share in rows:
        at = position.get(pk)
        if at is None:
            continue  # in the round, no counted score yet
        if category_id is not None:
            if category_id not in index:
                index[category_id] = len(index)
                names[category_id] = category_name
            group[at] = index[category_id]
        share = ai_share or 0
        ai_level[at] = 0 if share <= 0 else (1 if share < HEAVY_AI_SHARE else 2)
    return group, tuple(names[c] for c in index), ai_level


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 4)


@dataclass(frozen=True)
class ResultRow:
    position: int
    rank: int  # the primary method's rank (the judge model's unless it failed); equal estimates share it
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
    close_call: bool  # in the tie band: the interval contains the cut
    p_above: float | None  # in the tie band: the probability that the entry belongs above the cut


def result_rows(
    results: RoundResults, *, titles: dict[int, str], limit: int | None = None, offset: int = 0
) -> Iterator[ResultRow]:
    """The round's entries in the primary order (best first), ``offset``..``offset+limit``.

    The interval is the primary method's (the judge model's unless it failed).
    """
    calib = results.calibration
    model = calib.ranking()
    stop = len(model) if limit is None else min(len(model), offset + limit)
    raw_rank = np.zeros(calib.table.n_entries, dtype=np.intp)
    z_rank = np.zeros(calib.table.n_entries, dtype=np.intp)
    raw_rank[calib.ranking("raw").order] = calib.ranking("raw").rank
    z_rank[calib.ranking("z").order] = calib.ranking("z").rank
    rank_counts = np.bincount(model.rank)
    cut = results.cut()
    advancing = set(cut.advancing.tolist()) if cut else set()
    tied = set(cut.tied.tolist()) if cut else set()
    band = dict(zip(cut.band.tolist(), cut.p_above.tolist(), strict=True)) if cut else {}
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
            model=_num(calib.model.entries.estimate[index]),
            se=_num(model.se[position]),
            low=_num(model.low[position]),
            high=_num(model.high[position]),
            spread=_num(calib.disagreement.spread[index]),
            flagged=bool(calib.disagreement.flagged[index]),
            at_cut=TIED_AT_CUT if index in tied else (ADVANCES if index in advancing else ""),
            close_call=index in band,
            p_above=_num(band[index]) if index in band else None,
        )


@dataclass(frozen=True)
class BandRow:
    submission_id: int
    title: str
    estimate: float | None
    low: float | None
    high: float | None
    p_above: float
    above: bool  # above the cut by point estimate (advances if the band is confirmed)


def titles_for(round_: Round, submission_ids: list[int] | None = None) -> dict[int, str]:
    """Titles of the round's competing entries (all, streamed, when ``submission_ids`` is None)."""
    qs = competing_submissions(round_)
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


@dataclass(frozen=True)
class FlagRow:
    """A judge whose scores differ systematically by something that should not matter."""

    name: str
    attribute: str  # "category" or "AI-use disclosure"
    level: str
    n_scores: int
    difference: float  # points: at this level minus the judge's other entries, after calibration
    p_value: float


def flag_rows(results: RoundResults, names: dict[int, str]) -> list[FlagRow]:
    """Flags for organizers (never an automatic change): category and AI-use disclosure level.

    The category's difference is before the judge x category term corrects it (what the
    judge did); the AI-use level is not in the model at all.
    """
    calib = results.calibration
    table = calib.table
    found: list[FlagRow] = []
    checks: list[tuple[str, NDArray[np.intp] | None, tuple[str, ...], bool]] = [
        ("category", table.entry_group, results.categories, True),
        ("AI-use disclosure", results.ai_level, AI_LEVELS, False),
    ]
    for label, attribute, level_names, is_category in checks:
        if attribute is None:
            continue
        for flag in attribute_flags(table, calib.model, attribute, is_category=is_category):
            membership_id = int(results.judge_ids[flag.judge])
            found.append(
                FlagRow(
                    name=names.get(membership_id, f"Judge #{membership_id}"),
                    attribute=label,
                    level=level_names[flag.level] if flag.level < len(level_names) else str(flag.level),
                    n_scores=flag.n,
                    difference=round(flag.difference, 2),
                    p_value=flag.p_value,
                )
            )
    found.sort(key=lambda row: (-abs(row.difference), row.name))
    return found


def criterion_stats(round_: Round, conflicts: Conflicts | None = None) -> list[CriterionStats]:
    """Per rubric criterion: how many values, their mean and spread, correlation with totals.

    Reads the counted scores' values in one streamed query (only the results page needs them).
    """
    pairs: dict[str, list[tuple[float, float]]] = {}
    rows = (
        counted_scores(round_, conflicts)
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
    for criterion in Criterion.objects.filter(round=round_).order_by("position", "pk"):
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
