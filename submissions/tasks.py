"""Thin Celery tasks of the submissions app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from submissions import notices
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


@shared_task(name="submissions.notify_processed_films")
def notify_processed_films() -> int:
    """Scheduled: tell entrants their film is ready or failed (read from its media job)."""
    return notices.notify_processed_films(since=settings.LAUREL_PROCESSED_NOTICE_WINDOW)


@shared_task(name="submissions.remind_drafts")
def remind_drafts() -> int:
    """Scheduled: deadline reminders to drafts (N days and 24 hours before)."""
    return notices.remind_drafts()
