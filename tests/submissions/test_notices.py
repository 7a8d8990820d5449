"""What entrants (and organizers) are told about submissions: exact texts and keys, once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from media.models import JobState, ProcessingJob
from notifications import events
from notifications.models import Message
from submissions import notices
from submissions.models import SubmissionState
from submissions.services import disqualify_submission, withdraw_submission
from tests.factories import EditionFactory, OrganizerFactory, SubmissionFactory, UserFactory
from tests.submissions.factories import ready_submission

pytestmark = pytest.mark.django_db


def test_withdrawn_and_disqualified_entrants_are_told_with_the_reason() -> None:
    organizer = OrganizerFactory.create()
    edition = EditionFactory.create(festival=organizer.festival, slug="aiff27")
    kept = ready_submission(edition=edition, title="Kept")
    gone = ready_submission(edition=edition, title="Gone")
    withdraw_submission(submission=gone, actor=gone.entrant)
    disqualify_submission(submission=kept, actor=organizer.user, reason="The film is not AI-generated.")

    withdrawn = Message.objects.get(event=events.SUBMISSION_WITHDRAWN)
    assert (withdrawn.recipient, withdrawn.subject) == (gone.entrant, f"“Gone” was withdrawn from {edition.name}")
    disqualified = Message.objects.get(event=events.SUBMISSION_DISQUALIFIED)
    assert disqualified.recipient == kept.entrant
    assert f"“Kept” (AIFF27-{kept.pk:06d})" in disqualified.text
    assert "Reason given: The film is not AI-generated.\n" in disqualified.text


def test_a_failed_film_tells_the_entrant_why_and_the_organizers_after_the_last_attempt(settings: Any) -> None:
    settings.LAUREL_MEDIA_MAX_ATTEMPTS = 2
    organizer = OrganizerFactory.create(user__email="org@example.org")
    submission = ready_submission(edition=EditionFactory.create(festival=organizer.festival), title="Lumen")
    job = ProcessingJob.objects.get(film=submission.film)
    reason = "The film is 20 s long; this edition accepts 60 s to 10 min."
    ProcessingJob.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, attempts=1, failure_reason=reason, finished_at=timezone.now()
    )
    assert notices.notify_processed_films(since=timedelta(minutes=5)) == 1
    first = Message.objects.get(event=events.FILM_FAILED)
    assert first.subject == "Action needed: we could not process “Lumen”"
    assert f"What went wrong: {reason}\n\nWhat to do: Check the reason above" in first.text
    assert not Message.objects.filter(event=events.JOB_FAILED).exists()  # it may still be retried

    ProcessingJob.objects.filter(pk=job.pk).update(attempts=2, finished_at=timezone.now())
    notices.notify_processed_films(since=timedelta(minutes=5))
    notices.notify_processed_films(since=timedelta(minutes=5))
    assert Message.objects.filter(event=events.FILM_FAILED).count() == 2  # one per attempt
    [alert] = Message.objects.filter(event=events.JOB_FAILED)
    assert alert.to_address == "org@example.org"
    what = f"Processing of “Lumen” ({notices.reference_of(submission)})"
    assert alert.subject == f"{submission.edition.name}: {what} failed and needs a person"
    # An old result outside the window is not looked at again.
    ProcessingJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=2))
    assert notices.notify_processed_films(since=timedelta(minutes=30)) == 0


def test_drafts_are_reminded_n_days_and_24_hours_before_the_deadline_once_each(settings: Any) -> None:
    settings.LAUREL_DRAFT_REMINDER_DAYS = 3
    now = timezone.now()
    edition = EditionFactory.create(submissions_close_at=now + timedelta(days=2, hours=12))
    draft = SubmissionFactory.create(edition=edition, title="Draft", state=SubmissionState.UPLOADED)
    SubmissionFactory.create(edition=edition, state=SubmissionState.SUBMITTED, submitted_at=now)
    SubmissionFactory.create(edition=EditionFactory.create(), state=SubmissionState.DRAFT)  # deadline far away

    assert notices.remind_drafts(now=now) == 1
    assert notices.remind_drafts(now=now + timedelta(hours=1)) == 1
    assert notices.remind_drafts(now=now + timedelta(days=1, hours=13)) == 1  # 23 hours left
    subjects = list(Message.objects.filter(recipient=draft.entrant).order_by("pk").values_list("subject", flat=True))
    assert subjects == ["2 days left to submit “Draft”", "23 hours left to submit “Draft”"]
    day = edition.local(edition.submissions_close_at).date().isoformat()
    assert list(Message.objects.order_by("pk").values_list("key", flat=True)) == [
        f"draft:{draft.pk}:3d:{day}",
        f"draft:{draft.pk}:24h:{day}",
    ]
    assert notices.remind_drafts(now=edition.submissions_close_at + timedelta(minutes=1)) == 0


def test_an_entrant_without_an_address_is_skipped_not_an_error() -> None:
    submission = ready_submission(entrant=UserFactory.create(email=""))
    withdraw_submission(submission=submission, actor=submission.entrant)
    assert Message.objects.count() == 0
