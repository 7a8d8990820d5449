"""A clear answer when a browser form is over DATA_UPLOAD_MAX_MEMORY_SIZE.

Django refuses such a body with RequestDataTooBig the first time ``request.POST`` is read,
which for a form is inside CsrfViewMiddleware, before any view: the entrant would get a
bare "Bad Request (400)". This middleware runs just before CSRF, reads the form the same
way CSRF would (so nothing is read twice), and answers 413 with a page that says what to
do. Only form bodies are touched: the API and tus uploads read their bodies themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return (
        f"The form was too large to accept (over {max(limit // (1024 * 1024), 1)} MB). "
        "Shorten the longest text (a synopsis is at most 5,000 characters) and send it again."
    )


class FormTooLargeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                request.POST  # noqa: B018  (parsed and cached here, as CsrfViewMiddleware would)
            except RequestDataTooBig:
                # Rendered without the request: the user and session are not loaded yet.
                page = render_to_string("submissions/form_too_large.html", {"message": too_large_message()})
                return HttpResponse(page, status=413)
        return self.get_response(request)
