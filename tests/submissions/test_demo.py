"""seed_demo_submissions: demo films enter through the submission services and reach the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from media.demo import DEMO_FILMS
from media.models import JobState
from submissions.demo import seed_demo_submissions
from submissions.models import Submission, SubmissionState
from submissions.selectors import submission_problems

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_demo_submissions_are_complete_entries_with_queued_films(
    ffmpeg: str, ai_tools: None, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.VAR_DIR = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/media/"},
        },
    }
    films = tuple(spec for spec in DEMO_FILMS if spec.slug in {"too-short", "night-ferry"})

    with django_capture_on_commit_callbacks() as processing_tasks:
        first = seed_demo_submissions(films=films, short_side=144)
        again = seed_demo_submissions(films=films, short_side=144)

    rows = {
        s.title: (s.entrant.email, s.state, s.film.job.state if s.film else None, s.credits.count(), s.ai_uses.count())
        for s in Submission.objects.select_related("entrant", "film__job")
    }
    assert (first.created, again.created, again.existing, again.draft) == (2, 0, 2, first.draft)
    assert submission_problems(first.draft) == ["Upload the film."]
    assert [u.tool_name for u in first.draft.ai_uses.order_by("stage")] == ["Midjourney", "Suno", "Runway"]
    assert rows == {
        "Tidewater Lanterns": ("entrant@laurel.test", SubmissionState.DRAFT, None, 2, 3),
        "Too Short": ("entrant@laurel.test", SubmissionState.UPLOADED, JobState.QUEUED, 2, 3),
        "Night Ferry": ("filmmaker2@laurel.test", SubmissionState.SUBMITTED, JobState.QUEUED, 2, 3),
    }
    sent = [task for task in processing_tasks if task.__qualname__.startswith("register_film.")]
    assert len(sent) == 2  # one processing task per film, sent on commit
    assert Submission.objects.get(title="Night Ferry").attestations.count() == len(first.edition.required_attestations)
