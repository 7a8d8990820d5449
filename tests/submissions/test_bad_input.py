"""Bad input to the entrant API and the tus server is a clear 400, never a 500 (issue 13.2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from festival.models import User
from submissions.models import Submission, Upload
from tests.submissions.conftest import TUS, metadata

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(media_root: Path) -> None:
    """Every test here stores into its own media root."""


@pytest.mark.parametrize("raw", ["²", "9" * 600, "-3", "", "1 2"])
def test_tus_creation_with_a_bad_submission_id_is_a_400(entrant_client: Client, raw: str) -> None:
    response = entrant_client.post(
        "/api/uploads/", headers={**TUS, "Upload-Length": "10", "Upload-Metadata": metadata(submission=raw)}
    )
    assert response.status_code == 400
    assert "Upload-Metadata must name the submission" in response.content.decode()
    assert not Upload.objects.exists()


def test_deeply_nested_json_is_a_400_not_a_recursion_error(entrant_client: Client) -> None:
    body = '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = entrant_client.post("/api/submissions/", body, content_type="application/json")
    assert response.status_code == 400
    assert "JSON nested too deeply" in response.json()["detail"]


def test_json_deeper_than_the_limit_is_a_400(entrant_client: Client) -> None:
    body = '{"title": ' + "[" * 40 + "]" * 40 + "}"
    response = entrant_client.post("/api/submissions/", body, content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "JSON nested deeper than 16 levels."})


def test_a_json_body_over_the_size_limit_is_a_413(entrant_client: Client, settings: object) -> None:
    body = json.dumps({"title": "x", "synopsis": "y" * 3_000_000})
    response = entrant_client.post("/api/submissions/", body, content_type="application/json")
    assert response.status_code == 413


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x85"])
def test_control_characters_in_api_text_are_a_400_on_the_field(
    entrant: User, entrant_client: Client, char: str
) -> None:
    response = entrant_client.post(
        "/api/submissions/", json.dumps({"title": f"My{char}film"}), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "title": [f"This text contains a control character (U+{ord(char):04X}) that cannot be stored; remove it."]
    }
    assert not Submission.objects.exists()


def test_tabs_and_line_breaks_are_fine(entrant: User, entrant_client: Client) -> None:
    from festival.parsing import first_control_character

    assert first_control_character("a\tb\r\nc") is None
