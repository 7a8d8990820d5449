"""Outcome messages through the outbox: one per entrant, once, held when the organizer chose so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from announcements import notices, services
from announcements.models import Announcement, Outcome, OutcomeKind
from notifications import events
from notifications.models import EventTemplate, Message, MessageState
from tests.announcements.factories import judged_edition

pytestmark = pytest.mark.django_db


def test_each_entrant_is_told_their_outcome_once(django_capture_on_commit_callbacks: Any, monkeypatch: Any) -> None:
    handed: list[int] = []
    monkeypatch.setattr(services, "_hand_off", handed.append)
    data = judged_edition()
    with django_capture_on_commit_callbacks(execute=True):
        services.announce(round_=data.final, actor=data.organizer)
    announcement = Announcement.objects.get(round=data.final)
    assert handed == [announcement.pk]
    assert notices.notify_outcomes(announcement.pk) == 4
    assert notices.notify_outcomes(announcement.pk) == 4  # the same messages: keyed per outcome
    messages = list(Message.objects.filter(event=events.RESULT_ANNOUNCED).order_by("to_address"))
    assert [(m.to_address, m.subject) for m in messages] == [
        (f"entrant{i}@example.com", f"Lumen 2027: the result for “Film {chr(65 + i)}”") for i in range(4)
    ]
    assert "Your film “Film A”: Grand Prix." in messages[0].text
    assert "Grand Prix laurels (black and white; SVG, and PNG for web and print)" in messages[0].text
    assert f"/me/submissions/{data.films[0].pk}/outcome/" in messages[0].text
    assert Announcement.objects.get(pk=announcement.pk).messages_recorded_at is not None


def test_outcome_messages_are_held_for_review_when_the_organizer_chose_so(monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "_hand_off", lambda _: None)
    data = judged_edition()
    EventTemplate.objects.create(edition=data.edition, event=events.RESULT_ANNOUNCED, hold_for_review=True)
    services.announce(round_=data.screening, actor=data.organizer)
    notices.notify_outcomes(Announcement.objects.get(round=data.screening).pk)
    assert set(Message.objects.filter(event=events.RESULT_ANNOUNCED).values_list("state", flat=True)) == {
        MessageState.HELD
    }
    assert "Not advanced" in Message.objects.get(to_address="entrant5@example.com").text


def test_a_correction_sends_its_own_message(monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "_hand_off", lambda _: None)
    data = judged_edition()
    services.announce(round_=data.final, actor=data.organizer)
    outcome = Outcome.objects.get(announcement__round=data.final, submission=data.films[3])
    services.correct_outcome(outcome=outcome, kind=OutcomeKind.FINALIST, reason="Tie misapplied", actor=data.organizer)
    message = Message.objects.get(event=events.RESULT_CORRECTED)
    assert message.to_address == "entrant3@example.com"
    assert "It is now: Finalist." in message.text and "The festival's reason: Tie misapplied" in message.text


def test_a_lost_hand_off_is_retried_by_the_beat_task(monkeypatch: Any) -> None:
    handed: list[int] = []
    monkeypatch.setattr(services, "_hand_off", handed.append)
    data = judged_edition()
    services.announce(round_=data.screening, actor=data.organizer)
    announcement = Announcement.objects.get(round=data.screening)
    assert announcement.announced_at is not None
    later = announcement.announced_at + timedelta(minutes=11)
    assert services.announce_due(now=later) == [] and handed == [announcement.pk]
    notices.notify_outcomes(announcement.pk)
    assert services.announce_due(now=later) == [] and handed == [announcement.pk]
