"""Writes of stored rankings: compute a round's calibrated ranking in a worker and keep it.

``refresh_round_ranking`` is the one place a ranking is computed for readers (the Celery
task ``judging.refresh_ranking`` calls it); ``request_ranking_refresh`` queues it at most
once per round at a time (a cache lock shared by every web host), so a burst of score
changes or page views costs one computation, not one per request.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict
from typing import Any

from django.core.cache import cache
from django.db import transaction

from judging.models import RankingRow, RankingSnapshot, Round
from judging.results import plots
from judging.results import selectors as results
from judging.results.rankings import PAYLOAD_FIELDS, ranking_state_key

logger = logging.getLogger(__name__)

BATCH = 2000
# Longer than a 100,000-entry computation; a crashed worker's lock expires by itself.
REFRESH_LOCK_SECONDS = 120
# Score changes wait this long before the refresh runs, so a burst of submissions during
# judging costs one computation; an organizer's page view or "Recompute now" does not wait.
SCORE_CHANGE_DELAY_SECONDS = 15
# A round whose scores keep changing while it is computed is recomputed at most this often
# in one task; readers still see the result as stale and ask again.
MAX_PASSES = 3


def _lock_key(round_id: int) -> str:
    return f"laurel:ranking-refresh:{round_id}"


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _plots(outcome: results.RoundResults, judges: list[results.JudgeRow]) -> dict[str, Any]:
    """The results page's pictures and flags, rendered once here (they read the whole calibration)."""
    cut = outcome.cut()
    flags = results.flag_rows(outcome, {row.membership_id: row.name for row in judges})
    flagged_names = {flag.name for flag in flags}
    caterpillar = plots.caterpillar(outcome.calibration.ranking(), cut, outcome.entry_ids.tolist())
    judges_plot = plots.leniency_scale(
        [
            plots.JudgePoint(
                name=row.name,
                leniency=row.leniency if row.leniency is not None else float("nan"),
                scale=row.scale if row.scale is not None else float("nan"),
                flagged=row.name in flagged_names,
            )
            for row in judges
        ]
    )
    return {
        "calibration_note": outcome.calibration.note,
        "primary": outcome.calibration.primary,
        "judge_flags": [asdict(flag) for flag in flags],
        "caterpillar": {
            "svg": str(caterpillar.svg),
            "rows": [asdict(row) for row in caterpillar.rows],
            "first": caterpillar.first,
            "last": caterpillar.last,
            "total": caterpillar.total,
        },
        "judges_plot": str(judges_plot),
    }


def _summary(outcome: results.RoundResults) -> dict[str, Any]:
    cut = outcome.cut()
    judges = results.judge_rows(outcome)
    return {
        **_plots(outcome, judges),
        "scored": outcome.scored,
        "entries_in_round": outcome.entries_in_round,
        "flagged": int(outcome.calibration.disagreement.flagged.sum()),
        "model": {
            "sigma": _finite(outcome.calibration.model.sigma),
            "iterations": outcome.calibration.model.iterations,
            "converged": outcome.calibration.model.converged,
            "problem": outcome.calibration.model.problem,
        },
        "advance_count": outcome.advance_count(),
        "cut": {"count": cut.count, "cut_value": _finite(cut.cut_value)} if cut else None,
        # Counts only: the entries themselves are rows (RankingRow.at_cut, RankingRow.p_above).
        "tied_count": len(cut.tied) if cut else 0,
        "close_calls": len(cut.close_calls) if cut else 0,
        "judges": [{k: v for k, v in asdict(row).items() if k != "name"} for row in judges],
        "criteria": [
            {
                "criterion_id": stat.criterion.pk,
                "n": stat.n,
                "mean": _finite(stat.mean),
                "sd": _finite(stat.sd),
                "correlation": _finite(stat.correlation),
            }
            for stat in results.criterion_stats(outcome.round, outcome.conflicts)
        ],
    }


def _payload(row: results.ResultRow) -> dict[str, Any]:
    """The row's fields less the title (read from the submission, where it lives) and those with a column."""
    return {name: getattr(row, name) for name in PAYLOAD_FIELDS}


@transaction.atomic
def _store(round_: Round, key: str, outcome: results.RoundResults, compute_ms: int) -> RankingSnapshot:
    # One writer per round at a time: the round's row lock orders concurrent refreshes.
    Round.objects.select_for_update().filter(pk=round_.pk).first()
    snapshot = RankingSnapshot.objects.create(
        round=round_, state_key=key, compute_ms=compute_ms, summary=_summary(outcome)
    )
    rows = (
        RankingRow(
            snapshot=snapshot,
            position=row.position,
            submission_id=row.submission_id,
            at_cut=row.at_cut,
            p_above=row.p_above,
            payload=_payload(row),
        )
        for row in results.result_rows(outcome, titles={})
    )
    RankingRow.objects.bulk_create(rows, batch_size=BATCH)
    older = RankingSnapshot.objects.filter(round=round_).exclude(pk=snapshot.pk)
    RankingRow.objects.filter(snapshot__in=older).delete()
    older.delete()
    return snapshot


def refresh_round_ranking(*, round_id: int) -> RankingSnapshot | None:
    """Compute and store the round's ranking unless the latest snapshot is already current."""
    round_ = Round.objects.select_related("edition").filter(pk=round_id).first()
    if round_ is None:
        return None
    snapshot = None
    for _ in range(MAX_PASSES):
        key = ranking_state_key(round_)
        latest = RankingSnapshot.objects.filter(round=round_).order_by("-computed_at", "-id").first()
        if latest is not None and latest.state_key == key:
            return latest
        started = time.monotonic()
        outcome = results.round_results(round_)
        snapshot = _store(round_, key, outcome, int((time.monotonic() - started) * 1000))
        if ranking_state_key(round_) == key:
            break
        logger.info("round %s changed while its ranking was computed; computing again", round_id)
    return snapshot


def enqueue_ranking_refresh(*, round_id: int, delay: int = 0) -> None:
    from festival.celery import app

    app.send_task("judging.refresh_ranking", args=[round_id], countdown=delay or None)


def request_ranking_refresh(*, round_id: int, delay: int = 0) -> bool:
    """Queue a refresh of the round's ranking on commit, unless one is already queued or running."""
    if not cache.add(_lock_key(round_id), "queued", timeout=REFRESH_LOCK_SECONDS + delay):
        return False
    transaction.on_commit(lambda: enqueue_ranking_refresh(round_id=round_id, delay=delay))
    return True


def counted_scores_changed(*, round_id: int) -> None:
    """Called by the scoring services when a score starts or stops counting, or its total changes."""
    request_ranking_refresh(round_id=round_id, delay=SCORE_CHANGE_DELAY_SECONDS)


def release_refresh_lock(*, round_id: int) -> None:
    cache.delete(_lock_key(round_id))
