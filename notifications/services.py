"""Every write of the notifications app. Other apps call ``notify`` (and only that).

``notify`` records one ``Message`` per (event, recipient, key): calling it again with the
same key returns the message already recorded and sends nothing. The text is rendered
from the edition's template for the event (or the default in ``events.py``) and kept on
the row; the message is handed to a Celery task once the caller's transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from festival.models import Edition, User
from festival.services import record_audit
from notifications import events as ev
from notifications.models import EventTemplate, Message, MessageState, OptOut
from notifications.rendering import Rendered, TemplateProblem, check_template, render

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def site_name() -> str:
    return str(settings.LAUREL_SITE_NAME)


def absolute_url(path: str) -> str:
    return str(settings.SITE_URL) + path


def unsubscribe_token(*, user_id: int, event: str) -> str:
    return signing.dumps({"u": user_id, "e": event}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """The (user id, event) a one-click link names; ``signing.BadSignature`` if forged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or data.get("e") not in ev.EVENTS:
        raise signing.BadSignature("malformed unsubscribe token")
    return data["u"], data["e"]


def unsubscribe_url(*, user_id: int, event: str) -> str:
    token = unsubscribe_token(user_id=user_id, event=event)
    return absolute_url(reverse("notifications:unsubscribe", kwargs={"token": token}))


def common_context(*, recipient_name: str, edition: Edition | None) -> dict[str, object]:
    return {
        "recipient_name": recipient_name,
        "site_name": site_name(),
        "site_url": settings.SITE_URL,
        "festival_name": edition.festival.name if edition is not None else "",
        "edition_name": edition.name if edition is not None else "",
        "preferences_url": absolute_url(reverse("notifications:inbox")),
    }


def _template_for(event: ev.Event, edition: Edition | None) -> tuple[str, str, bool]:
    """(subject, body, hold for review) of the edition's wording, falling back to the default."""
    custom = None
    if edition is not None:
        custom = EventTemplate.objects.filter(edition=edition, event=event.name).first()
    if custom is None:
        return event.subject, event.body, False
    return custom.subject or event.subject, custom.body or event.body, custom.hold_for_review


def render_event(
    *, event: ev.Event, subject: str, body: str, context: Mapping[str, object], edition: Edition | None = None
) -> Rendered:
    """Render ``subject``/``body``; a wording that no longer checks falls back to the default."""
    try:
        check_template(subject, event.all_placeholders)
        check_template(body, event.all_placeholders)
    except TemplateProblem as problem:
        log.warning("template of %s for %s is invalid (%s); using the default", event.name, edition, problem)
        subject, body = event.subject, event.body
    return render(subject=subject, body=body, context=context)


def _initial_state(*, event: ev.Event, recipient: User | None, hold: bool) -> tuple[str, str]:
    if recipient is not None and not recipient.is_active:
        return MessageState.SUPPRESSED, "The recipient's account is deactivated."
    if (
        recipient is not None
        and not event.essential
        and OptOut.objects.filter(user=recipient, event=event.name).exists()
    ):
        return MessageState.SUPPRESSED, "The recipient turned these messages off."
    if hold:
        return MessageState.HELD, ""
    return MessageState.QUEUED, ""


def _record(
    *,
    event: ev.Event,
    recipient: User | None,
    address: str,
    edition: Edition | None,
    context: Mapping[str, object],
    key: str,
    broadcast_id: int | None = None,
    template: tuple[str, str] | None = None,
    hold: bool | None = None,
) -> Message:
    subject, body, event_hold = _template_for(event, edition)
    if template is not None:
        subject, body = template
    name = recipient.get_full_name() if recipient is not None else ""
    full_context = {**common_context(recipient_name=name or "there", edition=edition), **context}
    rendered = render_event(event=event, subject=subject, body=body, context=full_context, edition=edition)
    state, reason = _initial_state(event=event, recipient=recipient, hold=event_hold if hold is None else hold)
    now = timezone.now()
    message = Message.objects.create(
        event=event.name,
        key=key,
        edition=edition,
        broadcast_id=broadcast_id,
        recipient=recipient,
        to_user=recipient is not None,
        to_address=address,
        essential=event.essential,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        state=state,
        reason=reason,
        next_attempt_at=now if state == MessageState.QUEUED else None,
    )
    if state == MessageState.QUEUED:
        dispatch_on_commit([message.pk])
    return message


