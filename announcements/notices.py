"""What announcements tells entrants, through ``notifications.services.notify``.

Outcome messages (``events.RESULT_ANNOUNCED``) are recorded by a task after the
announcement commits, one per outcome with the key ``outcome:<id>:announced``, so a
re-run (a retried task, the beat task racing an organizer's click) never sends twice.
Whether they wait in the outbox is the organizer's per-event "hold for review" choice in
notifications. A correction sends ``events.RESULT_CORRECTED`` in the correcting transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from announcements.models import Announcement, FeedbackRelease, Outcome
from announcements.selectors import describe, distinction
from notifications import events
from notifications.services import notify

CHUNK = 500


def _details(outcome: Outcome, feedback: str) -> str:
    page = settings.SITE_URL + reverse("announcements:outcome", kwargs={"pk": outcome.submission_id})
    parts = []
    award = distinction(outcome)
    if award:
        parts.append(
            f"Congratulations. Your {award} laurels (black and white; SVG, and PNG for web and print) "
            f"are ready to download: {page}"
        )
    else:
        parts.append(f"Thank you for sharing your film with the festival. Your outcome: {page}")
    if feedback != FeedbackRelease.NONE:
        parts.append("The judges' feedback for you is on the same page.")
    return "\n\n".join(parts)


def _context(outcome: Outcome, feedback: str) -> dict[str, object]:
    submission = outcome.submission
    return {
        "title": submission.title,
        "submission_url": settings.SITE_URL + reverse("submissions:detail", kwargs={"pk": submission.pk}),
        "outcome": describe(outcome),
        "details": _details(outcome, feedback),
    }


def notify_outcomes(announcement_id: int) -> int:
    """Record the outcome message of every entrant of an announced round; how many were recorded."""
    announcement = Announcement.objects.select_related("round__edition__festival").get(pk=announcement_id)
    if announcement.announced_at is None:
        return 0
    outcomes = (
        Outcome.objects.filter(announcement=announcement)
        .select_related("submission__entrant", "tier", "advanced_to")
        .order_by("pk")
    )
    sent = 0
    for outcome in outcomes.iterator(chunk_size=CHUNK):
        message = notify(
            event=events.RESULT_ANNOUNCED,
            recipient=outcome.submission.entrant,
            edition=announcement.round.edition,
            context=_context(outcome, announcement.feedback),
            key=f"outcome:{outcome.pk}:announced",
        )
        sent += message is not None
    Announcement.objects.filter(pk=announcement.pk).update(messages_recorded_at=timezone.now())
    return sent


def notify_correction(outcome: Outcome, *, reason: str) -> None:
    assert outcome.corrected_at is not None
    context = _context(outcome, FeedbackRelease.NONE)
    context["details"] = f"The festival's reason: {reason}\n\n{context['details']}"
    notify(
        event=events.RESULT_CORRECTED,
        recipient=outcome.submission.entrant,
        edition=outcome.announcement.round.edition,
        context=context,
        key=f"outcome:{outcome.pk}:corrected:{outcome.corrected_at.timestamp():.6f}",
    )
