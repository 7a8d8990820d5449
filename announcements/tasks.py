"""Thin Celery tasks of announcements."""

from __future__ import annotations

from celery import shared_task

from announcements import services


@shared_task(name="announcements.announce_due")
def announce_due() -> list[int]:
    """Announce every round whose announcement time has passed (idempotent; beat runs it every minute)."""
    return services.announce_due()
