"""The demo entrant's draft is complete but for the film, and seeding twice adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from submissions.models import Submission
from submissions.selectors import submission_problems
from tests.submissions.factories import seed_ai_tools

pytestmark = pytest.mark.django_db


def test_seed_demo_submissions_is_idempotent_and_only_the_film_is_missing(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path  # the demo keeps its logins file there
    seed_ai_tools()
    out = StringIO()

    call_command("seed_demo_submissions", stdout=out)
    call_command("seed_demo_submissions", stdout=StringIO())

    submission = Submission.objects.get()
    assert submission.entrant.email == "entrant@laurel.test"
    assert submission_problems(submission) == ["Upload the film."]
    assert [u.tool_name for u in submission.ai_uses.order_by("stage")] == ["Midjourney", "Suno", "Runway"]
    assert out.getvalue().startswith("Draft “Tidewater Lanterns” of entrant@laurel.test in AIFF 2027")
