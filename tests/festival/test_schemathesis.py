"""Schemathesis over the OpenAPI schema (``/api/schema/``) as an entrant, a judge and an organizer.

Every operation (but the docs, the schema itself, and tus, which speaks headers and bytes and
is fuzzed in ``test_fuzz.py``) is called with generated input in the caller's session; no answer may be a
5xx, and answers must be what the schema documents for them (issue 13.2).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings

from festival.models import User
from festival.wsgi import application
from tests.factories import OrganizerFactory, SubmissionFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).exclude(
    path_regex=r"^/api/(docs|schema|uploads)"
)
TOKEN = "t" * 32


def _session(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def sessions(db: None) -> Iterator[dict[str, str]]:
    round_ = rubric_round()
    judge = judge_of(round_.edition)
    assign(round_, judge, submitted_entry(round_.edition))
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    draft = SubmissionFactory.create(edition=round_.edition)
    # The WSGI calls run in this thread on the test's connection: keep Django from closing it
    # at the end of each request, as its own test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield {"entrant": _session(draft.entrant), "judge": _session(judge.user), "organizer": _session(organizer)}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_for_every_role(case: Any, sessions: dict[str, str]) -> None:
    for role, session in sessions.items():
        response = case.call(cookies={"sessionid": session, "csrftoken": TOKEN}, headers={"X-CSRFToken": TOKEN})
        assert response.status_code < 500, (role, case.method, case.formatted_path, response.text[:500])
