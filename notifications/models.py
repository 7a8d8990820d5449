"""Messages, their delivery attempts, organizers' templates, people's choices, the outbox."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from festival.models import Edition


class MessageState(models.TextChoices):
    HELD = "held", "held for review"
    QUEUED = "queued", "queued"
    SENDING = "sending", "sending"
    SENT = "sent", "sent"
    FAILED = "failed", "failed"
    SUPPRESSED = "suppressed", "suppressed"


class Broadcast(models.Model):
    """A message an organizer wrote in the outbox for a filtered audience."""

    class State(models.TextChoices):
        DRAFT = "draft", "draft"
        HELD = "held", "held for review"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="broadcasts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # The audience as the outbox form chose it, e.g. {"kind": "entrants", "state": "submitted"}.
    audience = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    recipient_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    """One message to one person about one event, identified by (event, recipient, key).

    The text is rendered when the message is recorded, so what was sent is what is kept.
    ``state`` moves only by compare-and-set updates in ``notifications.delivery``.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=60)
    key = models.CharField(max_length=200)
    edition = models.ForeignKey(Edition, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    # A message to a person with an account keeps the link; an account deleted before the
    # message went leaves ``to_user`` true and ``recipient`` empty, and the message fails.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    to_user = models.BooleanField(default=True)
    to_address = models.EmailField()
    essential = models.BooleanField(default=True)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField()
    state = models.CharField(max_length=10, choices=MessageState.choices, default=MessageState.QUEUED)
    reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # While ``sending``: the claim's token and until when it holds; a claim past its lease
    # belongs to a worker that died, and the message may be claimed again.
    lease_token = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "key"], condition=Q(to_user=True), name="message_once_per_user"
            ),
            models.UniqueConstraint(
                fields=["event", "to_address", "key"], condition=Q(to_user=False), name="message_once_per_address"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="message_due"),
            models.Index(fields=["recipient", "-created_at"], name="message_inbox"),
            models.Index(fields=["edition", "-created_at"], name="message_edition"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.to_address} ({self.state})"

    @property
    def message_id(self) -> str:
        """The RFC 5322 Message-ID: the same on every attempt, so a resend is recognisable."""
        return f"<{self.uid}@laurel>"


class DeliveryAttempt(models.Model):
    class Outcome(models.TextChoices):
        SENDING = "sending", "in progress"
        SENT = "sent", "accepted by the server"
        RETRY = "retry", "temporary failure, will retry"
        FAILED = "failed", "permanent failure"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="delivery_attempts")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SENDING)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"attempt on {self.message_id}: {self.outcome}"


class EventTemplate(models.Model):
    """An edition's own wording of an event; without one the default in ``events.py`` is used."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=60)
    # Empty subject or body: the event's default wording.
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    hold_for_review = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["edition", "event"], name="event_template_once")]

    def __str__(self) -> str:
        return f"{self.event} for {self.edition}"


class OptOut(models.Model):
    """A person turned off one non-essential event."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_outs")
    event = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="opt_out_once")]

    def __str__(self) -> str:
        return f"{self.user} opted out of {self.event}"
