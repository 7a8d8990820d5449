"""Thin Celery tasks of the media pipeline: primitive ids in, a service or the pipeline called."""

from __future__ import annotations

import logging

from celery import shared_task

from media import services
from media.errors import TransientError
from media.models import Film

logger = logging.getLogger(__name__)


@shared_task(
    name="media.process_film",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientError,),
    retry_backoff=30,
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=5,
)
def process_film(film_id: int) -> str:
    if not Film.objects.filter(pk=film_id).exists():
        logger.info("film %s is gone; nothing to process", film_id)
        return "gone"
    from media.pipeline import process_film as run_pipeline

    return run_pipeline(film_id)


@shared_task(name="media.reap_stuck_jobs")
def reap_stuck_jobs() -> list[int]:
    return services.reap_stuck_jobs()
