"""Failures of processing, split by what the job should do about them."""

from __future__ import annotations


class MediaError(Exception):
    """Base of media processing errors."""


class PermanentError(MediaError):
    """The film cannot be processed as uploaded; the message is shown to entrant and organizers."""

    def __init__(self, reason: str, *, stderr_tail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.stderr_tail = stderr_tail


class TransientError(MediaError):
    """Worth retrying later (storage or database unreachable, worker resources)."""


class JobLost(MediaError):
    """This attempt no longer owns the job (re-queued by the reaper or reprocessed): stop quietly."""
