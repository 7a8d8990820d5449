"""The demo's announced edition: public at once, idempotent, the demo entrant's Gold."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from announcements.demo import seed_demo_results
from announcements.models import Outcome
from festival.models import AuditEvent, User

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_an_announced_edition_once(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "http://127.0.0.1:8000"
    out = StringIO()
    call_command("seed_demo_results", stdout=out)
    assert out.getvalue() == (
        "Announced results (AIFF 2026): http://127.0.0.1:8000/festivals/aiff/2026/  (entrant@laurel.test won Gold)\n"
    )
    events = AuditEvent.objects.count()
    again = seed_demo_results()
    assert again.created is False and AuditEvent.objects.count() == events
    page = Client().get("/festivals/aiff/2026/").content.decode()
    assert "Orchard of Small Hours" in page and "Tidal Cartography" in page
    entrant = User.objects.get(email="entrant@laurel.test")
    labels = sorted(str(o) for o in Outcome.objects.filter(submission__entrant=entrant))
    assert len(labels) == 3
    client = Client()
    client.force_login(entrant)
    film = Outcome.objects.filter(submission__entrant=entrant).first()
    assert film is not None
    outcome_page = client.get(f"/me/submissions/{film.submission_id}/outcome/").content.decode()
    assert 'data-testid="outcome">Gold</p>' in outcome_page and "<h4>Judge 1</h4>" in outcome_page
    assert "music licence" not in outcome_page
