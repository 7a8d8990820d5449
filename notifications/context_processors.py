from __future__ import annotations

from django.http import HttpRequest

from notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, int]:
    """The signed-in person's unread notifications, for the navigation (one small query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