def dispatch_on_commit(message_ids: list[int]) -> None:
    from notifications import tasks

    def send() -> None:
        try:
            tasks.send_messages.delay(message_ids)
        except Exception:  # the broker is down: the sweeper sends queued messages later
            log.exception("could not hand messages %s to the broker; the sweeper will", message_ids[:5])

    transaction.on_commit(send)


def _existing(filters: dict[str, object]) -> Message | None:
    return Message.objects.filter(**filters).first()


@transaction.atomic
def notify(
    *,
    event: str,
    recipient: User,
    edition: Edition | None = None,
    context: dict[str, object],
    key: str,
) -> Message | None:
    """Record (once per ``key``) and send ``event`` to ``recipient``; None if they have no address."""
    spec = ev.get_event(event)
    if not recipient.email:
        return None
    filters: dict[str, object] = {"event": event, "recipient": recipient, "key": key, "to_user": True}
    found = _existing(filters)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return _record(
                event=spec, recipient=recipient, address=recipient.email, edition=edition, context=context, key=key
            )
    except IntegrityError:  # a concurrent call with the same key won
        return _existing(filters)


@transaction.atomic
def notify_address(
    *, event: str, address: str, edition: Edition | None = None, context: dict[str, object], key: str
) -> Message:
    """``notify`` for a person who may have no account yet (a judge invitation)."""
    spec = ev.get_event(event)
    address = address.strip().lower()
    user = User.objects.filter(email__iexact=address).first()
    if user is not None:
        message = notify(event=event, recipient=user, edition=edition, context=context, key=key)
        assert message is not None  # the address is the user's
        return message
    filters: dict[str, object] = {"event": event, "to_address": address, "key": key, "to_user": False}
    found = _existing(filters)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return _record(event=spec, recipient=None, address=address, edition=edition, context=context, key=key)
    except IntegrityError:
        found = _existing(filters)
        assert found is not None
        return found


# --- People's choices --------------------------------------------------------------------


@transaction.atomic
def set_opt_outs(*, user: User, events: set[str]) -> None:
    """Turn off exactly ``events`` (non-essential ones) for ``user``, turning the rest back on."""
    allowed = {name for name, spec in ev.EVENTS.items() if not spec.essential}
    wanted = events & allowed
    OptOut.objects.filter(user=user).exclude(event__in=wanted).delete()
    have = set(OptOut.objects.filter(user=user).values_list("event", flat=True))
    OptOut.objects.bulk_create([OptOut(user=user, event=name) for name in sorted(wanted - have)])
    record_audit(actor=user, action="notifications.preferences", target=user, after={"off": sorted(wanted)})


@transaction.atomic
def unsubscribe(*, token: str) -> tuple[User, ev.Event]:
    """One-click unsubscribe (RFC 8058); raises ``signing.BadSignature`` or ``User.DoesNotExist``."""
    user_id, event = read_unsubscribe_token(token)
    user = User.objects.get(pk=user_id)
    spec = ev.EVENTS[event]
    if not spec.essential:
        OptOut.objects.get_or_create(user=user, event=event)
        record_audit(actor=user, action="notifications.unsubscribed", target=user, after={"event": event})
    return user, spec


def mark_read(*, user: User, message_ids: list[int] | None = None) -> int:
    """Mark the user's messages (all, or those listed) read; returns how many changed."""
    messages = Message.objects.filter(recipient=user, read_at__isnull=True)
    if message_ids is not None:
        messages = messages.filter(pk__in=message_ids)
    return messages.update(read_at=timezone.now())
