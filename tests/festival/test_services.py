from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from festival import audit_actions, services
from festival.demo import seed_demo_festival
from festival.models import AuditEvent, AwardTier, Category, Edition, JudgeMembership, User
from tests.factories import CategoryFactory, EditionFactory, FestivalFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_edition_gets_the_ai_film_festival_award_ladder() -> None:
    organizer = UserFactory.create()
    festival = services.create_festival(name="AIFF", slug="aiff", organizer=organizer)
    now = timezone.now()

    edition = services.create_edition(
        festival=festival,
        name="AIFF 2027",
        slug="aiff-2027",
        year=2027,
        time_zone="America/New_York",
        submissions_open_at=now,
        submissions_close_at=now + timedelta(days=30),
        categories=("Narrative", "Music video"),
        actor=organizer,
    )

    ladder = list(AwardTier.objects.filter(edition=edition).values_list("name", "rank_from", "rank_to"))
    assert ladder == [("Grand Prix", 1, 1), ("Gold", 2, 2), ("Silver", 3, 3), ("Honoree", 4, 5), ("Merit", 6, 10)]
    assert list(Category.objects.filter(edition=edition).values_list("slug", flat=True)) == [
        "narrative",
        "music-video",
    ]
    assert User.objects.get(pk=organizer.pk).is_staff is True


def test_an_edition_with_an_inverted_window_or_runtime_is_refused() -> None:
    organizer = UserFactory.create()
    now = timezone.now()

    with pytest.raises(ValidationError) as raised:
        services.create_edition(
            festival=FestivalFactory.create(),
            name="Broken",
            slug="broken",
            year=2027,
            time_zone="UTC",
            submissions_open_at=now,
            submissions_close_at=now - timedelta(days=1),
            actor=organizer,
            runtime_min_seconds=600,
            runtime_max_seconds=60,
        )

    assert set(raised.value.message_dict) == {"submissions_close_at", "runtime_max_seconds"}
    assert Edition.objects.count() == 0


def test_the_demo_seed_is_idempotent(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    edition, first = seed_demo_festival()
    again, second = seed_demo_festival()

    assert again.pk == edition.pk
    assert first == second
    assert [login.role for login in first] == ["organizer", "judge", "judge", "judge", "entrant"]
    assert JudgeMembership.objects.filter(edition=edition).count() == 3
    assert all(User.objects.get(email=login.email).check_password(login.password) for login in first)


def test_set_categories_swaps_slugs_removes_the_unlisted_and_audits_once() -> None:
    organizer = UserFactory.create()
    edition = EditionFactory.create()
    short, music, gone = (
        CategoryFactory.create(edition=edition, name=name, slug=slug, position=position)
        for position, (name, slug) in enumerate((("Short", "short"), ("Music", "music"), ("Gone", "gone")))
    )
    before = AuditEvent.objects.count()

    services.set_categories(
        edition=edition,
        categories=[
            services.CategorySpec(id=short.pk, name="Short", slug="music", position=0),
            services.CategorySpec(id=music.pk, name="Music", slug="short", position=1),
            services.CategorySpec(name="New", position=2),
        ],
        actor=organizer,
    )

    rows = Category.objects.filter(edition=edition).order_by("position")
    assert list(rows.values_list("pk", "slug")) == [(short.pk, "music"), (music.pk, "short"), (rows[2].pk, "new")]
    assert not Category.objects.filter(pk=gone.pk).exists()
    event = AuditEvent.objects.order_by("pk").last()
    assert AuditEvent.objects.count() == before + 1 and event is not None
    assert event.action == audit_actions.CATEGORIES_SET and event.before and event.after
    assert [c["slug"] for c in event.before["categories"]] == ["short", "music", "gone"]
    assert [c["slug"] for c in event.after["categories"]] == ["music", "short", "new"]
