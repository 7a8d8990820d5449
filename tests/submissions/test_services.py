"""Services: every write and transition, and each bad input from issue 3 that is not about uploads."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from festival.models import Attestation, AuditEvent
from media.models import Film, JobState, ProcessingJob, QCReport
from submissions import services
from submissions.attestations import attestation_text
from submissions.models import AttestationRecord, Credit, CreditRole, ProductionStage, Submission
from submissions.models import SubmissionState as S
from tests.factories import (
    CategoryFactory,
    EditionFactory,
    OrganizerFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.submissions.factories import ai_tool, ready_submission

pytestmark = pytest.mark.django_db


def audit_actions(submission: Submission) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="submissions.submission", target_id=str(submission.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- create / details ---------------------------------------------------------------


def test_create_submission_makes_an_audited_draft() -> None:
    edition = EditionFactory.create()
    category = CategoryFactory.create(edition=edition)
    entrant = UserFactory.create()

    submission = services.create_submission(
        entrant=entrant,
        edition=edition,
        title="  Paper Moons ",
        details={"category": category, "languages": ["EN", "fr", "en"], "country": "FR"},
    )

    submission.refresh_from_db()
    assert (submission.title, submission.state, submission.languages, submission.country) == (
        "Paper Moons",
        S.DRAFT,
        ["en", "fr"],
        "FR",
    )
    assert submission.category == category
    event = AuditEvent.objects.get(action="submission.created")
    assert event.actor == entrant
    assert event.after == {"title": "Paper Moons", "category": category.pk, "languages": ["en", "fr"], "country": "FR"}


def test_create_after_the_deadline_is_refused_with_the_edition_time() -> None:
    now = timezone.now()
    edition = EditionFactory.create(
        submissions_open_at=now - timedelta(days=10),
        submissions_close_at=now - timedelta(days=1),
        grace_period=timedelta(hours=1),
    )

    with pytest.raises(services.EditionClosed) as caught:
        services.create_submission(entrant=UserFactory.create(), edition=edition, title="Late")

    assert caught.value.message.startswith("Submissions closed on ")
    assert "(America/New_York)" in caught.value.message
    assert Submission.objects.count() == 0


def test_create_inside_the_grace_period_is_accepted() -> None:
    now = timezone.now()
    edition = EditionFactory.create(
        submissions_close_at=now - timedelta(minutes=10), grace_period=timedelta(minutes=30)
    )
    submission = services.create_submission(entrant=UserFactory.create(), edition=edition, title="Just in time")
    assert submission.state == S.DRAFT


def test_a_second_film_where_one_is_allowed_is_refused() -> None:
    edition = EditionFactory.create(films_per_entrant=1)
    entrant = UserFactory.create()
    services.create_submission(entrant=entrant, edition=edition, title="First")

    with pytest.raises(services.EntryLimitReached) as caught:
        services.create_submission(entrant=entrant, edition=edition, title="Second")

    assert caught.value.status == 409
    assert "accepts 1 film per entrant" in caught.value.message
    assert list(Submission.objects.values_list("title", flat=True)) == ["First"]


def test_a_withdrawn_film_frees_its_slot_and_other_editions_do_not_count() -> None:
    edition = EditionFactory.create(films_per_entrant=1)
    entrant = UserFactory.create()
    first = services.create_submission(entrant=entrant, edition=edition, title="First")
    SubmissionFactory.create(entrant=entrant)  # another edition
    services.withdraw_submission(submission=first, actor=entrant)

    second = services.create_submission(entrant=entrant, edition=edition, title="Second")

    assert second.state == S.DRAFT


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"declared_runtime_seconds": -3}, "declared_runtime_seconds"),
        ({"synopsis": "x" * 5001}, "at most 5000 characters"),
        ({"languages": ["english"]}, "is not a two-letter language code"),
        ({"country": "ZZ"}, "is not a country code"),
        ({"prize_contact_email": "not-an-email"}, "prize_contact_email"),
        ({"state": "submitted"}, "cannot be set here: state"),
    ],
)
def test_update_details_refuses_bad_values_and_keeps_what_was_stored(changes: dict, fragment: str) -> None:
    submission = SubmissionFactory.create(synopsis="Kept.", declared_runtime_seconds=180)

    with pytest.raises(services.SubmissionError) as caught:
        services.update_details(submission=submission, actor=submission.entrant, changes=changes)

    assert fragment in caught.value.message
    submission.refresh_from_db()
    assert (submission.synopsis, submission.declared_runtime_seconds, submission.state) == ("Kept.", 180, S.DRAFT)


def test_update_details_audits_only_what_changed() -> None:
    submission = SubmissionFactory.create(title="Old", logline="Same")

    services.update_details(
        submission=submission, actor=submission.entrant, changes={"title": "New", "logline": "Same"}
    )

    event = AuditEvent.objects.get(action="submission.details_updated")
    assert (event.before, event.after) == ({"title": "Old"}, {"title": "New"})


def test_a_category_of_another_edition_is_refused() -> None:
    submission = SubmissionFactory.create()
    with pytest.raises(services.SubmissionError) as caught:
        services.update_details(
            submission=submission, actor=submission.entrant, changes={"category": CategoryFactory.create()}
        )
    assert caught.value.message == "Choose one of this edition's categories."


# --- credits, disclosure, attestations ------------------------------------------------


def test_set_credits_replaces_the_team_in_order() -> None:
    submission = SubmissionFactory.create()
    services.set_credits(
        submission=submission,
        actor=submission.entrant,
        credits=[services.CreditInput(name="Old", role=CreditRole.CAST, is_entrant=True)],
    )

    services.set_credits(
        submission=submission,
        actor=submission.entrant,
        credits=[
            services.CreditInput(name=" Ada ", role=CreditRole.DIRECTOR, is_entrant=True),
            services.CreditInput(name="Grace", role=CreditRole.COMPOSER, organization="Studio"),
        ],
    )

    assert list(Credit.objects.values_list("name", "role", "organization", "is_entrant", "position")) == [
        ("Ada", "director", "", True, 0),
        ("Grace", "composer", "Studio", False, 1),
    ]
    assert audit_actions(submission) == ["submission.credits_set", "submission.credits_set"]


def test_credits_must_include_the_entrant() -> None:
    submission = SubmissionFactory.create()
    with pytest.raises(services.SubmissionError) as caught:
        services.set_credits(
            submission=submission,
            actor=submission.entrant,
            credits=[services.CreditInput(name="Grace", role=CreditRole.COMPOSER)],
        )
    assert caught.value.message == "Mark the credit that is you: the entrant must be one of the team."
    assert Credit.objects.count() == 0


def test_a_credit_with_an_unknown_role_is_refused() -> None:
    submission = SubmissionFactory.create()
    with pytest.raises(services.SubmissionError) as caught:
        services.set_credits(
            submission=submission,
            actor=submission.entrant,
            credits=[services.CreditInput(name="Ada", role="boss", is_entrant=True)],
        )
    assert caught.value.message.startswith("Credit 1: role:")


def test_set_ai_disclosure_stores_one_row_per_stage_and_the_statement() -> None:
    submission = SubmissionFactory.create()
    runway = ai_tool("runway")

    services.set_ai_disclosure(
        submission=submission,
        actor=submission.entrant,
        uses=[
            services.AIUseInput(stage=ProductionStage.VIDEO, tool_id=runway.pk, runtime_share_percent=90),
            services.AIUseInput(stage=ProductionStage.MUSIC, tool_other="  HomeBrew Synth ", runtime_share_percent=100),
        ],
        statement="Shots generated, edited by hand.",
    )

    submission.refresh_from_db()
    assert submission.ai_statement == "Shots generated, edited by hand."
    assert sorted((u.stage, u.tool_name, u.runtime_share_percent) for u in submission.ai_uses.all()) == [
        ("music", "HomeBrew Synth", 100),
        ("video", "Runway", 90),
    ]
    assert services.declared_ai_for(submission).to_dict() == {
        "ai_video_declared": True,
        "tools": ["homebrew synth", "runway"],
    }


@pytest.mark.parametrize(
    ("use", "fragment"),
    [
        (services.AIUseInput(stage="video", runtime_share_percent=50), "Video generation: name the tool you used."),
        (services.AIUseInput(stage="video", tool_id=999_999, runtime_share_percent=50), "choose a tool from the list"),
        (services.AIUseInput(stage="video", tool_other="X", runtime_share_percent=101), "less than or equal to 100"),
        (services.AIUseInput(stage="dance", tool_other="X", runtime_share_percent=1), "is not a production stage"),
    ],
)
def test_bad_ai_uses_are_refused(use: services.AIUseInput, fragment: str) -> None:
    submission = SubmissionFactory.create()
    with pytest.raises(services.SubmissionError) as caught:
        services.set_ai_disclosure(submission=submission, actor=submission.entrant, uses=[use], statement="")
    assert fragment in caught.value.message
    assert submission.ai_uses.count() == 0


def test_a_stage_declared_twice_is_refused() -> None:
    submission = SubmissionFactory.create()
    use = services.AIUseInput(stage="video", tool_other="X", runtime_share_percent=1)
    with pytest.raises(services.SubmissionError) as caught:
        services.set_ai_disclosure(submission=submission, actor=submission.entrant, uses=[use, use], statement="")
    assert caught.value.message == "Declare each production stage once."


def test_attestations_keep_time_user_and_exact_text() -> None:
    submission = SubmissionFactory.create()
    entrant = submission.entrant
    services.record_attestations(submission=submission, actor=entrant, codes=["rights", "rules"])
    first = AttestationRecord.objects.get(code="rights")

    records = services.record_attestations(submission=submission, actor=entrant, codes=["rights", "training_data"])

    assert [r.code for r in records] == ["rights", "training_data"]
    again = AttestationRecord.objects.get(code="rights")
    assert (again.pk, again.accepted_at, again.user) == (first.pk, first.accepted_at, entrant)
    assert again.text == attestation_text("rights") == Attestation.RIGHTS.label
    event = AuditEvent.objects.filter(action="submission.attestations_recorded").order_by("id").last()
    assert event is not None and event.after == {
        "codes": ["rights", "training_data"],
        "added": ["training_data"],
        "withdrawn": ["rules"],
    }


def test_no_minors_is_not_a_statement_where_minors_are_allowed() -> None:
    submission = SubmissionFactory.create(edition=EditionFactory.create(minors_allowed=True))
    with pytest.raises(services.SubmissionError) as caught:
        services.record_attestations(submission=submission, actor=submission.entrant, codes=["no_minors"])
    assert caught.value.message == "Not a statement for this edition: no_minors."


# --- upload hand-off ------------------------------------------------------------------


def test_upload_started_then_film_attached_hands_the_film_to_media(django_capture_on_commit_callbacks) -> None:
    submission = SubmissionFactory.create(edition=EditionFactory.create(min_short_side_px=480))
    services.set_ai_disclosure(
        submission=submission,
        actor=submission.entrant,
        uses=[services.AIUseInput(stage="video", tool_id=ai_tool("sora").pk, runtime_share_percent=5)],
        statement="",
    )
    services.mark_upload_started(submission_id=submission.pk, actor=submission.entrant)
    services.mark_upload_started(submission_id=submission.pk, actor=submission.entrant)  # resumed: no-op

    with (
        mock.patch("media.services.enqueue_processing") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        film = services.attach_uploaded_film(
            submission_id=submission.pk,
            source_name="uploads/abc/source",
            original_filename="moons.mp4",
            size_bytes=1234,
            sha256="ab" * 32,
            actor=submission.entrant,
        )

    submission.refresh_from_db()
    assert (submission.state, submission.film_id) == (S.UPLOADED, film.pk)
    edition = submission.edition
    assert film.group_key == f"edition:{edition.pk}"
    assert film.rules == {
        "runtime_min_seconds": 60,
        "runtime_max_seconds": 600,
        "max_file_size_bytes": edition.max_file_size_bytes,
        "allowed_containers": ["mp4", "mov", "webm", "mkv"],
        "min_short_side_px": 480,
        "blocking_qc": [],
    }
    assert film.declared_ai == {"ai_video_declared": True, "tools": ["sora"]}
    assert ProcessingJob.objects.get(film=film).state == JobState.QUEUED
    enqueue.assert_called_once_with(film_id=film.pk)
    assert audit_actions(submission)[-2:] == ["submission.upload_started", "submission.film_attached"]


def test_attaching_a_film_to_a_draft_is_a_state_conflict() -> None:
    submission = SubmissionFactory.create()
    with pytest.raises(services.StateConflict):
        services.attach_uploaded_film(submission_id=submission.pk, source_name="x", original_filename="", size_bytes=1)
    assert Film.objects.count() == 0


def test_uploading_after_the_deadline_is_refused() -> None:
    now = timezone.now()
    submission = SubmissionFactory.create(
        edition=EditionFactory.create(submissions_close_at=now - timedelta(hours=2), grace_period=timedelta(hours=1))
    )
    with pytest.raises(services.EditionClosed):
        services.mark_upload_started(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.state == S.DRAFT


# --- submit ---------------------------------------------------------------------------


def test_submit_a_complete_entry_with_a_processed_film() -> None:
    submission = ready_submission()

    services.submit_submission(submission=submission, actor=submission.entrant)

    submission.refresh_from_db()
    assert submission.state == S.SUBMITTED
    assert submission.submitted_at is not None
    assert audit_actions(submission) == ["submission.submitted"]


def test_submit_lists_everything_that_is_missing() -> None:
    edition = EditionFactory.create()
    CategoryFactory.create(edition=edition)
    submission = SubmissionFactory.create(edition=edition, logline="", declared_runtime_seconds=30)

    with pytest.raises(services.SubmissionIncomplete) as caught:
        services.submit_submission(submission=submission, actor=submission.entrant)

    assert caught.value.problems == [
        "Add a logline.",
        "The declared runtime (0:30) must be between 1:00 and 10:00.",
        "Choose a category.",
        "Name a contact (name and e-mail) for the prize.",
        "Add yourself to the credits (mark the credit as you).",
        "This edition requires AI-generated video: declare it in the AI disclosure.",
        *[f"Confirm: “{Attestation(code).label}”." for code in edition.required_attestations],
        "Upload the film.",
    ]
    submission.refresh_from_db()
    assert submission.state == S.DRAFT


@pytest.mark.parametrize(
    ("job_state", "problem"),
    [
        (JobState.TRANSCODING, "Wait until the film has been processed (0 %)."),
        (
            JobState.FAILED,
            "The film did not pass the checks: the file could not be processed. Upload a corrected file.",
        ),
    ],
)
def test_submit_needs_a_processed_film(job_state: str, problem: str) -> None:
    submission = ready_submission(job_state=job_state)
    with pytest.raises(services.SubmissionIncomplete) as caught:
        services.submit_submission(submission=submission, actor=submission.entrant)
    assert caught.value.problems == [problem]


def test_submit_needs_declared_ai_video_when_the_edition_requires_it() -> None:
    submission = ready_submission()
    submission.ai_uses.update(stage=ProductionStage.IMAGE)
    with pytest.raises(services.SubmissionIncomplete) as caught:
        services.submit_submission(submission=submission, actor=submission.entrant)
    assert caught.value.problems == ["This edition requires AI-generated video: declare it in the AI disclosure."]

    submission.edition.ai_video_required = False
    submission.edition.save()
    services.submit_submission(submission=submission, actor=submission.entrant)
    assert Submission.objects.get(pk=submission.pk).state == S.SUBMITTED


def test_submit_needs_each_required_attestation_only() -> None:
    edition = EditionFactory.create(required_attestations=["rules"])
    submission = ready_submission(edition=edition)
    assert list(submission.attestations.values_list("code", flat=True)) == ["rules"]
    services.submit_submission(submission=submission, actor=submission.entrant)
    assert Submission.objects.get(pk=submission.pk).state == S.SUBMITTED


def test_submitting_after_the_deadline_is_refused() -> None:
    submission = ready_submission()
    edition = submission.edition
    edition.submissions_close_at = timezone.now() - timedelta(hours=2)
    edition.save()

    with pytest.raises(services.EditionClosed) as caught:
        services.submit_submission(submission=submission, actor=submission.entrant)

    assert caught.value.status == 403
    assert caught.value.message.startswith("Submissions closed on ")
    assert Submission.objects.get(pk=submission.pk).state == S.UPLOADED


def test_a_second_submitted_film_over_the_limit_is_refused() -> None:
    # The limit was raised to two, then lowered again after both were started.
    edition = EditionFactory.create(films_per_entrant=2)
    entrant = UserFactory.create()
    first = ready_submission(edition=edition, entrant=entrant)
    second = ready_submission(edition=edition, entrant=entrant)
    services.submit_submission(submission=first, actor=entrant)
    edition.films_per_entrant = 1
    edition.save()

    with pytest.raises(services.EntryLimitReached):
        services.submit_submission(submission=second, actor=entrant)
    assert Submission.objects.get(pk=second.pk).state == S.UPLOADED


def test_only_the_entrant_submits_and_only_once() -> None:
    submission = ready_submission()
    with pytest.raises(services.NotAllowed):
        services.submit_submission(submission=submission, actor=UserFactory.create())
    services.submit_submission(submission=submission, actor=submission.entrant)
    with pytest.raises(services.StateConflict) as caught:
        services.submit_submission(submission=submission, actor=submission.entrant)
    assert caught.value.message == "This film has already been submitted."


def test_a_stale_transition_is_a_state_conflict() -> None:
    submission = ready_submission()
    stale = Submission.objects.get(pk=submission.pk)
    services.withdraw_submission(submission=submission, actor=submission.entrant)

    with pytest.raises(services.StateConflict) as caught:
        services.withdraw_submission(submission=stale, actor=stale.entrant)

    assert caught.value.message == "This film is withdrawn; it cannot become withdrawn now."


# --- lock after submit ----------------------------------------------------------------


def test_a_submitted_film_is_locked_when_the_edition_says_so() -> None:
    submission = ready_submission()
    services.submit_submission(submission=submission, actor=submission.entrant)
    entrant = submission.entrant

    attempts = [
        lambda: services.update_details(submission=submission, actor=entrant, changes={"title": "Changed"}),
        lambda: services.set_credits(
            submission=submission, actor=entrant, credits=[services.CreditInput("X", "cast", is_entrant=True)]
        ),
        lambda: services.set_ai_disclosure(submission=submission, actor=entrant, uses=[], statement="none"),
        lambda: services.record_attestations(submission=submission, actor=entrant, codes=[]),
        lambda: services.mark_upload_started(submission_id=submission.pk, actor=entrant),
    ]
    for attempt in attempts:
        with pytest.raises(services.SubmissionLocked) as caught:
            attempt()
        assert caught.value.message == "This film has been submitted; the festival allows no more changes."

    submission.refresh_from_db()
    assert (submission.title, submission.state, submission.credits.count(), submission.ai_uses.count()) == (
        submission.title,
        S.SUBMITTED,
        1,
        1,
    )


def test_an_unlocked_edition_allows_edits_and_a_new_film_means_submitting_again() -> None:
    submission = ready_submission(edition=EditionFactory.create(lock_after_submit=False))
    services.submit_submission(submission=submission, actor=submission.entrant)

    services.update_details(submission=submission, actor=submission.entrant, changes={"title": "Director's cut"})
    services.mark_upload_started(submission_id=submission.pk, actor=submission.entrant)

    submission.refresh_from_db()
    assert (submission.title, submission.state, submission.submitted_at) == ("Director's cut", S.UPLOADING, None)


# --- withdraw and disqualify -----------------------------------------------------------


def test_the_entrant_withdraws_a_submitted_film_which_then_stays_locked() -> None:
    submission = ready_submission()
    services.submit_submission(submission=submission, actor=submission.entrant)

    services.withdraw_submission(submission=submission, actor=submission.entrant)

    submission.refresh_from_db()
    assert submission.state == S.WITHDRAWN and submission.withdrawn_at is not None
    with pytest.raises(services.SubmissionLocked) as caught:
        services.update_details(submission=submission, actor=submission.entrant, changes={"title": "Back"})
    assert caught.value.message == "This film is withdrawn and can no longer be changed."


def test_someone_else_cannot_withdraw() -> None:
    submission = SubmissionFactory.create()
    with pytest.raises(services.NotAllowed):
        services.withdraw_submission(submission=submission, actor=UserFactory.create())
    assert Submission.objects.get(pk=submission.pk).state == S.DRAFT


def test_an_organizer_disqualifies_with_a_reason_and_it_is_audited() -> None:
    submission = ready_submission()
    services.submit_submission(submission=submission, actor=submission.entrant)
    organizer = OrganizerFactory.create(festival=submission.edition.festival).user

    services.disqualify_submission(
        submission=submission, actor=organizer, reason="  Live-action footage throughout. ", ip="10.0.0.1"
    )

    submission.refresh_from_db()
    assert (submission.state, submission.disqualified_reason) == (S.DISQUALIFIED, "Live-action footage throughout.")
    event = AuditEvent.objects.get(action="submission.disqualified")
    assert (event.actor, event.ip, event.before, event.after) == (
        organizer,
        "10.0.0.1",
        {"state": "submitted"},
        {"state": "disqualified", "reason": "Live-action footage throughout."},
    )


def test_disqualifying_needs_a_reason_and_an_organizer_of_that_festival() -> None:
    submission = ready_submission()
    other_organizer = OrganizerFactory.create().user
    organizer = OrganizerFactory.create(festival=submission.edition.festival).user

    with pytest.raises(services.SubmissionError) as no_reason:
        services.disqualify_submission(submission=submission, actor=organizer, reason="   ")
    with pytest.raises(services.NotAllowed):
        services.disqualify_submission(submission=submission, actor=other_organizer, reason="Because.")
    with pytest.raises(services.NotAllowed):
        services.disqualify_submission(submission=submission, actor=submission.entrant, reason="Because.")

    assert no_reason.value.message == "Give the reason for disqualifying the film."
    assert Submission.objects.get(pk=submission.pk).state == S.UPLOADED


def test_submit_needs_a_film_that_passed_the_qc_checks() -> None:
    submission = ready_submission()
    QCReport.objects.create(
        film_id=submission.film.pk if submission.film else 0,
        blocking=True,
        findings=[
            {
                "code": "runtime",
                "severity": "error",
                "message": "The film runs 0:12; the minimum is 1:00.",
                "value": 12,
            },
            {"code": "loudness", "severity": "warning", "message": "Loud.", "value": -9},
        ],
    )
    with pytest.raises(services.SubmissionIncomplete) as caught:
        services.submit_submission(submission=submission, actor=submission.entrant)
    assert caught.value.problems == [
        "The film does not meet the edition's rules: The film runs 0:12; the minimum is 1:00. Upload a corrected file."
    ]


def test_a_changed_disclosure_reaches_the_films_declaration() -> None:
    submission = ready_submission()  # declares Runway video
    film = submission.film
    assert film is not None
    Film.objects.filter(pk=film.pk).update(declared_ai=services.declared_ai_for(submission).to_dict())
    same = [services.AIUseInput(stage="video", tool_id=ai_tool("runway").pk, runtime_share_percent=80)]
    services.set_ai_disclosure(submission=submission, actor=submission.entrant, uses=same, statement="Same tools.")
    assert AuditEvent.objects.filter(action="media.declaration.updated").count() == 0

    services.set_ai_disclosure(
        submission=submission,
        actor=submission.entrant,
        uses=[services.AIUseInput(stage="image", tool_id=ai_tool("flux").pk, runtime_share_percent=30)],
        statement="Stills only.",
    )

    film.refresh_from_db()
    assert film.declared_ai == {"ai_video_declared": False, "tools": ["flux"]}
    assert AuditEvent.objects.filter(action="media.declaration.updated", actor=submission.entrant).count() == 1
