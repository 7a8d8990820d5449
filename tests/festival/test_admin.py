"""Organizers work in the admin, limited to their own festivals, in the edition's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from festival.models import Edition, OrganizerMembership
from tests.factories import EditionFactory, OrganizerFactory

pytestmark = pytest.mark.django_db


def organizer_client() -> tuple[Client, OrganizerMembership]:
    membership = OrganizerFactory.create()
    client = Client()
    client.force_login(membership.user)
    return client, membership


def test_an_organizer_sees_only_their_own_editions(django_assert_max_num_queries) -> None:
    client, membership = organizer_client()
    mine = EditionFactory.create(festival=membership.festival, name="Mine 2027")
    theirs = EditionFactory.create(name="Theirs 2027")

    with django_assert_max_num_queries(12):
        listing = client.get("/admin/festival/edition/")

    body = listing.content.decode()
    assert listing.status_code == 200
    assert "Mine 2027" in body and "Theirs 2027" not in body
    assert client.get(f"/admin/festival/edition/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/festival/edition/{theirs.pk}/change/").status_code in (302, 403, 404)


def test_edition_dates_are_entered_in_the_editions_time_zone() -> None:
    client, membership = organizer_client()
    form = {
        "festival": membership.festival.pk,
        "name": "AIFF 2027",
        "slug": "aiff-2027",
        "year": 2027,
        "time_zone": "America/New_York",
        "submissions_open_at_0": "2026-09-01",
        "submissions_open_at_1": "00:00:00",
        "submissions_close_at_0": "2026-11-30",
        "submissions_close_at_1": "23:59:00",
        "grace_period": "02:00:00",
        "runtime_min_seconds": 60,
        "runtime_max_seconds": 600,
        "max_file_size_bytes": 5 * 1024**3,
        "allowed_containers": '["mp4", "mov"]',
        "min_short_side_px": 720,
        "films_per_entrant": 1,
        "ai_video_required": "on",
        "required_attestations": '["rights", "rules"]',
        "lock_after_submit": "on",
        "categories-TOTAL_FORMS": 0,
        "categories-INITIAL_FORMS": 0,
        "award_tiers-TOTAL_FORMS": 0,
        "award_tiers-INITIAL_FORMS": 0,
    }

    response = client.post("/admin/festival/edition/add/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    edition = Edition.objects.get(slug="aiff-2027")
    assert edition.submissions_close_at == datetime(2026, 12, 1, 4, 59, tzinfo=UTC)


def test_an_unknown_time_zone_is_a_field_error_not_a_500() -> None:
    client, membership = organizer_client()
    edition = EditionFactory.create(festival=membership.festival)

    response = client.post(f"/admin/festival/edition/{edition.pk}/change/", {"time_zone": "Mars/Olympus"})

    assert response.status_code == 200
    assert "is not a known time zone" in response.content.decode()
