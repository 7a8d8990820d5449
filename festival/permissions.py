"""Role checks for views. The roles themselves are read by ``festival.selectors``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from festival.selectors import Roles, roles_of


def request_roles(request: HttpRequest) -> Roles:
    """The roles of the request's user, read once per request."""
    cached: Roles | None = getattr(request, "_laurel_roles", None)
    if cached is None:
        cached = roles_of(request.user)
        request._laurel_roles = cached  # type: ignore[attr-defined]
    return cached


def organizer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in organizers only; anyone else gets a 404, which reveals nothing."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request_roles(request).is_organizer:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
