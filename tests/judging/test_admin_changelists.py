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


def test_an_organizers_score_list_is_exactly_their_festivals_walked_in_index_order(postgres_db: None) -> None:
    """The scoping is a list of the organizer's rounds (``round_id = ANY(ARRAY(...))``), not a
    join through rounds and editions, so PostgreSQL walks ``score_round_entry`` a page at a
    time instead of sorting every score; the rows are the same."""
    round_ = rubric_round()
    membership = OrganizerFactory.create(festival=round_.edition.festival)
    grow(round_, entries=3, judges=2)
    other = rubric_round()
    grow(other, entries=2, judges=1)
    client = Client()
    client.force_login(membership.user)

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/judging/score/")

    assert response.status_code == 200
    listed = [score.pk for score in response.context["cl"].result_list]
    assert listed == list(
        Score.objects.filter(round=round_)
        .order_by("round_id", "submission_id", "judge_id")
        .values_list("pk", flat=True)
    )
    page = next(q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "judging_score"."id"'))
    assert '"judging_score"."round_id" = ANY(ARRAY(SELECT' in page
    assert page.rsplit(" ORDER BY ", 1)[1].split(" LIMIT ")[0] == (
        '"judging_score"."round_id" ASC, "judging_score"."submission_id" ASC, "judging_score"."judge_id" ASC'
    )


@pytest.mark.parametrize("url", ["/admin/judging/score/", "/admin/judging/assignment/"])
def test_the_big_lists_are_in_a_total_order_an_index_serves(url: str) -> None:
    """No "-pk" added to the ordering: the order is the unique (round, judge, entry)'s."""
    round_ = rubric_round()
    membership = OrganizerFactory.create(festival=round_.edition.festival)
    grow(round_, entries=2, judges=2)
    client = Client()
    client.force_login(membership.user)

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200

    table = "judging_score" if "score" in url else "judging_assignment"
    page = next(q["sql"] for q in captured.captured_queries if q["sql"].startswith(f'SELECT "{table}"."id"'))
    columns = ["round_id", "submission_id", "judge_id"] if "score" in url else ["round_id", "judge_id", "submission_id"]
    assert page.rsplit(" ORDER BY ", 1)[1].split(" LIMIT ")[0] == ", ".join(f'"{table}"."{c}" ASC' for c in columns)


def test_the_audit_list_filters_by_the_apps_actions_without_reading_the_trail_for_them() -> None:
    from festival import audit_actions as festival_actions
    from judging import audit_actions as judging_actions

    round_ = rubric_round()
    user = OrganizerFactory.create(festival=round_.edition.festival).user
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    record_audit(actor=user, action=judging_actions.ROUND_ADVANCED, target=round_)
    record_audit(actor=user, action=festival_actions.EDITION_CHANGED, target=round_.edition)
    client = Client()
    client.force_login(user)

    with CaptureQueriesContext(connection) as captured:
        body = client.get("/admin/festival/auditevent/").content.decode()
    assert not [q["sql"] for q in captured if "DISTINCT" in q["sql"].upper()]
    # Every action of every app is offered, including those nobody has taken yet.
    assert f"?action={judging_actions.ROUND_ADVANCED}" in body
    assert f"?action={festival_actions.JUDGE_INVITED}" in body
    filtered = client.get("/admin/festival/auditevent/", {"action": judging_actions.ROUND_ADVANCED})
    assert filtered.status_code == 200
    assert list(filtered.context["cl"].result_list.values_list("action", flat=True)) == [judging_actions.ROUND_ADVANCED]
