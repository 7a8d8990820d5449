"""Property-based: hostile input to every form and every API operation is never a 5xx (issue 13.2).

The forms are found, not listed: each page of each role is fetched and every ``<form>`` on
it (action, method, field names) is posted with values drawn by Hypothesis from what once
caused 500s (Unicode digits, 5,000-digit numbers, NUL and other control characters, huge
and deeply nested JSON, odd ids). The API operations come from the OpenAPI schema
(``/api/schema/``): every path and method, path ids replaced by real ids of the caller's
own rows (and by hostile ones), bodies built from each operation's property names. Every
answer must be below 500. ``max_examples`` is kept modest so the suite stays quick.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from festival.models import User
from tests.factories import OrganizerFactory, SubmissionFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db

HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "²",
            "٣",
            "9" * 5000,
            "-1",
            "0",
            "1e309",
            "NaN",
            "\x00",
            "a\x00b",
            "\x1b[31m",
            "\u202e",
            "up:²",
            "down:" + "9" * 5000,
            " ",
            "",
            "x" * 3000,
            "=HYPERLINK(1)",
            "null",
        ]
    ),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
JSON_SCALAR = st.one_of(
    HOSTILE_TEXT,
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=8,
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class World:
    clients: dict[str, Client]
    pages: dict[str, list[str]]
    ids: dict[str, int]
    forms: list[tuple[str, str, list[str]]]  # role, action, field names (found before fuzzing)
    operations: list[tuple[str, str, list[str]]]  # path, method, body property names


def _client(user: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def world(db: None) -> World:
    round_ = rubric_round()
    judge = judge_of(round_.edition, name="Jo Judge")
    assignment = assign(round_, judge, submitted_entry(round_.edition, title="A film"))
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    draft = SubmissionFactory.create(edition=round_.edition)
    edition = round_.edition_id
    world = World(
        clients={
            "anonymous": Client(raise_request_exception=False),
            "entrant": _client(draft.entrant),
            "judge": _client(judge.user),
            "organizer": _client(organizer),
        },
        pages={
            "anonymous": ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"],
            "entrant": [
                f"/me/editions/{edition}/enter/",
                *(
                    f"/me/submissions/{draft.pk}/{step}"
                    for step in ("", "details/", "credits/", "disclosure/", "statements/", "withdraw/")
                ),
            ],
            "judge": [
                f"/judge/rounds/{round_.pk}/entries/{assignment.pk}/",
                f"/judge/editions/{edition}/profile/",
            ],
            "organizer": [
                f"/organize/rounds/{round_.pk}/",
                f"/organize/editions/{edition}/results/",
                f"/organize/editions/{edition}/judges/",
            ],
        },
        ids={
            "assignment_id": assignment.pk,
            "round_id": round_.pk,
            "edition_id": edition,
            "id": draft.pk,
            "pk": draft.pk,
            "submission_id": draft.pk,
        },
        forms=[],
        operations=[],
    )
    world.forms = [
        (role, action, names)
        for role, paths in world.pages.items()
        for path in paths
        for action, names in forms_on(world.clients[role], path)
    ]
    world.operations = _operations(_schema(world.clients["judge"]))
    return world


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
_FIELD = re.compile(r"<(?:input|select|textarea|button)\b[^>]*\bname=\"([^\"]+)\"", re.I)


def forms_on(client: Client, path: str) -> list[tuple[str, list[str]]]:
    """(action, field names) of every POST form on the page."""
    response = client.get(path)
    assert response.status_code < 500, path
    found = []
    for attrs, body in _FORM.findall(response.content.decode()):
        attributes = dict(_ATTR.findall(attrs))
        if attributes.get("method", "get").lower() != "post":
            continue
        action = html.unescape(attributes.get("action", "")) or path
        names = sorted({n for n in _FIELD.findall(body) if n != "csrfmiddlewaretoken"})
        found.append((action, names))
    return found


def test_every_page_has_forms_to_fuzz(world: World) -> None:
    assert len(world.forms) >= 12
    assert {role for role, _, _ in world.forms} == {"anonymous", "entrant", "judge", "organizer"}
    assert len(world.operations) >= 10


@FUZZ
@given(data=st.data())
def test_hostile_form_posts_are_never_a_5xx(world: World, data: st.DataObject) -> None:
    role, action, names = data.draw(st.sampled_from(world.forms))
    values = {name: data.draw(st.lists(HOSTILE_TEXT, min_size=1, max_size=2)) for name in names}
    response = world.clients[role].post(action, values)
    assert response.status_code < 500, (action, values, response.content[:500])


def _schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    loaded: dict[str, Any] = yaml.safe_load(response.content)
    return loaded


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    ops = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = body.get("$ref", "")
            props = list(schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("properties", {}))
            ops.append((path, method, props))
    return ops


@FUZZ
@given(data=st.data())
def test_hostile_api_requests_are_never_a_5xx(world: World, data: st.DataObject) -> None:
    role = data.draw(st.sampled_from(["entrant", "judge", "organizer"]))
    client = world.clients[role]
    path, method, props = data.draw(st.sampled_from(world.operations))

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        real = str(world.ids.get(name, 1))
        choice: str = data.draw(st.sampled_from([real, real, "²", "9" * 30, "0"]))
        return choice

    url = re.sub(r"\{(\w+)\}", fill, path)
    if "{" in url or "uploads" in url:
        return  # the tus endpoints speak headers and bytes, fuzzed below
    body: Any = {p: data.draw(JSON_VALUE) for p in props if data.draw(st.booleans())}
    if data.draw(st.booleans()):
        body = data.draw(JSON_VALUE)
    query = {"limit": data.draw(HOSTILE_TEXT), "offset": data.draw(HOSTILE_TEXT)} if method == "get" else {}
    if method == "get":
        response = client.get(url, query)
    else:
        response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
    assert response.status_code < 500, (method, url, body, response.content[:500])


@FUZZ
@given(
    length=HOSTILE_TEXT,
    metadata=st.dictionaries(st.sampled_from(["submission", "filename", "filetype", "x"]), HOSTILE_TEXT, max_size=3),
    range_header=st.one_of(HOSTILE_TEXT, HOSTILE_TEXT.map(lambda v: f"bytes={v}-"), st.just("bytes=-" + "9" * 5000)),
)
def test_hostile_tus_creation_and_range_headers_are_never_a_5xx(
    world: World, length: str, metadata: dict[str, str], range_header: str
) -> None:
    import base64

    encoded = ",".join(
        f"{k} {base64.b64encode(v.encode('utf-8', 'surrogatepass')).decode()}" for k, v in metadata.items()
    )
    response = world.clients["entrant"].post(
        "/api/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": length.encode("ascii", "replace").decode(),
            "Upload-Metadata": encoded,
        },
    )
    assert response.status_code < 500, (length, metadata, response.content[:300])
    media = world.clients["judge"].get(
        f"/judge/entries/{world.ids['assignment_id']}/media/mp4/720p.mp4",
        headers={"Range": range_header.encode("ascii", "replace").decode()},
    )
    assert media.status_code < 500
