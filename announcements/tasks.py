"""Thin Celery tasks of announcements."""

from __future__ import annotations

from celery import shared_task

from announcements import notices, services


@shared_task(name="announcements.announce_due")
def announce_due() -> list[int]:
    """Announce every round whose announcement time has passed (idempotent; beat runs it every minute)."""
    return services.announce_due()


@shared_task(name="announcements.notify_outcomes", acks_late=True)
def notify_outcomes(announcement_id: int) -> int:
    """Tell every entrant of an announced round their outcome (idempotent per outcome)."""
    return notices.notify_outcomes(announcement_id)
