from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from festival.models import AuditEvent
from media.models import JobState, ProcessingJob
from tests.factories import FilmFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["processingjob", "film", "qcreport", "filmoutput"])
def test_changelists_load(admin_client_: Client, model: str, django_assert_max_num_queries: Any) -> None:
    for _ in range(3):
        FilmFactory.create()
    with django_assert_max_num_queries(12):
        response = admin_client_.get(f"/admin/media/{model}/")
    assert response.status_code == 200


def test_reprocess_action(admin_client_: Client, django_capture_on_commit_callbacks: Any) -> None:
    failed = FilmFactory.create(job__state=JobState.FAILED)
    running = FilmFactory.create(job__state=JobState.TRANSCODING)
    jobs = ProcessingJob.objects.filter(film__in=[failed, running])
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client_.post(
            "/admin/media/processingjob/",
            {"action": "reprocess", "_selected_action": [str(job.pk) for job in jobs]},
            follow=True,
        )
    assert response.status_code == 200
    assert len(callbacks) == 2  # delete outputs, enqueue: for the failed film only
    assert [ProcessingJob.objects.get(film=f).state for f in (failed, running)] == ["queued", "transcoding"]
    assert AuditEvent.objects.filter(action="media.film_reprocess").count() == 1
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "1 film(s) sent for processing again.",
        "1 film(s) are being processed right now; skipped.",
    ]
