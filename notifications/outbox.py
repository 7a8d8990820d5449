"""The organizers' side: edited templates, messages held for review, broadcasts to an audience.

Audiences (entrants by state or category, judges by round, panel or progress) are resolved by
the module ``settings.LAUREL_OUTBOX_AUDIENCES`` names (``judging.audiences``): this app
imports no other app. A broadcast fans out in a task, a page of recipients at a time
(constant memory), each page's messages created idempotently and handed to senders in
batches.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from festival.models import Edition, User
from festival.services import record_audit
from notifications import audit_actions
from notifications import events as ev
from notifications.models import Broadcast, EventTemplate, Message, MessageState
from notifications.rendering import Rendered, check_template, render
from notifications.services import common_context, dispatch_on_commit, forget_unread_count, render_event

FAN_OUT_PAGE = 1000


def audiences() -> ModuleType:
    return importlib.import_module(settings.LAUREL_OUTBOX_AUDIENCES)


# --- Templates --------------------------------------------------------------------------------


def template_of(edition: Edition, event: str) -> tuple[str, str, bool, bool]:
    """(subject, body, hold for review, customised) of the event in the edition."""
    spec = ev.get_event(event)
    custom = EventTemplate.objects.filter(edition=edition, event=event).first()
    if custom is None:
        return spec.subject, spec.body, False, False
    return custom.subject or spec.subject, custom.body or spec.body, custom.hold_for_review, True


@transaction.atomic
def save_template(
    *, edition: Edition, event: str, subject: str, body: str, hold_for_review: bool, actor: User
) -> EventTemplate:
    """Store the edition's wording; raises ``TemplateProblem`` (for the form) on a bad placeholder."""
    spec = ev.get_event(event)
    check_template(subject, spec.all_placeholders)
    check_template(body, spec.all_placeholders)
    template, _ = EventTemplate.objects.update_or_create(
        edition=edition,
        event=event,
        defaults={"subject": subject.strip(), "body": body, "hold_for_review": hold_for_review},
    )
    record_audit(
        actor=actor,
        action=audit_actions.TEMPLATE_SAVED,
        target=template,
        after={"event": event, "hold_for_review": hold_for_review},
    )
    return template


@transaction.atomic
def reset_template(*, edition: Edition, event: str, actor: User) -> None:
    ev.get_event(event)
    deleted, _ = EventTemplate.objects.filter(edition=edition, event=event).delete()
    if deleted:
        record_audit(actor=actor, action=audit_actions.TEMPLATE_RESET, target=edition, after={"event": event})


def preview(*, edition: Edition, event: str, subject: str, body: str, recipient: User | None) -> tuple[Rendered, bool]:
    """The wording rendered for ``recipient`` with the values of their latest message of the
    event (True), or with the placeholders' names where they have none (False)."""
    spec = ev.get_event(event)
    name = recipient.get_full_name() if recipient is not None else "Ada Lovelace"
    context: dict[str, object] = {name_: "{{ " + name_ + " }}" for name_ in spec.placeholders}
    latest = None
    if recipient is not None:
        latest = Message.objects.filter(edition=edition, event=event, recipient=recipient).order_by("-pk").first()
    if latest is not None:
        context.update(latest.context)
    context.update(common_context(recipient_name=name, edition=edition))
    return render_event(event=spec, subject=subject, body=body, context=context, edition=edition), latest is not None


# --- Review ---------------------------------------------------------------------------------------


@transaction.atomic
def release_message(*, message: Message, actor: User) -> bool:
    released = Message.objects.filter(pk=message.pk, state=MessageState.HELD).update(
        state=MessageState.QUEUED, next_attempt_at=timezone.now()
    )
    if released:
        record_audit(actor=actor, action=audit_actions.MESSAGE_RELEASED, target=message)
        dispatch_on_commit([message.pk])
    return released == 1


@transaction.atomic
def discard_message(*, message: Message, actor: User) -> bool:
    discarded = Message.objects.filter(pk=message.pk, state=MessageState.HELD).update(
        state=MessageState.SUPPRESSED, reason=f"Discarded in review by {actor.email}."
    )
    if discarded:
        record_audit(actor=actor, action=audit_actions.MESSAGE_DISCARDED, target=message)
    return discarded == 1


# --- Broadcasts --------------------------------------------------------------------------------------


