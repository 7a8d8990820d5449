"""The entrant's API: same rules as the pages, 404 for others' submissions, bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from festival.models import User
from media.models import JobState
from submissions.models import AttestationRecord, Credit, Submission
from submissions.models import SubmissionState as S
from tests.factories import CategoryFactory, EditionFactory, FilmFactory, SubmissionFactory
from tests.submissions.factories import ready_submission

pytestmark = pytest.mark.django_db

API = "/api/submissions/"


def test_list_shows_only_my_submissions_with_film_progress(
    entrant: User, entrant_client: Client, django_assert_max_num_queries
) -> None:
    for _ in range(6):
        SubmissionFactory.create(
            entrant=entrant, state=S.UPLOADED, film=FilmFactory.create(job__state=JobState.TRANSCODING)
        )
    mine = SubmissionFactory.create(entrant=entrant, title="Mine, newest")
    SubmissionFactory.create(title="Not mine")

    with django_assert_max_num_queries(6):
        response = entrant_client.get(API)

    body = response.json()
    assert response.status_code == 200
    assert len(body["results"]) == 7
    first = body["results"][0]
    assert (first["id"], first["title"], first["state"], first["film"], first["editable"]) == (
        mine.pk,
        "Mine, newest",
        "draft",
        None,
        True,
    )
    assert first["upload_url"] == f"/me/submissions/{mine.pk}/upload/"
    assert body["results"][1]["film"] == {"state": "transcoding", "progress": 0, "failure_reason": ""}
    assert body["results"][1]["state_label"] == "Processing: transcoding (0 %)"


def test_the_api_needs_sign_in() -> None:
    assert Client().get(API).status_code == 403


def test_create_a_draft(entrant: User, entrant_client: Client) -> None:
    edition = EditionFactory.create()
    category = CategoryFactory.create(edition=edition)
    response = entrant_client.post(
        API,
        {"edition": edition.pk, "category": category.pk, "title": "Tides", "languages": ["EN"], "country": "JP"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    submission = Submission.objects.get()
    assert response.json()["id"] == submission.pk
    assert (submission.entrant, submission.title, submission.languages, submission.country, submission.category) == (
        entrant,
        "Tides",
        ["en"],
        "JP",
        category,
    )


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"declared_runtime_seconds": -3},
            "declared_runtime_seconds",
            "Ensure this value is greater than or equal to 1.",
        ),
        ({"synopsis": "x" * 5001}, "synopsis", "Ensure this field has no more than 5000 characters."),
        ({"country": "ZZ"}, "country", '"ZZ" is not a valid choice.'),
        (
            {"languages": ["english"]},
            "languages",
            "'english' is not a two-letter language code (ISO 639-1, for example en or fr; zxx for none).",
        ),
    ],
)
def test_bad_input_is_a_400_on_the_field(entrant_client: Client, payload: dict, field: str, message: str) -> None:
    edition = EditionFactory.create()
    response = entrant_client.post(
        API, {"edition": edition.pk, "title": "T", **payload}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert Submission.objects.count() == 0


def test_a_10_mb_synopsis_is_refused_not_a_500(entrant: User, entrant_client: Client) -> None:
    submission = SubmissionFactory.create(entrant=entrant, synopsis="Kept.")
    response = entrant_client.patch(
        f"{API}{submission.pk}/", {"synopsis": "x" * 10_000_000}, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 2621440 bytes.", "code": "too_large"}
    submission.refresh_from_db()
    assert submission.synopsis == "Kept."


def test_create_after_the_deadline_and_over_the_limit(entrant: User, entrant_client: Client) -> None:
    closed = EditionFactory.create(submissions_close_at=timezone.now() - timedelta(days=2))
    late = entrant_client.post(API, {"edition": closed.pk, "title": "Late"}, content_type="application/json")
    assert late.status_code == 403
    assert late.json()["code"] == "closed"
    assert late.json()["detail"].startswith("Submissions closed on ")

    edition = EditionFactory.create(films_per_entrant=1)
    SubmissionFactory.create(entrant=entrant, edition=edition)
    second = entrant_client.post(API, {"edition": edition.pk, "title": "Two"}, content_type="application/json")
    assert second.status_code == 409
    assert second.json()["code"] == "entry_limit"
    assert Submission.objects.count() == 1


def test_update_details_and_locked_after_submit(entrant: User, entrant_client: Client) -> None:
    submission = ready_submission(entrant=entrant)
    response = entrant_client.patch(
        f"{API}{submission.pk}/", {"title": "Renamed", "edition": 999}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"
    assert response.json()["edition"] == submission.edition_id

    submitted = entrant_client.post(f"{API}{submission.pk}/submit/")
    assert submitted.status_code == 200
    assert (submitted.json()["state"], submitted.json()["editable"]) == ("submitted", False)

    locked = entrant_client.patch(f"{API}{submission.pk}/", {"title": "Again"}, content_type="application/json")
    assert locked.status_code == 409
    assert locked.json() == {
        "detail": "This film has been submitted; the festival allows no more changes.",
        "code": "locked",
    }
    assert Submission.objects.get(pk=submission.pk).title == "Renamed"


def test_submit_incomplete_lists_the_problems(entrant: User, entrant_client: Client) -> None:
    submission = ready_submission(entrant=entrant, logline="")
    assert entrant_client.get(f"{API}{submission.pk}/problems/").json() == {"problems": ["Add a logline."]}
    response = entrant_client.post(f"{API}{submission.pk}/submit/")
    assert response.status_code == 400
    assert response.json()["code"] == "incomplete"
    assert response.json()["problems"] == ["Add a logline."]


def test_credits_disclosure_and_attestations(entrant: User, entrant_client: Client, ai_tools: None) -> None:
    submission = SubmissionFactory.create(entrant=entrant)
    url = f"{API}{submission.pk}/"

    credits = entrant_client.put(
        url + "credits/",
        [{"name": "Ada", "role": "director", "is_entrant": True}, {"name": "Grace", "role": "cast"}],
        content_type="application/json",
    )
    assert credits.status_code == 200
    assert credits.json() == [
        {"name": "Ada", "role": "director", "organization": "", "is_entrant": True},
        {"name": "Grace", "role": "cast", "organization": "", "is_entrant": False},
    ]
    no_entrant = entrant_client.put(url + "credits/", [{"name": "X", "role": "cast"}], content_type="application/json")
    assert no_entrant.status_code == 400
    assert Credit.objects.filter(submission=submission).count() == 2

    disclosure = entrant_client.put(
        url + "disclosure/",
        {
            "statement": "Generated, then edited.",
            "uses": [
                {"stage": "video", "tool": "kling", "model_version": "2.1", "runtime_share_percent": 70},
                {"stage": "voice", "tool": None, "tool_other": "Own voice clone", "runtime_share_percent": 20},
            ],
        },
        content_type="application/json",
    )
    assert disclosure.status_code == 200, disclosure.content
    assert disclosure.json() == {
        "statement": "Generated, then edited.",
        "uses": [
            {
                "stage": "video",
                "tool": "kling",
                "tool_other": "",
                "model_version": "2.1",
                "runtime_share_percent": 70,
                "notes": "",
            },
            {
                "stage": "voice",
                "tool": None,
                "tool_other": "Own voice clone",
                "model_version": "",
                "runtime_share_percent": 20,
                "notes": "",
            },
        ],
    }
    bad_tool = entrant_client.put(
        url + "disclosure/",
        {"uses": [{"stage": "video", "tool": "no-such-tool", "runtime_share_percent": 5}]},
        content_type="application/json",
    )
    assert bad_tool.status_code == 400
    assert submission.ai_uses.count() == 2

    statements = entrant_client.put(url + "attestations/", {"codes": ["rights"]}, content_type="application/json")
    assert statements.status_code == 200
    rows = {row["code"]: row for row in statements.json()}
    assert rows["rights"]["accepted"] is True and rows["rights"]["accepted_at"] is not None
    assert rows["rights"]["text"] == "I own or license all music, footage and other material in the film"
    assert rows["rules"] == {
        "code": "rules",
        "text": "I accept the edition's rules",
        "required_to_submit": True,
        "accepted": False,
        "accepted_at": None,
    }
    assert list(AttestationRecord.objects.values_list("code", flat=True)) == ["rights"]


def test_withdraw(entrant: User, entrant_client: Client) -> None:
    submission = SubmissionFactory.create(entrant=entrant)
    response = entrant_client.post(f"{API}{submission.pk}/withdraw/")
    assert (response.status_code, response.json()["state"]) == (200, "withdrawn")
    again = entrant_client.post(f"{API}{submission.pk}/withdraw/")
    assert (again.status_code, again.json()["code"]) == (409, "state_conflict")


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("patch", ""),
        ("put", ""),
        ("get", "credits/"),
        ("put", "credits/"),
        ("get", "disclosure/"),
        ("put", "disclosure/"),
        ("get", "attestations/"),
        ("put", "attestations/"),
        ("get", "problems/"),
        ("post", "submit/"),
        ("post", "withdraw/"),
    ],
)
def test_another_users_submission_is_a_404_on_every_endpoint(entrant_client: Client, method: str, suffix: str) -> None:
    other = ready_submission()
    response = getattr(entrant_client, method)(f"{API}{other.pk}/{suffix}", {}, content_type="application/json")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.state == S.UPLOADED


def test_ai_tools_vocabulary(entrant_client: Client, ai_tools: None, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(4):
        response = entrant_client.get(f"{API}ai-tools/")
    slugs = [tool["slug"] for tool in response.json()]
    assert "runway" in slugs and "suno" in slugs and len(slugs) == 22


def test_schema_documents_the_submission_endpoints(entrant_client: Client) -> None:
    schema = entrant_client.get("/api/schema/", {"format": "json"}).json()
    paths = set(schema["paths"])
    assert {
        "/api/submissions/",
        "/api/submissions/{id}/",
        "/api/submissions/{id}/credits/",
        "/api/submissions/{id}/disclosure/",
        "/api/submissions/{id}/attestations/",
        "/api/submissions/{id}/submit/",
        "/api/submissions/{id}/withdraw/",
        "/api/submissions/ai-tools/",
    } <= paths
