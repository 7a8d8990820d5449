"""What judges and organizers are told about rounds: opening, moves, reopening, completion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from judging import notices
from judging.rounds.services import close_round, open_round
from notifications import events
from notifications.models import Message
from tests.factories import OrganizerFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db


def test_round_reopened_and_deadline_moved_each_tell_the_judges_once() -> None:
    organizer = OrganizerFactory.create()
    round_ = rubric_round(edition__festival=organizer.festival, name="Jury", opens_at=None, closes_at=None)
    judge = judge_of(round_.edition, "June Park")
    assign(round_, judge, submitted_entry(round_.edition))
    open_round(round_=round_, actor=organizer.user)
    later = timezone.now() + timedelta(days=5)
    close_round(round_=round_, actor=organizer.user, at=later)
    close_round(round_=round_, actor=organizer.user, at=later)  # the same deadline again: nothing new
    close_round(round_=round_, actor=organizer.user)  # closing now is not a "move"
    open_round(round_=round_, actor=organizer.user)
    rows = list(Message.objects.filter(recipient=judge.user).order_by("pk").values_list("event", "subject"))
    assert rows == [
        (events.ASSIGNMENTS_READY, "Jury is open: 1 films to judge"),
        (events.ROUND_CHANGED, "Jury: the deadline moved"),
        (events.ROUND_CHANGED, "Jury: the round reopened"),
    ]


def test_reminder_counts_what_is_left_and_skips_judges_who_are_done() -> None:
    round_ = rubric_round(name="Jury", closes_at=timezone.now() + timedelta(days=2))
    busy, idle = judge_of(round_.edition, "Busy"), judge_of(round_.edition, "Idle")
    for _ in range(3):
        assign(round_, busy, submitted_entry(round_.edition))
    assert notices.remind_judges() == 1
    assert notices.remind_judges() == 1
    [message] = Message.objects.all()
    assert message.recipient == busy.user
    assert message.subject == "Jury: 3 left to score, 2 days to go"
    assert "You have 3 of 3 entries left to score." in message.text
    assert not Message.objects.filter(recipient=idle.user).exists()


def test_digest_waits_for_the_morning_in_the_editions_time_zone() -> None:
    organizer = OrganizerFactory.create()
    round_ = rubric_round(edition__festival=organizer.festival, edition__time_zone="Asia/Tokyo")
    tokyo_6am = timezone.now().astimezone(round_.edition.zone).replace(hour=6, minute=0)
    assert notices.send_digests(now=tokyo_6am) == 0
    assert notices.send_digests(now=tokyo_6am + timedelta(hours=2)) == 1
    assert notices.send_digests(now=tokyo_6am + timedelta(hours=3)) == 1
    [digest] = Message.objects.all()
    assert digest.key == f"digest:{round_.edition.pk}:{(tokyo_6am.date() - timedelta(days=1)).isoformat()}"