def check_broadcast(subject: str, body: str) -> None:
    allowed = ev.COMMON_PLACEHOLDERS
    check_template(subject, allowed)
    check_template(body, allowed)


def render_broadcast(edition: Edition, subject: str, body: str, recipient: User | None) -> Rendered:
    name = recipient.get_full_name() if recipient is not None else "Ada Lovelace"
    return render(subject=subject, body=body, context=common_context(recipient_name=name, edition=edition))


def recipient_count(edition: Edition, audience: dict[str, Any]) -> int:
    return int(audiences().user_ids(edition, audience).count())


@transaction.atomic
def compose_broadcast(
    *, edition: Edition, author: User, subject: str, body: str, audience: dict[str, Any], hold: bool
) -> Broadcast:
    """Record the message; it fans out on commit unless held for review."""
    check_broadcast(subject, body)
    broadcast = Broadcast.objects.create(
        edition=edition,
        author=author,
        subject=subject.strip(),
        body=body,
        audience=audience,
        state=Broadcast.State.HELD if hold else Broadcast.State.SENDING,
        recipient_count=recipient_count(edition, audience),
        released_at=None if hold else timezone.now(),
    )
    record_audit(
        actor=author,
        action=audit_actions.BROADCAST_SENT,
        target=broadcast,
        after={"audience": audience, "recipients": broadcast.recipient_count, "held": hold},
    )
    if not hold:
        _fan_out_on_commit(broadcast.pk)
    return broadcast


@transaction.atomic
def release_broadcast(*, broadcast: Broadcast, actor: User) -> bool:
    released = Broadcast.objects.filter(pk=broadcast.pk, state=Broadcast.State.HELD).update(
        state=Broadcast.State.SENDING, released_at=timezone.now()
    )
    if released:
        record_audit(actor=actor, action=audit_actions.BROADCAST_RELEASED, target=broadcast)
        _fan_out_on_commit(broadcast.pk)
    return released == 1


def _fan_out_on_commit(broadcast_id: int) -> None:
    from notifications import tasks

    transaction.on_commit(lambda: tasks.fan_out.delay(broadcast_id))


def fan_out(*, broadcast_id: int) -> int:
    """Create the broadcast's messages page by page and hand them to senders; idempotent.

    Returns how many messages were handed over in this run.
    """
    broadcast = Broadcast.objects.select_related("edition__festival").filter(pk=broadcast_id).first()
    if broadcast is None or broadcast.state != Broadcast.State.SENDING:
        return 0
    spec = ev.EVENTS[ev.BROADCAST]
    edition = broadcast.edition
    ids = audiences().user_ids(edition, broadcast.audience)
    key = f"broadcast:{broadcast.pk}"
    handed = 0
    last = 0
    while True:
        page = list(ids.filter(pk__gt=last)[:FAN_OUT_PAGE])
        if not page:
            break
        last = page[-1]
        have = set(
            Message.objects.filter(event=spec.name, key=key, recipient_id__in=page).values_list(
                "recipient_id", flat=True
            )
        )
        rows = []
        for user in User.objects.filter(pk__in=[pk for pk in page if pk not in have]).only("pk", "email", "full_name"):
            if not user.email:
                continue
            context = common_context(recipient_name=user.get_full_name(), edition=edition)
            rendered = render(subject=broadcast.subject, body=broadcast.body, context=context)
            rows.append(
                Message(
                    event=spec.name,
                    key=key,
                    edition=edition,
                    broadcast=broadcast,
                    recipient=user,
                    to_user=True,
                    to_address=user.email,
                    essential=spec.essential,
                    subject=rendered.subject,
                    text=rendered.text,
                    html=rendered.html,
                    state=MessageState.QUEUED,
                    next_attempt_at=timezone.now(),
                )
            )
        Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        for user_id in page:
            forget_unread_count(user_id)
        queued = list(
            Message.objects.filter(broadcast=broadcast, recipient_id__in=page, state=MessageState.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        size = settings.LAUREL_MAIL_BATCH
        for start in range(0, len(queued), size):
            dispatch_on_commit(queued[start : start + size])
        handed += len(queued)
        Broadcast.objects.filter(pk=broadcast.pk).update(updated_at=timezone.now())
    Broadcast.objects.filter(pk=broadcast.pk, state=Broadcast.State.SENDING).update(
        state=Broadcast.State.SENT, updated_at=timezone.now()
    )
    return handed
