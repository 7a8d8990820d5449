"""seed_demo_submissions: demo films enter through the submission services and reach the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from media.demo import DEMO_FILMS
from media.models import JobState
from submissions.demo import seed_demo_submissions
from submissions.models import Submission, SubmissionState

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_demo_submissions_are_complete_entries_with_queued_films(ffmpeg: str, settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/media/"},
        },
    }
    films = tuple(spec for spec in DEMO_FILMS if spec.slug in {"too-short", "night-ferry"})

    with mock.patch("media.services.enqueue_processing") as enqueue:
        first = seed_demo_submissions(films=films, short_side=144)
        again = seed_demo_submissions(films=films, short_side=144)

    rows = {
        s.title: (s.entrant.email, s.state, s.film.job.state if s.film else None, s.credits.count(), s.ai_uses.count())
        for s in Submission.objects.select_related("entrant", "film__job")
    }
    assert (first.created, again.created, again.existing) == (2, 0, 2)
    assert rows == {
        "Too Short": ("entrant@laurel.test", SubmissionState.UPLOADED, JobState.QUEUED, 2, 3),
        "Night Ferry": ("filmmaker2@laurel.test", SubmissionState.SUBMITTED, JobState.QUEUED, 2, 3),
    }
    assert enqueue.call_count == 2
    assert Submission.objects.get(title="Night Ferry").attestations.count() == len(first.edition.required_attestations)
