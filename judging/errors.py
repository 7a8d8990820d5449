"""Errors the judging services raise; views and the API map ``status`` to the HTTP answer.

Each carries a message meant for the judge or organizer, so the boundary can show it as is.
"""

from __future__ import annotations


class JudgingError(Exception):
    status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotAssigned(JudgingError):
    """The entry is not (or no longer) the judge's: answered like a missing page."""

    status = 404


class ScoringClosed(JudgingError):
    """The round is not open for scoring (closed, or not open yet)."""

    status = 403


class StaleScore(JudgingError):
    """The page's copy of the score is older than the stored one (another tab saved)."""

    status = 409


class AlreadySubmitted(JudgingError):
    status = 409


class InvalidScore(JudgingError):
    status = 400


class WatchRequired(JudgingError):
    """Not watched enough yet: the judge can fix it by watching (so not a 409 that stops the page)."""

    status = 400


class AssignmentRefused(JudgingError):
    """An organizer's manual assignment breaks a rule (conflict, other edition...)."""

    status = 400


class WatchSuperseded(JudgingError):
    """A watch report from a page whose session a newer page view has replaced."""

    status = 409
