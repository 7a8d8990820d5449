"""Thin Celery tasks of the submissions app."""

from __future__ import annotations

import logging

from celery import shared_task

from submissions.uploads import services as upload_services

logger = logging.getLogger(__name__)


@shared_task(name="submissions.purge_expired_uploads")
def purge_expired_uploads() -> int:
    """Scheduled (CELERY_BEAT_SCHEDULE): delete expired partial uploads and their parts."""
    purged = upload_services.purge_expired_uploads()
    if purged:
        logger.info("purged %d expired uploads", purged)
    return purged
