"""The festival admin writes only through ``festival.services``: defaults, validation and one audit shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from festival.models import DEFAULT_ATTESTATIONS, DEFAULT_CONTAINERS, AuditEvent, Edition, JudgeInvitation
from festival.services import DEFAULT_AWARD_LADDER, invite_judge
from tests.factories import CategoryFactory, EditionFactory, JudgeFactory, OrganizerFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def organizer_client() -> tuple[Client, Any]:
    membership = OrganizerFactory.create()
    client = Client()
    client.force_login(membership.user)
    return client, membership


def edition_form(festival_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "festival": festival_id,
        "name": "AIFF 2027",
        "slug": "aiff-2027",
        "year": 2027,
        "time_zone": "UTC",
        "submissions_open_at_0": "2026-09-01",
        "submissions_open_at_1": "00:00:00",
        "submissions_close_at_0": "2026-11-30",
        "submissions_close_at_1": "23:59:00",
        "grace_period": "00:00:00",
        "runtime_min_seconds": 60,
        "runtime_max_seconds": 600,
        "max_file_size_bytes": 5 * 1024**3,
        "min_short_side_px": 720,
        "films_per_entrant": 1,
        "ai_video_required": "on",
        "lock_after_submit": "on",
        "categories-TOTAL_FORMS": 0,
        "categories-INITIAL_FORMS": 0,
        "award_tiers-TOTAL_FORMS": 0,
        "award_tiers-INITIAL_FORMS": 0,
        **overrides,
    }


def change_form(edition: Edition, **overrides: Any) -> dict[str, Any]:
    """The change form of ``edition`` as the admin renders it, with its inlines."""
    form = edition_form(
        edition.festival_id,
        name=edition.name,
        slug=edition.slug,
        year=edition.year,
        allowed_containers='["mp4"]',
        required_attestations='["rights"]',
        blocking_qc="[]",
    )
    del form["festival"]  # read-only once the edition exists
    tiers = list(edition.award_tiers.order_by("rank_from"))
    form.update({"award_tiers-TOTAL_FORMS": len(tiers), "award_tiers-INITIAL_FORMS": len(tiers)})
    for i, tier in enumerate(tiers):
        form.update({
            f"award_tiers-{i}-id": tier.pk, f"award_tiers-{i}-edition": edition.pk, f"award_tiers-{i}-name": tier.name,
            f"award_tiers-{i}-rank_from": tier.rank_from, f"award_tiers-{i}-rank_to": tier.rank_to,
        })  # fmt: skip
    categories = list(edition.categories.all())
    form.update({"categories-TOTAL_FORMS": len(categories), "categories-INITIAL_FORMS": len(categories)})
    for i, category in enumerate(categories):
        form.update({
            f"categories-{i}-id": category.pk, f"categories-{i}-edition": edition.pk,
            f"categories-{i}-name": category.name, f"categories-{i}-slug": category.slug,
            f"categories-{i}-position": category.position,
        })  # fmt: skip
    form.update(overrides)
    return form


def test_an_edition_added_in_the_admin_gets_the_default_ladder_statements_and_an_audit_row() -> None:
    client, membership = organizer_client()

    response = client.post("/admin/festival/edition/add/", edition_form(membership.festival.pk))

    assert response.status_code == 302, response.content.decode()[:3000]
    edition = Edition.objects.get(slug="aiff-2027")
    ladder = list(edition.award_tiers.order_by("rank_from").values_list("name", "rank_from", "rank_to"))
    assert ladder == list(DEFAULT_AWARD_LADDER)
    assert (edition.required_attestations, edition.allowed_containers) == (
        DEFAULT_ATTESTATIONS,
        list(DEFAULT_CONTAINERS),
    )
    event = AuditEvent.objects.get(target_type="festival.edition", target_id=str(edition.pk))
    assert (event.action, event.actor) == ("edition.created", membership.user)
    assert (event.after or {})["award_ladder"] == [list(rung) for rung in DEFAULT_AWARD_LADDER]
    assert (event.after or {})["required_attestations"] == DEFAULT_ATTESTATIONS


def test_an_edition_edit_is_audited_with_the_changed_fields_only() -> None:
    client, membership = organizer_client()
    edition = EditionFactory.create(
        festival=membership.festival,
        runtime_max_seconds=600,
        time_zone="UTC",
        submissions_open_at=datetime(2026, 9, 1, tzinfo=UTC),
        submissions_close_at=datetime(2026, 11, 30, 23, 59, tzinfo=UTC),
        grace_period=timedelta(0),
        allowed_containers=["mp4"],
        required_attestations=["rights"],
    )

    response = client.post(
        f"/admin/festival/edition/{edition.pk}/change/", change_form(edition, runtime_max_seconds=900)
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    edition.refresh_from_db()
    assert edition.runtime_max_seconds == 900
    event = AuditEvent.objects.get(target_type="festival.edition", action="edition.changed")
    assert (event.actor, event.before, event.after) == (
        membership.user,
        {"runtime_max_seconds": 600},
        {"runtime_max_seconds": 900},
    )


def test_an_overlapping_ladder_is_refused_on_the_form_and_a_valid_one_is_audited() -> None:
    client, membership = organizer_client()
    edition = EditionFactory.create(festival=membership.festival)
    url = f"/admin/festival/edition/{edition.pk}/change/"
    rungs = {
        "award_tiers-TOTAL_FORMS": 2, "award_tiers-INITIAL_FORMS": 0,
        "award_tiers-0-name": "Grand Prix", "award_tiers-0-rank_from": 1, "award_tiers-0-rank_to": 2,
        "award_tiers-1-name": "Gold", "award_tiers-1-rank_from": 2, "award_tiers-1-rank_to": 3,
    }  # fmt: skip

    refused = client.post(url, change_form(edition, **rungs))
    accepted = client.post(url, change_form(edition, **{**rungs, "award_tiers-0-rank_to": 1}))

    assert refused.status_code == 200
    assert "Rank 2 is in both Grand Prix and Gold." in refused.content.decode()
    assert accepted.status_code == 302, accepted.content.decode()[:3000]
    assert list(edition.award_tiers.values_list("name", "rank_from", "rank_to")) == [
        ("Grand Prix", 1, 1),
        ("Gold", 2, 3),
    ]
    event = AuditEvent.objects.get(action="edition.award_ladder_set")
    assert (event.before, event.after) == (
        {"award_ladder": []},
        {"award_ladder": [["Grand Prix", 1, 1], ["Gold", 2, 3]]},
    )


def test_a_category_holding_entries_cannot_be_removed_in_the_admin() -> None:
    client, membership = organizer_client()
    edition = EditionFactory.create(festival=membership.festival)
    used = CategoryFactory.create(edition=edition, name="Narrative")
    SubmissionFactory.create(edition=edition, category=used)
    form = change_form(edition, **{"categories-0-DELETE": "on"})

    response = client.post(f"/admin/festival/edition/{edition.pk}/change/", form)

    assert response.status_code == 200
    assert "Deleting category Narrative would require deleting the following protected" in response.content.decode()
    assert list(edition.categories.values_list("name", flat=True)) == ["Narrative"]
    assert not AuditEvent.objects.filter(action="edition.categories_set").exists()


def test_an_organizer_revokes_an_unused_invitation_from_the_admin() -> None:
    client, membership = organizer_client()
    edition = EditionFactory.create(festival=membership.festival)
    invitation = invite_judge(edition=edition, email="juror@example.com", invited_by=membership.user).invitation

    client.post("/admin/festival/judgeinvitation/", {"action": "revoke", "_selected_action": [invitation.pk]})

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    event = AuditEvent.objects.get(action="judge.invitation_revoked")
    assert (event.actor, event.target_id, event.after) == (
        membership.user,
        str(invitation.pk),
        {"email": "juror@example.com"},
    )
    assert JudgeInvitation.objects.filter(revoked_at__isnull=True).count() == 0


def test_a_judge_membership_page_only_suspends_it_and_never_offers_other_accounts() -> None:
    client, membership = organizer_client()
    judge = JudgeFactory.create(edition=EditionFactory.create(festival=membership.festival))
    url = f"/admin/festival/judgemembership/{judge.pk}/change/"

    page = client.get(url).content.decode()
    response = client.post(url, {"user": membership.user.pk, "is_active": ""})

    assert 'name="user"' not in page and 'name="edition"' not in page  # read-only: no account picker
    assert client.get("/admin/festival/judgemembership/add/").status_code == 403
    assert response.status_code == 302
    judge.refresh_from_db()
    assert (judge.user_id, judge.is_active) != (membership.user.pk, False)
    assert judge.is_active is False
    event = AuditEvent.objects.get(action="judge.active_set")
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})
