"""A second, deliberate step before the organizer actions that cannot be taken back lightly.

Opening, closing, advancing and publishing post a ``confirm`` checkbox
(``templates/judging/_confirm.html``); the browser asks for it (``required``) and the view
refuses the action without it, so one stray click changes nothing. No JavaScript involved.
"""

from __future__ import annotations

from django.http import HttpRequest

from judging.errors import JudgingError

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


def require_confirmation(request: HttpRequest, *, what: str) -> None:
    """Raise a clear error unless the organizer ticked the confirmation box of ``what``."""
    if request.POST.get(CONFIRM_FIELD) != CONFIRM_VALUE:
        raise JudgingError(f"Nothing changed: tick the box to confirm that you want to {what}.")
