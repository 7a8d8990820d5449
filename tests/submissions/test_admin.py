"""Organizer back office: scoped list, read-only detail, disqualify action through the service."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.test import Client

from festival.models import AuditEvent
from submissions.models import Submission
from submissions.models import SubmissionState as S
from tests.factories import (
    CreditFactory,
    EditionFactory,
    FilmFactory,
    OrganizerFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.submissions.factories import ready_submission

pytestmark = pytest.mark.django_db

LIST = "/admin/submissions/submission/"


@pytest.fixture
def organizer_setup():
    membership = OrganizerFactory.create()
    edition = EditionFactory.create(festival=membership.festival)
    client = Client()
    client.force_login(membership.user)
    return client, membership, edition


def test_organizers_see_their_festivals_submissions_filtered_by_state(
    organizer_setup, django_assert_max_num_queries
) -> None:
    client, _membership, edition = organizer_setup
    for n in range(5):
        SubmissionFactory.create(edition=edition, title=f"Ours {n}", state=S.UPLOADED, film=FilmFactory.create())
    SubmissionFactory.create(edition=edition, title="Our draft")
    theirs = SubmissionFactory.create(title="Theirs")

    with django_assert_max_num_queries(16):
        listing = client.get(LIST)
    drafts = client.get(LIST, {"state__exact": "draft"})

    body = listing.content.decode()
    assert listing.status_code == 200
    assert "Ours 4" in body and "Our draft" in body and "Theirs" not in body
    assert "Our draft" in drafts.content.decode() and "Ours 4" not in drafts.content.decode()
    assert client.get(f"{LIST}{theirs.pk}/change/").status_code in (302, 404)


def test_the_change_page_is_read_only(organizer_setup) -> None:
    client, _membership, edition = organizer_setup
    submission = ready_submission(edition=edition, title="Original")

    page = client.get(f"{LIST}{submission.pk}/change/")
    posted = client.post(f"{LIST}{submission.pk}/change/", {"title": "Changed by organizer"})

    assert page.status_code == 200
    assert 'name="title"' not in page.content.decode()
    assert posted.status_code == 403
    assert Submission.objects.get(pk=submission.pk).title == "Original"


def test_disqualify_action_asks_for_a_reason_then_calls_the_service(organizer_setup) -> None:
    client, membership, edition = organizer_setup
    first = ready_submission(edition=edition)
    second = ready_submission(edition=edition)
    selection = {"action": "disqualify", helpers.ACTION_CHECKBOX_NAME: [first.pk, second.pk]}

    ask = client.post(LIST, selection)
    assert ask.status_code == 200
    assert "Disqualify 2 submissions" in ask.content.decode()
    no_reason = client.post(LIST, {**selection, "apply": "1", "reason": ""})
    assert "This field is required." in no_reason.content.decode()
    assert Submission.objects.filter(state=S.DISQUALIFIED).count() == 0

    done = client.post(LIST, {**selection, "apply": "1", "reason": "Live-action footage."})

    assert done.status_code == 302
    assert sorted(Submission.objects.values_list("state", "disqualified_reason")) == [
        (S.DISQUALIFIED, "Live-action footage."),
        (S.DISQUALIFIED, "Live-action footage."),
    ]
    assert AuditEvent.objects.filter(action="submission.disqualified", actor=membership.user).count() == 2


def test_the_ai_tool_vocabulary_is_managed_by_platform_admins(ai_tools: None) -> None:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    response = client.get("/admin/submissions/aitool/")
    assert response.status_code == 200
    assert "ElevenLabs" in response.content.decode()


def test_searching_by_a_credit_name_lists_each_submission_once(organizer_setup) -> None:
    client, _membership, edition = organizer_setup
    submission = SubmissionFactory.create(edition=edition, title="Twice credited")
    CreditFactory.create(submission=submission, name="Ada Lovelace")
    CreditFactory.create(submission=submission, name="Ada Byron")

    response = client.get(LIST, {"q": "Ada"})

    assert response.content.decode().count(f"/admin/submissions/submission/{submission.pk}/change/") == 1
