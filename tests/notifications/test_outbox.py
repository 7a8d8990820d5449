"""The organizers' outbox: edited templates, review, broadcasts to a filtered audience."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from notifications import delivery, events, outbox, services
from notifications.models import Broadcast, EventTemplate, Message, MessageState
from submissions.models import SubmissionState
from tests.factories import CategoryFactory, EditionFactory, OrganizerFactory, SubmissionFactory, UserFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_client() -> tuple[Client, Any]:
    membership = OrganizerFactory.create()
    edition = EditionFactory.create(festival=membership.festival, name="AIFF 2027")
    client = Client()
    client.force_login(membership.user)
    return client, edition


def _withdrawn(ada: Any, edition: Any) -> Message | None:
    return services.notify(
        event=events.SUBMISSION_WITHDRAWN,
        recipient=ada,
        edition=edition,
        context={
            "title": "Lumen",
            "reference": "AIFF27-000007",
            "submission_url": "https://x/7/",
            "withdrawn_at": "now",
        },
        key="w-7",
    )


def test_a_bad_placeholder_is_a_form_error_and_a_good_template_is_used_previewed_and_reset(
    organizer_client: tuple[Client, Any],
) -> None:
    client, edition = organizer_client
    url = f"/organize/editions/{edition.pk}/templates/{events.SUBMISSION_WITHDRAWN}/"
    bad = client.post(url, {"subject": "Gone: {{ titel }}", "body": "Hi", "action": "save"})
    assert bad.status_code == 200
    assert "Unknown placeholder {{ titel }}. Use one of: " in bad.text
    assert not EventTemplate.objects.exists()

    ada = UserFactory.create(email="ada@example.org", full_name="Ada")
    _withdrawn(ada, edition)  # her latest values feed the preview
    preview = client.post(
        url,
        {
            "subject": "{{ title }} left {{ edition_name }}",
            "body": "Dear {{ recipient_name }}: {{ reference }}",
            "action": "preview",
            "preview_for": "ada@example.org",
        },
    )
    assert "Lumen left AIFF 2027" in preview.text and "Dear Ada: AIFF27-000007" in preview.text

    saved = client.post(url, {"subject": "{{ title }} left", "body": "Bye {{ recipient_name }}", "action": "save"})
    assert saved.status_code == 302
    bob = UserFactory.create(full_name="Bob")
    message = _withdrawn(bob, edition)
    assert message is not None and (message.subject, message.text) == ("Lumen left", "Bye Bob")

    client.post(url, {"action": "reset"})
    assert not EventTemplate.objects.exists()
    again = _withdrawn(UserFactory.create(), edition)
    assert again is not None and again.subject == "“Lumen” was withdrawn from AIFF 2027"


def test_an_event_held_for_review_waits_until_an_organizer_sends_or_discards_it(
    organizer_client: tuple[Client, Any],
) -> None:
    client, edition = organizer_client
    url = f"/organize/editions/{edition.pk}/templates/{events.SUBMISSION_WITHDRAWN}/"
    spec = events.EVENTS[events.SUBMISSION_WITHDRAWN]
    client.post(url, {"subject": spec.subject, "body": spec.body, "hold_for_review": "on", "action": "save"})
    first, second = _withdrawn(UserFactory.create(), edition), _withdrawn(UserFactory.create(), edition)
    assert first is not None and second is not None
    assert {first.state, second.state} == {MessageState.HELD}
    assert delivery.send_batch([first.pk]).skipped == 1  # a held message never goes by itself
    page = client.get(f"/organize/editions/{edition.pk}/messages/?state=held")
    assert "2 messages held for review" in page.text
    client.post(f"/organize/editions/{edition.pk}/messages/{first.pk}/review/", {"action": "release"})
    client.post(f"/organize/editions/{edition.pk}/messages/{second.pk}/review/", {"action": "discard"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == MessageState.QUEUED
    assert second.state == MessageState.SUPPRESSED and second.reason.startswith("Discarded in review by ")
    assert delivery.send_batch([first.pk]).sent == 1


def test_a_broadcast_reaches_exactly_the_filtered_audience_once(
    organizer_client: tuple[Client, Any], eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    client, edition = organizer_client
    animation = CategoryFactory.create(edition=edition, name="Animation")
    wanted = [
        SubmissionFactory.create(edition=edition, state=SubmissionState.SUBMITTED, category=animation) for _ in range(3)
    ]
    SubmissionFactory.create(edition=edition, state=SubmissionState.DRAFT, category=animation)
    SubmissionFactory.create(edition=edition, state=SubmissionState.SUBMITTED)
    SubmissionFactory.create(state=SubmissionState.SUBMITTED)  # another edition
    form = {
        "kind": "entrants",
        "state": "submitted",
        "category": str(animation.pk),
        "subject": "Screenings in {{ edition_name }}",
        "body": "Dear {{ recipient_name }}, your film screens on Friday.",
    }
    url = f"/organize/editions/{edition.pk}/messages/compose/"
    preview = client.post(url, {**form, "action": "preview"})
    assert "Entrants (Submitted, Animation): 3 recipients" in preview.text
    assert f"Dear {wanted[0].entrant.full_name}, your film screens on Friday." in preview.text
    assert not Message.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {**form, "action": "send"})
    assert sent.status_code == 302
    broadcast = Broadcast.objects.get()
    assert (broadcast.state, broadcast.recipient_count) == (Broadcast.State.SENT, 3)
    rows = Message.objects.order_by("recipient_id")
    assert [m.recipient_id for m in rows] == sorted(s.entrant_id for s in wanted)
    assert {m.state for m in rows} == {MessageState.SENT}
    assert rows[0].subject == "Screenings in AIFF 2027"
    Broadcast.objects.filter(pk=broadcast.pk).update(state=Broadcast.State.SENDING)
    assert outbox.fan_out(broadcast_id=broadcast.pk) == 0  # a second fan-out creates nothing
    assert Message.objects.count() == 3


def test_judges_behind_in_a_round_and_a_held_broadcast(organizer_client: tuple[Client, Any]) -> None:
    client, edition = organizer_client
    round_ = rubric_round(edition=edition, name="Jury")
    behind, done = judge_of(edition, "Behind"), judge_of(edition, "Done")
    assign(round_, behind, submitted_entry(edition))
    judge_of(edition, "Unassigned")
    audience = {"kind": "judges", "round": str(round_.pk), "progress": "behind"}
    assert outbox.recipient_count(edition, audience) == 1
    assert outbox.recipient_count(edition, {"kind": "judges", "round": str(round_.pk)}) == 1
    assert outbox.recipient_count(edition, {"kind": "judges"}) == 3
    del done
    form = {
        "kind": "judges",
        "round": str(round_.pk),
        "progress": "behind",
        "subject": "Nudge",
        "body": "Two days left.",
        "hold": "on",
        "action": "send",
    }
    client.post(f"/organize/editions/{edition.pk}/messages/compose/", form)
    broadcast = Broadcast.objects.get()
    assert (broadcast.state, broadcast.recipient_count) == (Broadcast.State.HELD, 1)
    assert not Message.objects.exists()
    client.post(f"/organize/editions/{edition.pk}/broadcasts/{broadcast.pk}/release/")
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SENDING
    assert outbox.fan_out(broadcast_id=broadcast.pk) == 1
    assert list(Message.objects.values_list("recipient", flat=True)) == [behind.user_id]


def test_pages_are_for_the_editions_organizers_only_and_the_outbox_has_a_query_budget(
    organizer_client: tuple[Client, Any], django_assert_max_num_queries: Any
) -> None:
    client, edition = organizer_client
    for n in range(30):
        _withdrawn(UserFactory.create(), edition) if n % 2 else services.notify(
            event=events.DRAFT_REMINDER, recipient=UserFactory.create(), edition=edition, context={}, key=f"d{n}"
        )
    with django_assert_max_num_queries(12):
        page = client.get(f"/organize/editions/{edition.pk}/messages/")
    assert page.status_code == 200 and page.text.count("<tr>") == 31
    for path in ("messages/", "messages/compose/", "templates/", f"templates/{events.DRAFT_REMINDER}/"):
        assert client.get(f"/organize/editions/{edition.pk}/{path}").status_code == 200
    other = Client()
    other.force_login(OrganizerFactory.create().user)
    for path in ("messages/", "messages/compose/", "templates/", f"templates/{events.DRAFT_REMINDER}/"):
        assert other.get(f"/organize/editions/{edition.pk}/{path}").status_code == 404
    assert client.get(f"/organize/editions/{edition.pk}/templates/no.such.event/").status_code == 404
