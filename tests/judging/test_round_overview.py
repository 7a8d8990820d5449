"""The organizer's round page: progress, coverage, and its audited actions."""

from __future__ import annotations

import pytest
from django.test import Client

from festival.models import AuditEvent
from judging.models import Assignment, AssignmentRun, AssignmentState
from judging.tasks import run_assignment
from tests.factories import OrganizerFactory
from tests.judging.factories import judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db


def test_an_organizer_fills_a_round_assigns_and_withdraws_a_judge(django_assert_max_num_queries) -> None:
    round_ = rubric_round(judges_per_entry=2)
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    judges = [judge_of(round_.edition) for _ in range(3)]
    for _ in range(6):
        submitted_entry(round_.edition)
    client = Client()
    client.force_login(organizer)
    url = f"/organize/rounds/{round_.pk}/"

    client.post(url, {"action": "add_entries"})
    queued = client.post(url, {"action": "assign", "seed": "7"}, follow=True)
    assert "Assignment queued" in queued.content.decode()
    assert "queued" in queued.content.decode() and not Assignment.objects.exists()
    again = client.post(url, {"action": "assign", "seed": "8"}, follow=True)
    assert "already queued or running" in again.content.decode()
    run = AssignmentRun.objects.get()
    assert run_assignment(run.pk) == "done"  # what the worker does with the queued task
    bad_seed = client.post(url, {"action": "assign", "seed": "-1"}, follow=True)
    client.post(url, {"action": "withdraw", "judge": judges[0].pk})
    with django_assert_max_num_queries(30):
        page = client.get(url)

    body = page.content.decode()
    assert (
        '<span data-live="round-entries">6</span> entries, <span data-live="round-assignments">12</span> active' in body
    )
    assert "The seed is a whole number" in bad_seed.content.decode()
    assert not Assignment.objects.filter(judge=judges[0], state=AssignmentState.ACTIVE).exists()
    # Two judges left for k = 2: every entry still fully covered.
    assert "Every entry has 2 judges." in body
    assert "Last assignment (seed 7)" in body and "12 assignments made; 0 entries short of judges." in body
    assert list(AuditEvent.objects.filter(actor=organizer).order_by("id").values_list("action", flat=True)) == [
        "round.entries_added",
        "assignment.requested",
        "assignment.run",
        "assignment.judge_withdrawn",
        "assignment.run",
    ]


def test_opening_and_closing_take_a_ticked_confirmation() -> None:
    round_ = rubric_round(opens_at=None, closes_at=None)
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    client = Client()
    client.force_login(organizer)
    url = f"/organize/rounds/{round_.pk}/"

    page = client.get(url).content.decode()
    one_click = client.post(url, {"action": "open"}, follow=True).content.decode()
    round_.refresh_from_db()
    still_closed = round_.opens_at
    client.post(url, {"action": "open", "confirm": "yes"})
    round_.refresh_from_db()
    opened = round_.opens_at is not None
    close_click = client.post(url, {"action": "close"}, follow=True).content.decode()
    client.post(url, {"action": "close", "confirm": "yes"})
    round_.refresh_from_db()

    assert 'id="confirm-open" name="confirm" value="yes" required' in page
    assert "Nothing changed: tick the box to confirm that you want to open the round for scoring now." in one_click
    assert (still_closed, opened) == (None, True)
    assert "Nothing changed: tick the box to confirm that you want to close the round and lock its scores." in (
        close_click
    )
    assert round_.closes_at is not None
    assert list(AuditEvent.objects.filter(actor=organizer).values_list("action", flat=True).order_by("id")) == [
        "round.opened",
        "round.closed",
    ]


def test_coverage_gaps_are_listed_with_their_reason() -> None:
    round_ = rubric_round(judges_per_entry=3)
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    judge_of(round_.edition)
    submitted_entry(round_.edition, title="Short of judges")
    client = Client()
    client.force_login(organizer)
    url = f"/organize/rounds/{round_.pk}/"
    client.post(url, {"action": "add_entries"})
    client.post(url, {"action": "assign", "seed": "0"})
    run_assignment(AssignmentRun.objects.get().pk)

    body = client.get(url).content.decode()

    assert "1 entries have fewer than 3 judges." in body
    assert "Not enough judges: 1 judges on its panel(s), 1 already have or had it." in body


