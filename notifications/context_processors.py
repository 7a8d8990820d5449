from __future__ import annotations

from django.http import HttpRequest

from notifications.selectors import cached_unread_count


def unread(request: HttpRequest) -> dict[str, int]:
    """The signed-in person's unread notifications, for the navigation (cached: no query on most pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": cached_unread_count(user)}
