"""Admin lists at scale: constant query counts whatever the number of rows, and autocomplete
instead of a select of every submission on the "add assignment" form."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from festival.models import AuditEvent
from festival.services import record_audit
from judging.models import Round, Score, ScoreState
from tests.factories import FilmFactory, OrganizerFactory, SubmissionFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/judging/score/",
    "/admin/judging/assignment/",
    "/admin/judging/roundentry/",
    "/admin/judging/round/",
    "/admin/submissions/submission/",
    "/admin/media/processingjob/",
    "/admin/festival/judgemembership/",
    "/admin/festival/auditevent/",
]


def grow(round_: Round, entries: int, judges: int) -> None:
    """Add ``entries`` scored entries (each by every one of ``judges`` new judges), with films."""
    panel = [judge_of(round_.edition) for _ in range(judges)]
    organizer = round_.edition.festival.organizers.first()
    for _ in range(entries):
        film = FilmFactory.create(group_key=f"edition:{round_.edition_id}")
        entry = submitted_entry(round_.edition, film=film)
        for judge in panel:
            assignment = assign(round_, judge, entry)
            score = Score.objects.create(
                round=round_, judge=judge, submission=entry, assignment=assignment, state=ScoreState.SUBMITTED,
                submitted_at=assignment.created_at, values={}, total=5.0,
            )  # fmt: skip
            record_audit(actor=organizer.user if organizer else None, action="test.seeded", target=score)


def queries(client: Client, url: str) -> int:
    cache.clear()  # the navigation's unread count is cached: measure every page from cold
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("as_superuser", [False, True])
def test_admin_lists_cost_the_same_number_of_queries_at_two_sizes(
    as_superuser: bool, django_assert_max_num_queries: Any
) -> None:
    round_ = rubric_round()
    membership = OrganizerFactory.create(festival=round_.edition.festival)
    user = membership.user
    if as_superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(user)
    pages = PAGES if as_superuser else PAGES[:-1]  # the audit list is the platform's (superusers)

    grow(round_, entries=2, judges=2)
    small = {url: queries(client, url) for url in pages}
    grow(round_, entries=12, judges=3)
    assert Score.objects.count() == 2 * 2 + 12 * 3
    assert AuditEvent.objects.filter(action="test.seeded").count() == 40
    large = {url: queries(client, url) for url in pages}

    assert large == small
    for url in pages:
        with django_assert_max_num_queries(14):
            client.get(url)


def test_the_add_assignment_form_renders_no_submission_select() -> None:
    round_ = rubric_round()
    membership = OrganizerFactory.create(festival=round_.edition.festival)
    client = Client()
    client.force_login(membership.user)
    for i in range(30):
        SubmissionFactory.create(edition=round_.edition, title=f"Entry number {i}")
    SubmissionFactory.create(edition=round_.edition, title="The Zebra Crossing")
    SubmissionFactory.create(title="The Zebra Elsewhere")  # another festival's

    page = client.get("/admin/judging/assignment/add/").content.decode()
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "judging", "model_name": "assignment", "field_name": "submission", "term": "zebra"},
    ).json()

    assert "Entry number" not in page  # an autocomplete widget, not <option>s for every entry
    assert 'data-ajax--url="/admin/autocomplete/"' in page
    assert [r["text"] for r in found["results"]] == ["The Zebra Crossing"]
