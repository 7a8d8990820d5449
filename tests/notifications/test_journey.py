"""One entrant and one judge through a whole edition: the exact mail each receives over SMTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from festival import services as festival_services
from judging import notices as judging_notices
from judging.assignment.services import assign_round
from judging.models import Assignment, RoundKind
from judging.rounds.services import add_entries_to_round, close_round, open_round
from judging.scoring.services import submit_score
from media.models import JobState, ProcessingJob, QCReport
from notifications import delivery
from notifications.models import Message, MessageState
from submissions import notices as submission_notices
from submissions.services import attach_uploaded_film, mark_upload_started, submit_submission
from tests.factories import EditionFactory, OrganizerFactory, UserFactory
from tests.judging.factories import RoundFactory, rubric_round
from tests.notifications.conftest import SmtpServer, body_text
from tests.submissions.factories import ready_submission

pytestmark = pytest.mark.django_db


def deliver_all() -> None:
    """What the worker does: send every queued message."""
    ids = list(Message.objects.filter(state=MessageState.QUEUED).order_by("pk").values_list("pk", flat=True))
    delivery.send_batch(ids)


def test_one_entrant_and_one_judge_through_a_whole_edition(smtp_server: SmtpServer, settings: Any) -> None:
    settings.LAUREL_DRAFT_REMINDER_DAYS = 3
    settings.LAUREL_SCORING_REMINDER_DAYS = 3
    now = timezone.now()
    organizer_membership = OrganizerFactory.create(
        festival__name="AI Film Festival", user__email="org@example.org", user__full_name="Olga"
    )
    organizer = organizer_membership.user
    edition = EditionFactory.create(
        festival=organizer_membership.festival,
        name="AIFF 2027",
        slug="aiff27",
        time_zone="America/New_York",
        submissions_close_at=now + timedelta(days=2, hours=1),
    )
    ada = UserFactory.create(email="ada@example.org", full_name="Ada Lovelace")
    june = UserFactory.create(email="june@example.org", full_name="June Park")

    # --- The entrant: upload, processing, a reminder while still a draft, the receipt.
    entry = ready_submission(entrant=ada, edition=edition, title="Lumen")
    mark_upload_started(submission_id=entry.pk, actor=ada)
    film = attach_uploaded_film(
        submission_id=entry.pk, source_name="uploads/lumen.mp4", original_filename="lumen.mp4", size_bytes=10, actor=ada
    )
    deliver_all()
    QCReport.objects.create(film=film, metrics={"duration": 252.4, "width": 1920, "height": 1080}, findings=[])
    ProcessingJob.objects.filter(film=film).update(state=JobState.READY, attempts=1, finished_at=timezone.now())
    assert submission_notices.notify_processed_films(since=timedelta(minutes=30)) == 1
    assert submission_notices.notify_processed_films(since=timedelta(minutes=30)) == 1  # again: nothing new
    assert submission_notices.remind_drafts() == 1
    assert submission_notices.remind_drafts() == 1
    deliver_all()
    entry.refresh_from_db()
    submit_submission(submission=entry, actor=ada)
    deliver_all()

    # --- The judge: invitation, the round opens, the deadline moves, a reminder, the final.
    issued = festival_services.invite_judge(edition=edition, email="june@example.org", invited_by=organizer)
    deliver_all()
    festival_services.accept_invitation(token=issued.url.rstrip("/").rsplit("/", 1)[-1], user=june)
    screening = rubric_round(edition=edition, name="Screening", opens_at=None, closes_at=None, judges_per_entry=1)
    add_entries_to_round(round_=screening, actor=organizer)
    assign_round(round_=screening, actor=organizer)
    deliver_all()  # not open yet: nothing
    open_round(round_=screening, actor=organizer)
    open_round(round_=screening, actor=organizer, at=screening.opens_at)  # a second click: nothing new
    close_round(round_=screening, actor=organizer, at=timezone.now() + timedelta(days=2))
    assert judging_notices.remind_judges() == 1
    deliver_all()
    assignment = Assignment.objects.get(round=screening)
    values = {str(c.pk): 7 for c in screening.criteria.all()}
    submit_score(assignment=assignment, expected_version=0, values=values, actor=june)
    deliver_all()
    final = RoundFactory.create(edition=edition, name="Final", kind=RoundKind.FINAL, opens_at=None, closes_at=None)
    add_entries_to_round(round_=final, actor=organizer, submission_ids=[entry.pk])
    assign_round(round_=final, actor=organizer)
    open_round(round_=final, actor=organizer)
    deliver_all()
    tomorrow_morning = edition.local(timezone.now()).replace(hour=8) + timedelta(days=1)
    assert judging_notices.send_digests(now=tomorrow_morning) == 1
    assert judging_notices.send_digests(now=tomorrow_morning + timedelta(hours=1)) == 1
    deliver_all()

    received: dict[str, list[str]] = {}
    for mail in smtp_server.received():
        received.setdefault(str(mail["X-Envelope-To"]), []).append(str(mail["Subject"]).strip())
    reference = f"AIFF27-{entry.pk:06d}"
    assert received["ada@example.org"] == [
        "We received your film “Lumen”",
        "“Lumen” is ready for the jury",
        "2 days left to submit “Lumen”",
        f"Receipt: “Lumen” is submitted to AIFF 2027 ({reference})",
    ]
    assert received["june@example.org"] == [
        "You are invited to judge AIFF 2027",
        "Screening is open: 1 films to judge",
        "Screening: the deadline moved",
        "Screening: 1 left to score, 2 days to go",
        "AIFF 2027: the final ballot is open",
    ]
    assert received["org@example.org"] == [
        "AIFF 2027: every judge has finished Screening",
        f"AIFF 2027 on {(tomorrow_morning - timedelta(days=1)).strftime('%-d %B %Y')}: 1 new submissions",
    ]
    assert set(received) == {"ada@example.org", "june@example.org", "org@example.org"}
    assert Message.objects.exclude(state=MessageState.SENT).count() == 0

    by_subject = {str(m["Subject"]).strip(): m for m in smtp_server.received()}
    ready = body_text(by_subject["“Lumen” is ready for the jury"])
    assert "Runtime: 4:12\nPicture: 1920×1080 pixels\n" in ready
    receipt = body_text(by_subject[f"Receipt: “Lumen” is submitted to AIFF 2027 ({reference})"])
    assert "Runtime:       4:12\n" in receipt
    assert "AI disclosure:\nVideo generation: Runway Gen-4 (80% of the runtime)\n" in receipt
    invitation = body_text(by_subject["You are invited to judge AIFF 2027"])
    assert "https://festival.test/invitations/" in invitation
    digest = body_text(by_subject[received["org@example.org"][1]])
    assert (
        "Judging progress:\nScreening (open): 1 of 1 scores submitted\nFinal (open): 0 of 1 scores submitted" in digest
    )
