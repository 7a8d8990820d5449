"""Request hygiene and response headers every page shares.

``TextHygieneMiddleware``: a query string or form field holding NUL or another control
character is refused with a 400 that names the field, before any view or form sees it (a
NUL once reached PostgreSQL from the judge's conflict form: ``DataError``, a 500).
JSON bodies are checked by the API's parser (``festival.api_parsers``); upload bodies
(tus PATCH) are bytes and never inspected here.

Depends on festival.parsing only.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.utils.html import escape

from festival.parsing import control_character_message, first_control_character

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _offending_field(data: QueryDict) -> tuple[str, str] | None:
    for key, values in data.lists():
        for text in (key, *values):
            if isinstance(text, str):
                char = first_control_character(text)
                if char is not None:
                    return key, char
    return None


class TextHygieneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = _offending_field(request.GET)
        if found is None and request.method == "POST" and request.content_type in FORM_TYPES:
            found = _offending_field(request.POST)
        if found is not None:
            field, char = found
            shown = "".join(c for c in field if first_control_character(c) is None)[:100]
            message = f"{shown}: {control_character_message(char)}"
            if request.path.startswith("/api/"):
                return HttpResponse(json.dumps({"detail": message}), status=400, content_type="application/json")
            return HttpResponseBadRequest(
                f"<!doctype html><title>Bad request</title><h1>Bad request</h1><p>{escape(message)}</p>"
            )
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy, and no caching of signed-in pages.

    A policy of our own rather than django-csp: every page's script and style is a static
    file (a test keeps templates free of inline ``<script>`` and ``style=``), so no nonces
    or per-view rules are needed, and the whole policy is the one ``settings.LAUREL_CSP``
    string. Responses that chose their own ``Cache-Control`` (playback assets, exports)
    keep it; every other answer to a signed-in user is ``private, no-store``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.csp: str = settings.LAUREL_CSP
        self.permissions: str = settings.LAUREL_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-store"
        return response
