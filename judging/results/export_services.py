"""Large Excel exports as a job: requested from the results page, built by a worker, kept in storage.

``request_xlsx_export`` reuses a file already built (or being built) from the round's current
snapshot and otherwise queues ``judging.build_export``; ``build_xlsx_export`` (what the task
calls) writes the workbook to a temporary file with progress, then saves it through the
storage API, so any web host can serve it and no host's disk is assumed.
"""

from __future__ import annotations

import logging
import tempfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from festival.models import User
from festival.services import record_audit
from judging import audit_actions
from judging.errors import JudgingError
from judging.models import ExportFile, Round, RunState
from judging.results import exports
from judging.results.rankings import StoredRanking, ranking_of

logger = logging.getLogger(__name__)


def enqueue_export(*, export_id: int) -> None:
    from festival.celery import app

    app.send_task("judging.build_export", args=[export_id])


@transaction.atomic
def request_xlsx_export(*, ranking: StoredRanking, actor: User | None) -> ExportFile:
    """The Excel file of the round's current ranking: an existing one, or a new job for a worker."""
    if not ranking.is_current or ranking.snapshot is None:
        raise JudgingError("The ranking is being recomputed after recent changes; export it again in a moment.")
    existing = (
        ExportFile.objects.filter(round=ranking.round, snapshot=ranking.snapshot, format="xlsx")
        .exclude(state=RunState.FAILED)
        .order_by("-requested_at")
        .first()
    )
    if existing is not None:
        return existing
    export = ExportFile.objects.create(
        round=ranking.round, snapshot=ranking.snapshot, format="xlsx", rows_total=ranking.scored, requested_by=actor
    )
    record_audit(
        actor=actor, action=audit_actions.RESULTS_EXPORT_REQUESTED, target=ranking.round, after={"export": export.pk}
    )
    transaction.on_commit(lambda: enqueue_export(export_id=export.pk))
    return export


def latest_export(ranking: StoredRanking) -> ExportFile | None:
    """The newest Excel job of the ranking's current snapshot (None for a stale or missing one)."""
    if not ranking.is_current or ranking.snapshot is None:
        return None
    return ExportFile.objects.filter(round=ranking.round, snapshot=ranking.snapshot).order_by("-requested_at").first()


def build_xlsx_export(*, export_id: int) -> ExportFile | None:
    claimed = ExportFile.objects.filter(pk=export_id, state__in=[RunState.QUEUED, RunState.RUNNING]).update(
        state=RunState.RUNNING
    )
    if not claimed:
        return None
    export = ExportFile.objects.select_related("round__edition", "snapshot").get(pk=export_id)
    round_ = Round.objects.select_related("edition").get(pk=export.round_id)
    ranking = ranking_of(round_)
    if ranking.snapshot is None or ranking.snapshot.pk != export.snapshot_id:
        ExportFile.objects.filter(pk=export_id).update(
            state=RunState.FAILED,
            error="The ranking changed before the file was built; ask again.",
            finished_at=timezone.now(),
        )
        return ExportFile.objects.get(pk=export_id)

    def progress(rows: int) -> None:
        ExportFile.objects.filter(pk=export_id).update(rows_done=rows)

    try:
        with tempfile.TemporaryFile(suffix=".xlsx") as handle:
            rows = exports.write_xlsx(ranking, handle, progress)
            handle.seek(0)
            export.file.save(exports.xlsx_filename(ranking), File(handle), save=False)
    except Exception as error:  # recorded so the page offers a new try instead of waiting forever
        ExportFile.objects.filter(pk=export_id).update(
            state=RunState.FAILED,
            error=f"The file could not be built ({type(error).__name__}).",
            finished_at=timezone.now(),
        )
        raise
    ExportFile.objects.filter(pk=export_id).update(
        state=RunState.DONE, file=export.file.name, rows_done=rows, finished_at=timezone.now()
    )
    return ExportFile.objects.get(pk=export_id)
