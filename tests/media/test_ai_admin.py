"""Organizers review AI-usage evidence, flags and duplicates in the admin; the include renders for both audiences."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client

from media.ai_usage import ShotLabelError, ai_usage_context, shot_labels_from_post
from media.models import AIEvidence, AIFlag, DuplicatePair, Film, Shot
from tests.factories import EditionFactory, FilmFactory, OrganizerFactory

pytestmark = pytest.mark.django_db


def _film_with_evidence(group_key: str, name: str) -> Film:
    film = FilmFactory.create(group_key=group_key, original_filename=name)
    AIEvidence.objects.create(
        film=film,
        c2pa_state="untrusted",
        c2pa={"claim_generator": "Runway Gen-3 1.0", "signer": "Test Signer", "digital_source_types": []},
        tools_found=[{"tool": "runway", "source": "c2pa", "where": "active manifest", "value": "Runway Gen-3"}],
    )
    AIFlag.objects.create(film=film, code="c2pa_tool_undeclared", message=f"{name} names Runway, not declared.")
    Shot.objects.create(film=film, index=0, start_seconds=0, end_seconds=1.5, label="ai")
    return film


def test_organizers_see_evidence_flags_and_duplicates_of_their_own_editions_only(
    django_assert_max_num_queries: Any,
) -> None:
    membership = OrganizerFactory.create()
    edition = EditionFactory.create(festival=membership.festival)
    mine = _film_with_evidence(f"edition:{edition.pk}", "mine.mp4")
    twin = _film_with_evidence(f"edition:{edition.pk}", "twin.mp4")
    theirs = _film_with_evidence(f"edition:{EditionFactory.create().pk}", "theirs.mp4")
    DuplicatePair.objects.create(
        film_a=mine, film_b=twin, group_key=mine.group_key, matched_frames=10, compared_frames=12
    )
    for n in range(8):  # enough rows that a per-row query would show in the count
        _film_with_evidence(f"edition:{edition.pk}", f"more-{n}.mp4")
    client = Client()
    client.force_login(membership.user)

    for path in ("/admin/media/aievidence/", "/admin/media/aiflag/", "/admin/media/duplicatepair/"):
        with django_assert_max_num_queries(14):
            listing = client.get(path)
        body = listing.content.decode()
        assert listing.status_code == 200, path
        assert "mine.mp4" in body and "theirs.mp4" not in body, path

    filtered = client.get(f"/admin/media/aiflag/?group=edition:{edition.pk}")
    assert filtered.status_code == 200 and "twin.mp4" in filtered.content.decode()
    assert f"{membership.festival.name} — {edition.name}" in filtered.content.decode()
    assert "twin.mp4" not in client.get("/admin/media/aiflag/?group=edition:0").content.decode()

    detail = client.get(f"/admin/media/aievidence/{mine.ai_evidence.pk}/change/")
    body = detail.content.decode()
    assert detail.status_code == 200
    assert "Runway Gen-3 1.0" in body and "mine.mp4 names Runway, not declared." in body
    assert f"Film {twin.pk}: 10 of 12 sampled frames match." in body
    assert client.get(f"/admin/media/aievidence/{theirs.ai_evidence.pk}/change/").status_code in (302, 404)
    assert client.post(f"/admin/media/aiflag/{mine.ai_flags.get().pk}/delete/").status_code == 403
    assert AIFlag.objects.count() == 11


def test_people_who_organize_nothing_do_not_see_the_evidence() -> None:
    outsider = OrganizerFactory.create().user
    OrganizerFactory._meta.model.objects.filter(user=outsider).delete()
    client = Client()
    client.force_login(outsider)
    assert client.get("/admin/media/aiflag/").status_code == 403


def test_the_include_shows_flags_to_organizers_and_a_label_form_to_entrants() -> None:
    film = _film_with_evidence("edition:9", "film.mp4")

    organizer_html = render_to_string("media/ai_usage.html", ai_usage_context(film.pk, show_flags=True))
    entrant_html = render_to_string(
        "media/ai_usage.html", ai_usage_context(film.pk, show_flags=False, label_form_action="/label/")
    )

    assert "film.mp4 names Runway, not declared." in organizer_html
    assert "<span>AI-generated</span>" in organizer_html and "<form" not in organizer_html
    assert "not declared" not in entrant_html and "Flags for organizers" not in entrant_html
    assert '<form method="post" action="/label/">' in entrant_html
    assert '<option value="ai" selected>AI-generated</option>' in entrant_html
    assert f'<label for="shot-{film.pk}-0">Shot 1 is</label>' in entrant_html


def test_the_include_before_analysis_and_without_a_manifest() -> None:
    film = FilmFactory.create()
    assert "has not been analysed yet" in render_to_string(
        "media/ai_usage.html", ai_usage_context(film.pk, show_flags=True)
    )
    AIEvidence.objects.create(film=film)
    html = render_to_string("media/ai_usage.html", ai_usage_context(film.pk, show_flags=True))
    assert "No C2PA manifest. This is the usual case" in html
    assert "does not contradict the declaration" in html


def test_shot_labels_from_post() -> None:
    assert shot_labels_from_post({"csrfmiddlewaretoken": "x", "shot-0": "ai", "shot-12": "hybrid"}) == {
        0: "ai",
        12: "hybrid",
    }
    with pytest.raises(ShotLabelError, match="Not a shot: shot-x"):
        shot_labels_from_post({"shot-x": "ai"})
