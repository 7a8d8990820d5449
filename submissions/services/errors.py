"""Why a submission write was refused. ``message`` is shown to the entrant as is.

``status`` is the HTTP status pages and the API answer with, so both give the same
answer for the same rule.
"""

from __future__ import annotations


class SubmissionError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SubmissionLocked(SubmissionError):
    """The submission can no longer be edited (submitted and locked, withdrawn, disqualified)."""

    status = 409
    code = "locked"


class StateConflict(SubmissionError):
    """A compare-and-set transition found the submission in another state than expected."""

    status = 409
    code = "state_conflict"


class EditionClosed(SubmissionError):
    """The edition's window (deadline plus grace period, in its time zone) does not accept this now."""

    status = 403
    code = "closed"


class EntryLimitReached(SubmissionError):
    status = 409
    code = "entry_limit"


class SubmissionIncomplete(SubmissionError):
    """Submitting needs more: ``problems`` lists each missing or failing item."""

    code = "incomplete"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("The film cannot be submitted yet: " + " ".join(problems))
        self.problems = problems


class NotAllowed(SubmissionError):
    status = 403
    code = "forbidden"
