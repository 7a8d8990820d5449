"""Thin Celery tasks of the submissions app."""

from __future__ import annotations

import logging

from celery import shared_task

from submissions.uploads import services as upload_services

logger = logging.getLogger(__name__)


@shared_task(name="submissions.purge_expired_uploads")
def purge_expired_uploads() -> int:
    """Scheduled (CELERY_BEAT_SCHEDULE): delete expired partial uploads and their parts, and
    finish uploads whose finishing request was lost to a restart."""
    finished = upload_services.finish_stalled_uploads()
    purged = upload_services.purge_expired_uploads()
    if purged or finished:
        logger.info("purged %d expired uploads, finished %d stalled ones", purged, finished)
    return purged
