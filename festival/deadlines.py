"""Submission windows: when an edition accepts films, in its own time zone.

Pure functions over aware datetimes, so the rules can be tested across time zones and
daylight-saving changes without a database. The server enforces them (services call
``ensure_accepting``); what the browser shows is only a courtesy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


class WindowState(enum.Enum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    GRACE = "grace"  # past the announced deadline, inside the grace period
    CLOSED = "closed"


class SubmissionsClosed(Exception):
    """Raised when an action needs an open submission window and there is none."""

    def __init__(self, message: str, state: WindowState) -> None:
        super().__init__(message)
        self.message = message
        self.state = state


def format_moment(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%-d %B %Y, %H:%M} ({zone.key})"


@dataclass(frozen=True)
class SubmissionWindow:
    opens_at: datetime
    closes_at: datetime
    grace_period: timedelta
    zone: ZoneInfo

    def __post_init__(self) -> None:
        for moment in (self.opens_at, self.closes_at):
            if moment.tzinfo is None:
                raise ValueError("submission window bounds must be time-zone aware")

    @property
    def hard_close_at(self) -> datetime:
        """The last instant anything is accepted: the deadline plus the grace period."""
        return self.closes_at + self.grace_period

    def state_at(self, now: datetime) -> WindowState:
        if now < self.opens_at:
            return WindowState.NOT_OPEN
        if now <= self.closes_at:
            return WindowState.OPEN
        if now <= self.hard_close_at:
            return WindowState.GRACE
        return WindowState.CLOSED

    def accepts_at(self, now: datetime) -> bool:
        return self.state_at(now) in (WindowState.OPEN, WindowState.GRACE)

    def ensure_accepting(self, now: datetime, *, what: str = "Submissions") -> None:
        state = self.state_at(now)
        if state is WindowState.NOT_OPEN:
            raise SubmissionsClosed(f"{what} open on {format_moment(self.opens_at, self.zone)}.", state)
        if state is WindowState.CLOSED:
            raise SubmissionsClosed(f"{what} closed on {format_moment(self.closes_at, self.zone)}.", state)

    def describe(self, now: datetime) -> str:
        """One line for a page: where the window stands, in the edition's time zone."""
        state = self.state_at(now)
        if state is WindowState.NOT_OPEN:
            return f"Opens {format_moment(self.opens_at, self.zone)}"
        if state is WindowState.OPEN:
            return f"Closes {format_moment(self.closes_at, self.zone)}"
        if state is WindowState.GRACE:
            late = format_moment(self.hard_close_at, self.zone)
            return f"Deadline passed; late entries accepted until {late}"
        return f"Closed {format_moment(self.closes_at, self.zone)}"
