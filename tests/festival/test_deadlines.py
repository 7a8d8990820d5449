"""Deadlines are enforced in the edition's own time zone, grace period included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from festival.deadlines import SubmissionsClosed, SubmissionWindow, WindowState

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def window(zone: ZoneInfo, close_local: datetime, grace: timedelta = timedelta(0)) -> SubmissionWindow:
    return SubmissionWindow(
        opens_at=datetime(2026, 9, 1, 0, 0, tzinfo=zone),
        closes_at=close_local.replace(tzinfo=zone),
        grace_period=grace,
        zone=zone,
    )


def test_the_deadline_is_the_local_midnight_of_the_edition_not_utc() -> None:
    # 23:59 in New York on 30 Nov is 04:59 UTC on 1 Dec (EST, UTC-5).
    w = window(NEW_YORK, datetime(2026, 11, 30, 23, 59))

    assert w.state_at(datetime(2026, 12, 1, 4, 58, tzinfo=UTC)) is WindowState.OPEN
    assert w.state_at(datetime(2026, 12, 1, 5, 0, tzinfo=UTC)) is WindowState.CLOSED


def test_the_same_instant_is_open_in_one_edition_and_closed_in_another() -> None:
    new_york = window(NEW_YORK, datetime(2026, 11, 30, 23, 59))
    tokyo = window(TOKYO, datetime(2026, 11, 30, 23, 59))
    instant = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 05:00 on 1 Dec in Tokyo

    assert new_york.accepts_at(instant) is True
    assert tokyo.accepts_at(instant) is False


def test_the_grace_period_extends_acceptance_but_not_the_announced_deadline() -> None:
    w = window(NEW_YORK, datetime(2026, 11, 30, 23, 59), grace=timedelta(hours=2))
    deadline = datetime(2026, 11, 30, 23, 59, tzinfo=NEW_YORK)

    assert w.state_at(deadline) is WindowState.OPEN
    assert w.state_at(deadline + timedelta(minutes=1)) is WindowState.GRACE
    assert w.accepts_at(deadline + timedelta(hours=2)) is True
    assert w.state_at(deadline + timedelta(hours=2, seconds=1)) is WindowState.CLOSED


def test_daylight_saving_change_does_not_move_the_local_deadline() -> None:
    # Clocks go back on 1 Nov 2026 in New York; a deadline on 2 Nov is still 23:59 local (EST).
    w = window(NEW_YORK, datetime(2026, 11, 2, 23, 59))
    assert w.closes_at.astimezone(UTC) == datetime(2026, 11, 3, 4, 59, tzinfo=UTC)


def test_a_closed_window_explains_itself_in_the_edition_time_zone() -> None:
    w = window(NEW_YORK, datetime(2026, 11, 30, 23, 59), grace=timedelta(hours=1))

    with pytest.raises(SubmissionsClosed) as raised:
        w.ensure_accepting(datetime(2026, 12, 2, tzinfo=UTC))

    assert raised.value.message == "Submissions closed on 30 November 2026, 23:59 (America/New_York)."
    assert raised.value.state is WindowState.CLOSED


def test_a_window_not_yet_open_says_when_it_opens() -> None:
    w = window(TOKYO, datetime(2026, 11, 30, 23, 59))

    with pytest.raises(SubmissionsClosed, match=r"^Uploads open on 1 September 2026, 00:00 \(Asia/Tokyo\)\.$"):
        w.ensure_accepting(datetime(2026, 8, 31, 14, 0, tzinfo=UTC), what="Uploads")


def test_naive_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        SubmissionWindow(
            opens_at=datetime(2026, 1, 1),
            closes_at=datetime(2026, 2, 1, tzinfo=UTC),
            grace_period=timedelta(0),
            zone=TOKYO,
        )


def test_describe_gives_one_line_per_state() -> None:
    w = window(NEW_YORK, datetime(2026, 11, 30, 23, 59), grace=timedelta(hours=2))

    assert w.describe(datetime(2026, 8, 1, tzinfo=UTC)) == "Opens 1 September 2026, 00:00 (America/New_York)"
    assert w.describe(datetime(2026, 10, 1, tzinfo=UTC)) == "Closes 30 November 2026, 23:59 (America/New_York)"
    assert (
        w.describe(datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
        == "Deadline passed; late entries accepted until 1 December 2026, 01:59 (America/New_York)"
    )
    assert w.describe(datetime(2026, 12, 5, tzinfo=UTC)) == "Closed 30 November 2026, 23:59 (America/New_York)"
