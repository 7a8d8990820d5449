"""seed_demo_judging: a judge's login lands on a real queue; a second run changes nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from festival.models import AuditEvent, User
from judging.models import Assignment, Round, Score, ScoreState
from submissions.models import Submission

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_screening_round_with_assignments_and_scores(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    out = StringIO()

    call_command("seed_demo_judging", stdout=out)
    counts = (Round.objects.count(), Submission.objects.count(), Assignment.objects.count(), Score.objects.count())
    events = AuditEvent.objects.count()
    call_command("seed_demo_judging", stdout=StringIO())

    assert counts == (3, 12, 36, 20)
    assert (
        Round.objects.count(),
        Submission.objects.count(),
        Assignment.objects.count(),
        Score.objects.count(),
    ) == counts
    assert AuditEvent.objects.count() == events
    assert out.getvalue().startswith("AIFF 2027: Screening round open with 12 entries, 36 assignments and 20 scores.")
    assert Score.objects.filter(state=ScoreState.SUBMITTED).count() == 17
    client = Client()
    client.force_login(User.objects.get(email="judge@laurel.test"))
    body = client.get("/judge/").content.decode()
    assert ">1 of 12</strong> scores submitted." in body
    organizer = Client()
    organizer.force_login(User.objects.get(email="organizer@laurel.test"))
    edition_id = Round.objects.values_list("edition_id", flat=True).first()
    assert organizer.get(f"/organize/editions/{edition_id}/results/").status_code == 200
