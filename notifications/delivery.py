"""Delivery: claim a message, hand it to the mail server, record the attempt and the outcome.

Exactly-once rests on two things. A message is *claimed* by a compare-and-set update
(queued → sending, with a lease token and a lease end): two workers can never both hold
it. A claim whose lease ran out belongs to a worker that died; the sweeper hands such a
message to another worker. Every attempt carries the same ``Message-ID`` header, so in the
one window no protocol can close (the server accepted the data, the worker died before
recording it) the copy is recognisable as the same message.

Temporary failures (the server is down, a 4xx answer) put the message back in the queue
with a backoff; a server that is down never makes a message fail, it waits until the
server is back. Permanent ones (a refused address, a 5xx answer) fail with the reason.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import F, Q
from django.utils import timezone

from notifications.models import DeliveryAttempt, Message, MessageState, OptOut
from notifications.services import unsubscribe_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    message: Message
    token: uuid.UUID
    attempt: DeliveryAttempt


class TemporaryFailure(Exception):
    """The message could not go now and should be tried again later."""

    def __init__(self, reason: str, *, connection_lost: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.connection_lost = connection_lost


class PermanentFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def claim(message_id: int) -> Claim | None:
    """Take ``message_id`` for sending if it is due and nobody holds it; None otherwise."""
    now = timezone.now()
    token = uuid.uuid4()
    due = Q(state=MessageState.QUEUED) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(state=MessageState.SENDING, lease_until__lt=now)
    taken = Message.objects.filter(due | abandoned, pk=message_id).update(
        state=MessageState.SENDING,
        lease_token=token,
        lease_until=now + timedelta(seconds=settings.LAUREL_MAIL_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if taken != 1:
        return None
    message = Message.objects.select_related("recipient").get(pk=message_id)
    attempt = DeliveryAttempt.objects.create(message=message)
    return Claim(message=message, token=token, attempt=attempt)


def _finish(claim: Claim, *, state: str, reason: str = "", outcome: str, retry_in: float | None = None) -> bool:
    """Compare-and-set the claimed message to its outcome; False if the claim was lost."""
    now = timezone.now()
    fields: dict[str, object] = {"state": state, "reason": reason, "lease_token": None, "lease_until": None}
    if state == MessageState.SENT:
        fields["sent_at"] = now
    fields["next_attempt_at"] = now + timedelta(seconds=retry_in) if retry_in is not None else None
    won = Message.objects.filter(pk=claim.message.pk, state=MessageState.SENDING, lease_token=claim.token).update(
        **fields
    )
    DeliveryAttempt.objects.filter(pk=claim.attempt.pk).update(finished_at=now, outcome=outcome, detail=reason)
    if won != 1:
        log.warning("message %s: the claim ran out before the outcome (%s) was recorded", claim.message.pk, outcome)
    return won == 1


def backoff_seconds(attempts: int) -> float:
    """2, 4, 8 … seconds after the first failures, at most ``LAUREL_MAIL_MAX_BACKOFF``."""
    return float(min(settings.LAUREL_MAIL_MAX_BACKOFF, settings.LAUREL_MAIL_FIRST_BACKOFF * 2 ** max(0, attempts - 1)))


def build_email(message: Message, connection: BaseEmailBackend | None = None) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": message.message_id,
        "X-Laurel-Event": message.event,
        "Auto-Submitted": "auto-generated" if message.broadcast_id is None else "no",
    }
    if not message.essential and message.recipient_id is not None:
        link = unsubscribe_url(user_id=message.recipient_id, event=message.event)
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        headers=headers,
        connection=connection,
    )
    email.attach_alternative(message.html, "text/html")
    return email


def _refusal(message: Message) -> str | None:
    """Why a claimed message must not go at all (checked at send time, not only at queueing)."""
    if message.to_user and message.recipient_id is None:
        return "The recipient's account was deleted before the message was sent."
    recipient = message.recipient
    if recipient is not None and not recipient.is_active:
        return "The recipient's account is deactivated."
    if (
        recipient is not None
        and not message.essential
        and OptOut.objects.filter(user=recipient, event=message.event).exists()
    ):
        return "The recipient turned these messages off."
    return None


def _transmit(connection: BaseEmailBackend, message: Message) -> None:
    """Send one message on an open connection, translating errors into our two kinds."""
    try:
        sent = connection.send_messages([build_email(message, connection)])
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        detail = f"The mail server refused the address {message.to_address}: {code} {_decode(text)}"
        if 400 <= code < 500:
            raise TemporaryFailure(detail, connection_lost=False) from exc
        raise PermanentFailure(detail) from exc
    except smtplib.SMTPResponseException as exc:
        detail = f"The mail server answered {exc.smtp_code} {_decode(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            raise TemporaryFailure(detail, connection_lost=True) from exc
        raise PermanentFailure(detail) from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TemporaryFailure(
            f"The mail server could not be reached: {exc or type(exc).__name__}", connection_lost=True
        ) from exc
    if sent != 1:
        raise TemporaryFailure("The mail backend did not accept the message.", connection_lost=True)


def _open_connection() -> BaseEmailBackend:
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        reason = f"The mail server could not be reached: {exc or type(exc).__name__}"
        raise TemporaryFailure(reason, connection_lost=True) from exc
    return connection


def _decode(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else text


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    retry: int = 0
    skipped: int = 0
    retry_in: float | None = None


class Pacer:
    """At most ``rate`` messages per second on one connection (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = time.monotonic()

    def wait(self) -> None:
        if self.interval:
            now = time.monotonic()
            if self.next_at > now:
                time.sleep(self.next_at - now)
            self.next_at = max(now, self.next_at) + self.interval


def send_batch(message_ids: Iterable[int]) -> BatchResult:
    """Send each due message of ``message_ids`` on one connection, paced; never raises for mail errors."""
    result = BatchResult()
    connection: BaseEmailBackend | None = None
    pacer = Pacer(settings.LAUREL_MAIL_RATE_PER_CONNECTION)
    pending = list(message_ids)
    try:
        for index, message_id in enumerate(pending):
            held = claim(message_id)
            if held is None:
                result.skipped += 1
                continue
            refusal = _refusal(held.message)
            if refusal is not None:
                state = MessageState.FAILED if "deleted" in refusal else MessageState.SUPPRESSED
                _finish(held, state=state, reason=refusal, outcome=DeliveryAttempt.Outcome.FAILED)
                result.failed += 1
                continue
            try:
                if connection is None:
                    connection = _open_connection()
                pacer.wait()
                _transmit(connection, held.message)
            except TemporaryFailure as failure:
                delay = backoff_seconds(held.message.attempts)
                if not failure.connection_lost and held.message.attempts >= settings.LAUREL_MAIL_MAX_ATTEMPTS:
                    reason = f"{failure.reason} (gave up after {held.message.attempts} attempts)"
                    _finish(held, state=MessageState.FAILED, reason=reason, outcome=DeliveryAttempt.Outcome.FAILED)
                    result.failed += 1
                    continue
                _finish(
                    held,
                    state=MessageState.QUEUED,
                    reason=failure.reason,
                    outcome=DeliveryAttempt.Outcome.RETRY,
                    retry_in=delay,
                )
                result.retry += 1
                result.retry_in = delay if result.retry_in is None else min(result.retry_in, delay)
                if failure.connection_lost:
                    # The server is gone: leave the rest of the batch queued for the retry.
                    result.skipped += len(pending) - index - 1
                    break
                continue
            except PermanentFailure as failure:
                _finish(held, state=MessageState.FAILED, reason=failure.reason, outcome=DeliveryAttempt.Outcome.FAILED)
                result.failed += 1
                continue
            _finish(held, state=MessageState.SENT, outcome=DeliveryAttempt.Outcome.SENT)
            result.sent += 1
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:  # closing a connection the server already dropped
                log.debug("closing the mail connection failed", exc_info=True)
    return result


def due_message_ids(*, limit: int, older_than: timedelta = timedelta(0)) -> list[int]:
    """Queued messages whose time has come and messages whose sender's lease ran out."""
    now = timezone.now()
    due = Q(state=MessageState.QUEUED, next_attempt_at__lte=now - older_than)
    abandoned = Q(state=MessageState.SENDING, lease_until__lt=now)
    return list(
        Message.objects.filter(due | abandoned).order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit]
    )
