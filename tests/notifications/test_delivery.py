"""notify() → Celery task → a real SMTP server process: what arrives, once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from festival.models import Edition, User
from notifications import delivery, events, services, tasks
from notifications.models import DeliveryAttempt, Message, MessageState, OptOut
from tests.factories import EditionFactory, UserFactory
from tests.notifications.conftest import SmtpServer, body_html, body_text

pytestmark = pytest.mark.django_db


def _receipt(recipient: User, key: str = "sub-1", edition: Edition | None = None) -> Message | None:
    edition = edition or EditionFactory.create(name="AIFF 2027", festival__name="AI Film Festival")
    context: dict[str, object] = {
        "title": "Lumen",
        "reference": "AIFF27-000001",
        "submission_url": "https://festival.test/submissions/1/",
        "runtime": "4 min 12 s",
        "submitted_at": "1 Dec 2026 10:00 EST",
        "ai_disclosure": "Video: Runway Gen-4 (90%)",
        "statements": "I hold the rights.",
    }
    return services.notify(
        event=events.SUBMISSION_RECEIPT, recipient=recipient, edition=edition, context=context, key=key
    )


def test_notify_delivers_one_message_through_smtp(
    smtp_server: SmtpServer, eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    ada = UserFactory.create(email="ada@example.org", full_name="Ada Lovelace")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = _receipt(ada)
    assert message is not None
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert (message.state, message.reason, message.attempts) == (MessageState.SENT, "", 1)
    [mail] = smtp_server.received()
    assert mail["X-Envelope-To"] == "ada@example.org"
    assert mail["To"] == "ada@example.org"
    assert str(mail["Subject"]).strip() == "Receipt: “Lumen” is submitted to AIFF 2027 (AIFF27-000001)"
    assert mail["Message-ID"] == f"<{message.uid}@laurel>"
    assert mail["X-Laurel-Event"] == "entrant.submission_receipt"
    assert mail["List-Unsubscribe"] is None  # a receipt is essential
    text = body_text(mail)
    assert text.startswith("Hello Ada Lovelace,\n\nThank you. Your film is submitted to AIFF 2027.")
    assert "Runtime:       4 min 12 s\n" in text
    assert "AI disclosure:\nVideo: Runway Gen-4 (90%)\n" in text
    assert text.rstrip().endswith("— AI Film Festival on Laurel Test\nhttps://festival.test")
    assert '<a href="https://festival.test/submissions/1/" rel="nofollow">' in body_html(mail)
    assert list(DeliveryAttempt.objects.values_list("outcome", flat=True)) == ["sent"]


def test_same_key_records_and_sends_once(smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any) -> None:
    ada = UserFactory.create()
    edition = EditionFactory.create()
    with django_capture_on_commit_callbacks() as callbacks:
        first = _receipt(ada, edition=edition)
        second = _receipt(ada, edition=edition)
        other = _receipt(ada, key="sub-2", edition=edition)
    assert first is not None and second is not None and other is not None
    assert first.pk == second.pk != other.pk
    assert len(callbacks) == 2
    assert Message.objects.count() == 2


def test_a_retried_task_delivers_exactly_once(smtp_server: SmtpServer) -> None:
    ada = UserFactory.create(email="ada@example.org")
    smtp_server.stop()
    message = _receipt(ada)
    assert message is not None
    result = delivery.send_batch([message.pk])
    assert (result.sent, result.retry) == (0, 1)
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED
    assert message.reason.startswith("The mail server could not be reached")
    assert message.next_attempt_at is not None and message.next_attempt_at > timezone.now()

    # Not due yet: a duplicate task does nothing.
    assert delivery.send_batch([message.pk]).skipped == 1
    smtp_server.start()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert delivery.send_batch([message.pk]).sent == 1
    assert delivery.send_batch([message.pk]).skipped == 1  # the broker delivered the task twice
    assert tasks.send_messages.run([message.pk]) == {"sent": 0, "failed": 0, "retry": 0, "skipped": 1}
    assert [m["To"] for m in smtp_server.received()] == ["ada@example.org"]
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.SENT, 2)
    assert list(message.delivery_attempts.values_list("outcome", flat=True)) == ["retry", "sent"]


def test_refused_address_fails_with_the_servers_reason(smtp_server: SmtpServer) -> None:
    message = _receipt(UserFactory.create(email="refuse-me@example.org"))
    assert message is not None
    assert delivery.send_batch([message.pk]).failed == 1
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    assert message.reason == "The mail server refused the address refuse-me@example.org: 550 5.1.1 No such mailbox here"
    assert smtp_server.received() == []


def test_temporary_refusal_retries_then_gives_up(smtp_server: SmtpServer, settings: Any) -> None:
    settings.LAUREL_MAIL_MAX_ATTEMPTS = 2
    message = _receipt(UserFactory.create(email="busy@example.org"))
    assert message is not None
    assert delivery.send_batch([message.pk]).retry == 1
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert delivery.send_batch([message.pk]).failed == 1
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    assert message.reason == (
        "The mail server refused the address busy@example.org: 451 4.2.1 Mailbox busy, try later"
        " (gave up after 2 attempts)"
    )


def test_user_deleted_between_queueing_and_sending(smtp_server: SmtpServer) -> None:
    ada = UserFactory.create()
    message = _receipt(ada)
    assert message is not None
    ada.delete()
    delivery.send_batch([message.pk])
    message.refresh_from_db()
    assert (message.state, message.reason) == (
        MessageState.FAILED,
        "The recipient's account was deleted before the message was sent.",
    )
    assert smtp_server.received() == []


def test_opted_out_non_essential_is_suppressed_and_essential_still_goes(smtp_server: SmtpServer) -> None:
    ada = UserFactory.create()
    services.set_opt_outs(user=ada, events={events.DRAFT_REMINDER, events.SUBMISSION_RECEIPT})
    assert list(OptOut.objects.values_list("event", flat=True)) == [events.DRAFT_REMINDER]
    reminder = services.notify(event=events.DRAFT_REMINDER, recipient=ada, context={"title": "Lumen"}, key="draft-1")
    receipt = _receipt(ada)
    assert reminder is not None and receipt is not None
    assert (reminder.state, reminder.reason) == (MessageState.SUPPRESSED, "The recipient turned these messages off.")
    delivery.send_batch([reminder.pk, receipt.pk])
    assert [str(m["Subject"]).strip()[:8] for m in smtp_server.received()] == ["Receipt:"]


def test_non_essential_mail_carries_one_click_unsubscribe(smtp_server: SmtpServer, client: Any) -> None:
    ada = UserFactory.create(email="ada@example.org")
    message = services.notify(
        event=events.DRAFT_REMINDER,
        recipient=ada,
        context={"title": "Lumen", "time_left": "3 days"},
        key="draft-1",
    )
    assert message is not None
    delivery.send_batch([message.pk])
    [mail] = smtp_server.received()
    assert str(mail["Subject"]).strip() == "3 days left to submit “Lumen”"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(mail["List-Unsubscribe"]).strip().strip("<>")
    assert link.startswith("https://festival.test/notifications/unsubscribe/")
    path = link.removeprefix("https://festival.test")
    client.handler.enforce_csrf_checks = True
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert list(OptOut.objects.filter(user=ada).values_list("event", flat=True)) == [events.DRAFT_REMINDER]
    assert client.post(path[:-5] + "xxxx/").status_code == 400


def test_abandoned_claim_is_taken_over_and_a_live_one_is_not(smtp_server: SmtpServer) -> None:
    message = _receipt(UserFactory.create())
    assert message is not None
    live = delivery.claim(message.pk)
    assert live is not None
    assert delivery.claim(message.pk) is None  # held by a live worker
    assert delivery.due_message_ids(limit=10) == []
    Message.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert delivery.due_message_ids(limit=10) == [message.pk]
    assert delivery.send_batch([message.pk]).sent == 1
    # The dead worker's late outcome cannot overwrite the new one.
    assert delivery._finish(live, state=MessageState.FAILED, outcome="failed", reason="late") is False
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.SENT, 2)
    assert len(smtp_server.received()) == 1


def test_smtp_down_keeps_messages_queued_for_the_sweeper(smtp_server: SmtpServer, settings: Any) -> None:
    settings.LAUREL_MAIL_SWEEP_GRACE = timedelta(0)
    ada, bob = UserFactory.create(), UserFactory.create()
    edition = EditionFactory.create()
    first, second = _receipt(ada, edition=edition), _receipt(bob, edition=edition)
    assert first is not None and second is not None
    smtp_server.stop()
    result = delivery.send_batch([first.pk, second.pk])
    assert (result.retry, result.skipped) == (1, 1)  # the second waits, untouched
    second.refresh_from_db()
    assert (second.state, second.attempts) == (MessageState.QUEUED, 0)
    smtp_server.start()
    Message.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert sorted(delivery.due_message_ids(limit=10)) == sorted([first.pk, second.pk])
    assert delivery.send_batch(delivery.due_message_ids(limit=10)).sent == 2
    assert len(smtp_server.received()) == 2


def test_locmem_backend_gets_the_same_message() -> None:
    """Without SMTP (the test default) the rendered message still goes through Django's mail API."""
    message = _receipt(UserFactory.create(email="ada@example.org"))
    assert message is not None
    delivery.send_batch([message.pk])
    [sent] = django_mail.outbox
    assert sent.to == ["ada@example.org"]
    assert sent.extra_headers["Message-ID"] == message.message_id
