from __future__ import annotations

from datetime import datetime

from django import template

from festival.deadlines import SubmissionWindow

register = template.Library()


@register.filter
def runtime(seconds: int | float | None) -> str:
    """12 -> "0:12", 754 -> "12:34", 3723 -> "1:02:03"."""
    if seconds is None:
        return "—"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def window_summary(window: SubmissionWindow, now: datetime) -> str:
    return window.describe(now)
