"""Thin Celery tasks of judging: primitive ids in, a service called; reminders and digests."""

from __future__ import annotations

import logging

from celery import shared_task

from judging import notices
from judging.assignment import runs as assignment_runs
from judging.models import Round
from judging.results import export_services as exports
from judging.results import services as rankings

logger = logging.getLogger(__name__)


@shared_task(name="judging.refresh_ranking", acks_late=True, reject_on_worker_lost=True)
def refresh_ranking(round_id: int) -> int | None:
    try:
        snapshot = rankings.refresh_round_ranking(round_id=round_id)
    finally:
        rankings.release_refresh_lock(round_id=round_id)
    if snapshot is None:
        logger.info("round %s is gone; no ranking to compute", round_id)
        return None
    return snapshot.pk


@shared_task(name="judging.run_assignment", acks_late=True, reject_on_worker_lost=True)
def run_assignment(run_id: int) -> str | None:
    run = assignment_runs.carry_out_assignment_run(run_id=run_id)
    return run.state if run else None


@shared_task(name="judging.notify_assignments_ready", acks_late=True, reject_on_worker_lost=True)
def notify_assignments_ready(round_id: int, judge_ids: list[int]) -> int:
    """After an assignment run: tell the judges it gave entries (once each, by message key)."""
    round_ = Round.objects.select_related("edition").filter(pk=round_id).first()
    if round_ is None:
        logger.info("round %s is gone; nobody to tell", round_id)
        return 0
    return notices.assignments_ready(round_, judge_ids=judge_ids)


@shared_task(name="judging.build_export", acks_late=True, reject_on_worker_lost=True)
def build_export(export_id: int) -> str | None:
    export = exports.build_xlsx_export(export_id=export_id)
    return export.state if export else None


@shared_task(name="judging.remind_judges")
def remind_judges() -> int:
    return notices.remind_judges()


@shared_task(name="judging.send_digests")
def send_digests() -> int:
    return notices.send_digests()
