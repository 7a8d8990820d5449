"""Thin scheduled tasks of judging: reminders to judges, the organizers' daily digest."""

from __future__ import annotations

from celery import shared_task

from judging import notices


@shared_task(name="judging.remind_judges")
def remind_judges() -> int:
    return notices.remind_judges()


@shared_task(name="judging.send_digests")
def send_digests() -> int:
    return notices.send_digests()
