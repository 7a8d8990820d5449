"""The audit list never counts millions of rows: PostgreSQL's estimate pages an unfiltered table."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from festival.admin_base import LargeTablePaginator
from festival.models import AuditEvent
from festival.services import record_audit
from tests.factories import FestivalFactory


def test_a_large_unfiltered_table_is_paged_from_the_estimate_a_filtered_one_exactly(
    postgres_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    festival = FestivalFactory.create()
    for n in range(7):
        record_audit(actor=None, action="test.row", target=festival, after={"n": n})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE festival_auditevent")
    monkeypatch.setattr(LargeTablePaginator, "ESTIMATE_ABOVE", 5)  # "large" for this test

    with CaptureQueriesContext(connection) as unfiltered:
        estimated = LargeTablePaginator(AuditEvent.objects.all(), 100).count
    exact = LargeTablePaginator(AuditEvent.objects.filter(after__n__lt=3), 100).count

    assert estimated == 7
    assert not any("COUNT(" in q["sql"].upper() for q in unfiltered.captured_queries)
    assert exact == 3


@pytest.mark.django_db
def test_a_small_table_is_counted_exactly() -> None:
    festival = FestivalFactory.create()
    record_audit(actor=None, action="test.row", target=festival)
    assert LargeTablePaginator(AuditEvent.objects.all(), 100).count == 1


def test_a_large_filtered_list_is_paged_from_the_planners_estimate_too(
    postgres_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An organizer's list is filtered by their festivals: still no COUNT(*) once it is large."""
    festival = FestivalFactory.create()
    for n in range(20):
        record_audit(actor=None, action="test.row", target=festival, after={"n": n})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE festival_auditevent")
    monkeypatch.setattr(LargeTablePaginator, "ESTIMATE_ABOVE", 5)

    with CaptureQueriesContext(connection) as captured:
        estimated = LargeTablePaginator(AuditEvent.objects.filter(action="test.row"), 100).count

    assert estimated == 20  # the statistics know every row has this action
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    assert [q["sql"].split(" ", 3)[:3] for q in captured.captured_queries] == [["EXPLAIN", "(FORMAT", "JSON)"]]
