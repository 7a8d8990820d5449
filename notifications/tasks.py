"""Thin tasks: send a batch of messages, sweep for queued and abandoned ones."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from notifications import delivery

log = logging.getLogger(__name__)


@shared_task(name="notifications.send_messages", acks_late=True, reject_on_worker_lost=True)
def send_messages(message_ids: list[int]) -> dict[str, int]:
    result = delivery.send_batch(message_ids)
    if result.retry_in is not None:
        send_messages.apply_async((message_ids,), countdown=result.retry_in)
    return {"sent": result.sent, "failed": result.failed, "retry": result.retry, "skipped": result.skipped}


@shared_task(name="notifications.sweep", acks_late=True)
def sweep() -> int:
    """Hand due queued messages (the broker missed them) and abandoned claims to workers."""
    ids = delivery.due_message_ids(limit=settings.LAUREL_MAIL_SWEEP_LIMIT, older_than=settings.LAUREL_MAIL_SWEEP_GRACE)
    size = settings.LAUREL_MAIL_BATCH
    for start in range(0, len(ids), size):
        send_messages.delay(ids[start : start + size])
    return len(ids)