def test_other_festivals_organizers_and_judges_get_404() -> None:
    round_ = rubric_round()
    stranger = OrganizerFactory.create().user
    judge = judge_of(round_.edition)
    for user in (stranger, judge.user):
        client = Client()
        client.force_login(user)
        assert client.get(f"/organize/rounds/{round_.pk}/").status_code == 404
        assert client.post(f"/organize/rounds/{round_.pk}/", {"action": "close"}).status_code == 404


def test_the_api_schema_documents_the_judging_endpoints_without_warnings() -> None:
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    from judging.urls import urlpatterns

    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)
    validate_schema(schema)

    assert not GENERATOR_STATS, dict(GENERATOR_STATS._warn_cache) | dict(GENERATOR_STATS._error_cache)
    assert sorted(schema["paths"]) == [
        "/api/judging/assignments/",
        "/api/judging/assignments/{assignment_id}/score/",
        "/api/judging/assignments/{assignment_id}/score/submit/",
        "/api/judging/assignments/{assignment_id}/watch/",
        "/api/judging/editions/{edition_id}/results/",
    ]


def test_tampered_forms_get_404_not_500() -> None:
    round_ = rubric_round()
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    judge = judge_of(round_.edition)
    client = Client()
    client.force_login(organizer)
    assert client.post(f"/organize/rounds/{round_.pk}/", {"action": "withdraw", "judge": "x"}).status_code == 404
    client.force_login(judge.user)
    profile = f"/judge/editions/{judge.edition_id}/profile/"
    assert client.post(profile, {"action": "remove", "conflict": "1 OR 1"}).status_code == 404


def test_round_page_query_count_does_not_grow_with_entries() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from judging.assignment.services import assign_round
    from judging.rounds.services import add_entries_to_round

    counts = []
    for n_entries in (5, 60):
        round_ = rubric_round(judges_per_entry=3)
        organizer = OrganizerFactory.create(festival=round_.edition.festival).user
        for _ in range(4):
            judge_of(round_.edition)
        for _ in range(n_entries):
            submitted_entry(round_.edition)
        add_entries_to_round(round_=round_, actor=None)
        assign_round(round_=round_, actor=None, seed=1)
        # A quarter of the entries lose a judge, so the coverage table has a page to show.
        for assignment in Assignment.objects.filter(round=round_).order_by("id")[: n_entries // 4 + 1]:
            Assignment.objects.filter(pk=assignment.pk).update(state=AssignmentState.WITHDRAWN)
        client = Client()
        client.force_login(organizer)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/organize/rounds/{round_.pk}/")
        assert response.status_code == 200
        assert "entries have fewer than 3 judges." in response.content.decode()
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_judges_are_listed_furthest_behind_first_one_page_at_a_time(monkeypatch) -> None:
    from judging.rounds import overview
    from tests.judging.factories import assign

    monkeypatch.setattr(overview, "JUDGE_PAGE", 2)
    round_ = rubric_round(judges_per_entry=3)
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    judges = {name: judge_of(round_.edition, name=name) for name in ("Ada One", "Bo Two", "Cy Three", "Di Four")}
    entries = [submitted_entry(round_.edition) for _ in range(3)]
    for name, count in (("Ada One", 1), ("Bo Two", 3), ("Cy Three", 2)):
        for position, entry in enumerate(entries[:count], start=1):
            assign(round_, judges[name], entry, position=position)
    client = Client()
    client.force_login(organizer)
    url = f"/organize/rounds/{round_.pk}/"

    def listed(page: str) -> list[str]:
        table = client.get(url, {"judge_page": page}).content.decode().split('id="judges-heading"')[1]
        table = table.split("</table>")[0]
        return sorted((name for name in judges if f">{name}<" in table), key=lambda name: table.index(f">{name}<"))

    first = client.get(url).content.decode()
    assert listed("1") == ["Bo Two", "Cy Three"]  # three and two entries to score
    assert listed("2") == ["Ada One", "Di Four"]
    assert "Judges 1–2 of 4" in first and 'href="?judge_page=2&amp;short_page=1#judges-heading"' in first
    assert listed("99") == ["Ada One", "Di Four"]  # past the end: the last page, not an error
