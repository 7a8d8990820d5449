"""The entrant's live status endpoint: exact values, ETag/304, two queries however many films."""

from __future__ import annotations

import pytest
from django.test import Client

from festival.models import User
from media.models import JobState, ProcessingJob
from submissions.models import SubmissionState as S
from tests.factories import FilmFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def _films(entrant: User, n: int) -> None:
    for _ in range(n):
        SubmissionFactory.create(entrant=entrant, state=S.UPLOADED, film=FilmFactory.create(job__state=JobState.READY))


def test_the_status_says_each_films_stage_and_progress_and_answers_304_when_unchanged(
    entrant: User, entrant_client: Client
) -> None:
    film = FilmFactory.create(job__state=JobState.TRANSCODING)
    ProcessingJob.objects.filter(film=film).update(progress=42)
    tides = SubmissionFactory.create(entrant=entrant, title="Tides", state=S.UPLOADED, film=film)
    draft = SubmissionFactory.create(entrant=entrant, title="Draft One")
    SubmissionFactory.create(title="Someone else's", state=S.UPLOADED, film=FilmFactory.create())

    first = entrant_client.get("/me/status/")
    again = entrant_client.get("/me/status/", HTTP_IF_NONE_MATCH=first["ETag"])
    ProcessingJob.objects.filter(film=film).update(state=JobState.READY, progress=100)
    done = entrant_client.get("/me/status/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first["Cache-Control"] == "private, no-cache"
    assert first.json() == {
        "active": True,
        "values": {
            f"sub-{tides.pk}-state": "Processing: transcoding (42 %)",
            f"sub-{tides.pk}-processing": True,
            f"sub-{tides.pk}-progress": 42,
            f"sub-{tides.pk}-failure": "",
            f"sub-{tides.pk}-settled": False,
            f"sub-{draft.pk}-state": "Draft",
            f"sub-{draft.pk}-processing": False,
            f"sub-{draft.pk}-progress": 0,
            f"sub-{draft.pk}-failure": "",
            f"sub-{draft.pk}-settled": False,
        },
    }
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", first["ETag"])
    assert done.status_code == 200 and done["ETag"] != first["ETag"]
    assert done.json()["active"] is False
    assert done.json()["values"][f"sub-{tides.pk}-state"] == "Processed, ready to submit"
    assert done.json()["values"][f"sub-{tides.pk}-settled"] is True
    one = entrant_client.get(f"/me/status/?submission={tides.pk}").json()["values"]
    assert sorted(one) == sorted(k for k in first.json()["values"] if k.startswith(f"sub-{tides.pk}-"))


@pytest.mark.parametrize("films", [3, 60])
def test_the_status_costs_two_queries_however_many_films(
    entrant: User, entrant_client: Client, films: int, django_assert_num_queries
) -> None:
    _films(entrant, films)
    entrant_client.get("/me/status/")  # the session and user rows are loaded once per request
    with django_assert_num_queries(4):  # session, user, submissions, jobs
        response = entrant_client.get("/me/status/")
    assert len(response.json()["values"]) == 5 * films


def test_the_status_needs_sign_in() -> None:
    assert Client().get("/me/status/").status_code == 302
