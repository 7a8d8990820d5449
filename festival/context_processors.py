from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from festival.permissions import request_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's roles, for the navigation bar (two small queries)."""
    return {"roles": request_roles(request)}
