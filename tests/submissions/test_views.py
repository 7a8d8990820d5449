"""Entrant pages: dashboard, details, credits, disclosure, statements, submit, withdraw."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from festival.models import User
from media.models import AIEvidence, AIFlag, JobState, QCReport, Shot
from submissions.models import AttestationRecord, Credit, Submission
from submissions.models import SubmissionState as S
from tests.factories import CategoryFactory, EditionFactory, FilmFactory, SubmissionFactory, UserFactory
from tests.submissions.factories import ai_tool, ready_submission

pytestmark = pytest.mark.django_db

DETAILS = {
    "title": "Paper Moons",
    "logline": "Two moons, one tide.",
    "synopsis": "A lighthouse keeper counts tides.",
    "declared_runtime_seconds": "4:30",
    "languages": "en, FR",
    "country": "FR",
    "prize_contact_name": "Ada Lovelace",
    "prize_contact_email": "ada@example.org",
    "prize_contact_phone": "",
}


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- dashboard ----------------------------------------------------------------------


def test_dashboard_shows_each_submission_with_its_processing_state(
    entrant: User, entrant_client: Client, django_assert_max_num_queries
) -> None:
    transcoding = FilmFactory.create(job__state=JobState.TRANSCODING)
    processing = SubmissionFactory.create(entrant=entrant, title="Tides", state=S.UPLOADED, film=transcoding)
    transcoding.job.progress = 42
    transcoding.job.save()
    SubmissionFactory.create(entrant=entrant, title="Draft One")
    for _ in range(5):
        SubmissionFactory.create(entrant=entrant, state=S.UPLOADED, film=FilmFactory.create(job__state=JobState.READY))
    checked = FilmFactory.create(job__state=JobState.READY)
    SubmissionFactory.create(entrant=entrant, state=S.UPLOADED, film=checked)
    QCReport.objects.create(
        film=checked,
        findings=[{"code": "loudness", "severity": "warning", "message": "Louder than -14 LUFS.", "value": -9}],
    )
    SubmissionFactory.create(title="Someone else's")

    # 9, and one for the navigation's unread notifications (cached after the first page).
    with django_assert_max_num_queries(10):
        response = entrant_client.get("/me/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Processing: transcoding (42 %)" in page
    assert 'value="42"' in page
    assert "⚠ Louder than -14 LUFS." in page
    assert "Draft One" in page and "Processed, ready to submit" in page
    assert "Someone else&#x27;s" not in page and "Someone else's" not in page
    assert f'href="/me/submissions/{processing.pk}/upload/"' in page
    assert f'href="/me/submissions/{processing.pk}/withdraw/"' in page


def test_a_failed_films_reason_is_said_once_on_my_films_and_its_page(entrant: User, entrant_client: Client) -> None:
    """Failed by the rules: the report's findings say why (not the job's summary of them too);
    failed with no report (not a film at all): the job's reason."""
    rules = FilmFactory.create(
        job__state=JobState.FAILED, job__failure_reason="Does not meet the edition's rules: runtime 0:30."
    )
    QCReport.objects.create(
        film=rules,
        blocking=True,
        findings=[
            {
                "code": "runtime",
                "severity": "error",
                "message": "runtime 0:30, this edition allows 1:00–10:00",
                "value": 30,
            }
        ],
    )
    by_rules = SubmissionFactory.create(entrant=entrant, title="Short", state=S.UPLOADED, film=rules)
    broken = FilmFactory.create(job__state=JobState.FAILED, job__failure_reason="The file is not a film.")
    SubmissionFactory.create(entrant=entrant, title="Broken", state=S.UPLOADED, film=broken)

    films = entrant_client.get("/me/").content.decode()
    detail = entrant_client.get(f"/me/submissions/{by_rules.pk}/").content.decode()

    assert films.count("runtime 0:30") == 1 and "✘ runtime 0:30, this edition allows 1:00–10:00" in films
    # The film's page: the report under its state (no summary paragraph), then the checklist of what to fix.
    assert '<p class="status-closed">' not in detail and "✘ runtime 0:30, this edition allows 1:00–10:00" in detail
    assert films.count("The file is not a film.") == 1


def test_dashboard_needs_sign_in() -> None:
    response = Client().get("/me/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- another user's submission --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "details/"),
        ("post", "details/"),
        ("get", "credits/"),
        ("get", "disclosure/"),
        ("get", "statements/"),
        ("post", "statements/"),
        ("post", "submit/"),
        ("get", "withdraw/"),
        ("post", "withdraw/"),
        ("post", "shots/"),
    ],
)
def test_another_users_submission_is_a_404_everywhere(entrant_client: Client, method: str, suffix: str) -> None:
    other = ready_submission()
    response = getattr(entrant_client, method)(f"/me/submissions/{other.pk}/{suffix}")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.state == S.UPLOADED


# --- details ------------------------------------------------------------------------


def test_entering_a_film_creates_a_draft_and_goes_on_to_credits(entrant: User, entrant_client: Client) -> None:
    edition = EditionFactory.create()
    category = CategoryFactory.create(edition=edition)

    response = entrant_client.post(f"/me/editions/{edition.pk}/enter/", {**DETAILS, "category": category.pk})

    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/me/submissions/{submission.pk}/credits/"
    assert (submission.entrant, submission.category, submission.declared_runtime_seconds, submission.languages) == (
        entrant,
        category,
        270,
        ["en", "fr"],
    )


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("declared_runtime_seconds", "-3", "Enter the runtime as minutes:seconds, for example 4:30."),
        ("declared_runtime_seconds", "4:75", "Seconds must be below 60, for example 4:30."),
        ("synopsis", "x" * 1_000_000, "Ensure this value has at most 5000 characters (it has 1000000)."),
        ("languages", "english", "&#x27;english&#x27; is not a two-letter language code"),
        ("country", "ZZ", "Select a valid choice. ZZ is not one of the available choices."),
    ],
)
def test_bad_details_are_form_errors_and_nothing_is_stored(
    entrant_client: Client, field: str, value: str, error: str
) -> None:
    edition = EditionFactory.create()
    response = entrant_client.post(f"/me/editions/{edition.pk}/enter/", {**DETAILS, field: value})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Submission.objects.count() == 0


def test_a_10_mb_synopsis_is_refused_with_a_clear_message_not_a_500(entrant: User, entrant_client: Client) -> None:
    submission = SubmissionFactory.create(entrant=entrant, synopsis="Kept.")

    response = entrant_client.post(
        f"/me/submissions/{submission.pk}/details/", {**DETAILS, "synopsis": "x" * 10_000_000}
    )

    assert response.status_code == 413
    assert "The form was too large to accept (over 2 MB)." in response.content.decode()
    submission.refresh_from_db()
    assert submission.synopsis == "Kept."


def test_entering_after_the_deadline_shows_why(entrant_client: Client) -> None:
    now = timezone.now()
    edition = EditionFactory.create(submissions_close_at=now - timedelta(days=1), grace_period=timedelta(0))

    page = entrant_client.get(f"/me/editions/{edition.pk}/enter/")
    posted = entrant_client.post(f"/me/editions/{edition.pk}/enter/", DETAILS)

    assert "This edition is not taking entries now." in page.content.decode()
    assert "Closed " in page.content.decode()
    assert posted.status_code == 403
    assert "Submissions closed on " in posted.content.decode()
    assert Submission.objects.count() == 0


def test_a_second_film_where_one_is_allowed_is_a_clear_error(entrant: User, entrant_client: Client) -> None:
    edition = EditionFactory.create(films_per_entrant=1)
    SubmissionFactory.create(entrant=entrant, edition=edition)
    response = entrant_client.post(f"/me/editions/{edition.pk}/enter/", DETAILS)
    assert response.status_code == 409
    assert "accepts 1 film per entrant" in response.content.decode()
    assert Submission.objects.count() == 1


def test_editing_details(entrant: User, entrant_client: Client) -> None:
    submission = SubmissionFactory.create(entrant=entrant)
    page = entrant_client.get(f"/me/submissions/{submission.pk}/details/")
    assert 'value="3:00"' in page.content.decode()

    response = entrant_client.post(f"/me/submissions/{submission.pk}/details/", {**DETAILS, "title": "Renamed"})

    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.title, submission.country) == ("Renamed", "FR")


# --- credits, disclosure, statements --------------------------------------------------


def management(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "100",
    }


def test_credits_formset_saves_the_team(entrant: User, entrant_client: Client) -> None:
    submission = SubmissionFactory.create(entrant=entrant)
    page = entrant_client.get(f"/me/submissions/{submission.pk}/credits/")
    assert 'value="Ada Lovelace"' in page.content.decode()

    data = {
        **management("credits", 3),
        "credits-0-name": "Ada Lovelace",
        "credits-0-role": "director",
        "credits-0-is_entrant": "on",
        "credits-1-name": "Grace Hopper",
        "credits-1-role": "composer",
        "credits-2-name": "",
        "credits-2-role": "",
    }
    response = entrant_client.post(f"/me/submissions/{submission.pk}/credits/", data)

    assert response.status_code == 302
    assert list(Credit.objects.values_list("name", "role", "is_entrant")) == [
        ("Ada Lovelace", "director", True),
        ("Grace Hopper", "composer", False),
    ]


def test_credits_without_the_entrant_are_a_form_error(entrant: User, entrant_client: Client) -> None:
    submission = SubmissionFactory.create(entrant=entrant)
    data = {**management("credits", 1), "credits-0-name": "Grace Hopper", "credits-0-role": "composer"}
    response = entrant_client.post(f"/me/submissions/{submission.pk}/credits/", data)
    assert response.status_code == 400
    assert "Mark the credit that is you" in response.content.decode()
    assert Credit.objects.count() == 0


def test_disclosure_saves_one_row_per_ticked_stage(entrant: User, entrant_client: Client, ai_tools: None) -> None:
    submission = SubmissionFactory.create(entrant=entrant)
    page = entrant_client.get(f"/me/submissions/{submission.pk}/disclosure/")
    assert '<optgroup label="Often used for video generation">' in page.content.decode()

    runway = ai_tool("runway")
    data = {
        "video-used": "on",
        "video-tool": str(runway.pk),
        "video-model_version": "Gen-4",
        "video-runtime_share_percent": "85",
        "music-used": "on",
        "music-tool_other": "Modular synth AI",
        "music-runtime_share_percent": "100",
        "script-tool_other": "ignored: stage not ticked",
        "ai_statement": "Generated shots, human edit.",
    }
    response = entrant_client.post(f"/me/submissions/{submission.pk}/disclosure/", data)

    assert response.status_code == 302
    assert sorted((u.stage, u.tool_name, u.runtime_share_percent) for u in submission.ai_uses.all()) == [
        ("music", "Modular synth AI", 100),
        ("video", "Runway", 85),
    ]
    submission.refresh_from_db()
    assert submission.ai_statement == "Generated shots, human edit."


def test_a_ticked_stage_without_a_tool_is_a_form_error(entrant: User, entrant_client: Client, ai_tools: None) -> None:
    submission = SubmissionFactory.create(entrant=entrant)
    response = entrant_client.post(
        f"/me/submissions/{submission.pk}/disclosure/", {"video-used": "on", "video-runtime_share_percent": "101"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose the tool, or name it in “Other tool”." in page
    assert "Ensure this value is less than or equal to 100." in page
    assert submission.ai_uses.count() == 0


def test_statements_are_recorded_with_their_text(entrant: User, entrant_client: Client) -> None:
    submission = SubmissionFactory.create(entrant=entrant)
    response = entrant_client.post(f"/me/submissions/{submission.pk}/statements/", {"rights": "on", "rules": "on"})
    assert response.status_code == 302
    assert list(AttestationRecord.objects.order_by("code").values_list("code", "user")) == [
        ("rights", entrant.pk),
        ("rules", entrant.pk),
    ]


# --- review, submit, withdraw ----------------------------------------------------------


def test_review_page_lists_what_is_missing(
    entrant: User, entrant_client: Client, django_assert_max_num_queries
) -> None:
    submission = SubmissionFactory.create(entrant=entrant, logline="")
    with django_assert_max_num_queries(14):
        response = entrant_client.get(f"/me/submissions/{submission.pk}/")
    page = response.content.decode()
    assert "Add a logline." in page
    assert "Upload the film." in page
    assert f'href="/me/submissions/{submission.pk}/upload/"' in page
    assert 'disabled aria-disabled="true"' in page


def test_submitting_from_the_review_page(entrant: User, entrant_client: Client) -> None:
    submission = ready_submission(entrant=entrant)
    page = entrant_client.get(f"/me/submissions/{submission.pk}/")
    assert "Everything is in place." in page.content.decode()

    response = entrant_client.post(f"/me/submissions/{submission.pk}/submit/")

    assert response.status_code == 302 and response["Location"] == "/me/"
    submission.refresh_from_db()
    assert submission.state == S.SUBMITTED
    # Locked: the edit pages send the entrant back with a message.
    edit = entrant_client.get(f"/me/submissions/{submission.pk}/details/")
    assert edit.status_code == 302 and texts(edit)[-1] == "This film can no longer be changed."


def test_submitting_an_incomplete_film_shows_each_problem(entrant: User, entrant_client: Client) -> None:
    submission = ready_submission(entrant=entrant, synopsis="")
    response = entrant_client.post(f"/me/submissions/{submission.pk}/submit/")
    assert texts(response) == ["Add a synopsis."]
    assert Submission.objects.get(pk=submission.pk).state == S.UPLOADED


def test_submitting_after_the_deadline_says_so(entrant: User, entrant_client: Client) -> None:
    submission = ready_submission(entrant=entrant)
    submission.edition.submissions_close_at = timezone.now() - timedelta(hours=3)
    submission.edition.save()
    response = entrant_client.post(f"/me/submissions/{submission.pk}/submit/")
    assert texts(response)[0].startswith("Submissions closed on ")
    assert Submission.objects.get(pk=submission.pk).state == S.UPLOADED


def test_withdraw_asks_for_confirmation_first(entrant: User, entrant_client: Client) -> None:
    submission = SubmissionFactory.create(entrant=entrant)
    page = entrant_client.get(f"/me/submissions/{submission.pk}/withdraw/")
    assert "This cannot be undone" in page.content.decode()
    assert Submission.objects.get(pk=submission.pk).state == S.DRAFT

    response = entrant_client.post(f"/me/submissions/{submission.pk}/withdraw/")

    assert response.status_code == 302
    assert Submission.objects.get(pk=submission.pk).state == S.WITHDRAWN
    assert entrant_client.get(f"/me/submissions/{submission.pk}/withdraw/").status_code == 404


def test_a_stranger_cannot_see_the_entrant_pages() -> None:
    submission = SubmissionFactory.create()
    client = Client()
    client.force_login(UserFactory.create())
    assert client.get(f"/me/submissions/{submission.pk}/").status_code == 404


def test_review_page_shows_country_names_and_times_in_the_editions_zone(entrant: User, entrant_client: Client) -> None:
    submission = ready_submission(entrant=entrant, country="FR")
    page = entrant_client.get(f"/me/submissions/{submission.pk}/").content.decode()
    assert "<dt>Country</dt><dd>France</dd>" in page
    assert "(America/New_York)" in page


def test_a_10_mb_form_with_csrf_checks_gets_a_clear_413_page(entrant: User) -> None:
    """In a real browser CsrfViewMiddleware reads the body before the view: the middleware answers first."""
    submission = SubmissionFactory.create(entrant=entrant, synopsis="Kept.")
    client = Client(enforce_csrf_checks=True)
    client.force_login(entrant)
    client.get(f"/me/submissions/{submission.pk}/details/")
    token = client.cookies["csrftoken"].value

    response = client.post(
        f"/me/submissions/{submission.pk}/details/",
        {**DETAILS, "csrfmiddlewaretoken": token, "synopsis": "x" * 10_000_000},
    )

    assert response.status_code == 413
    assert "The form was too large to accept (over 2 MB)." in response.content.decode()
    submission.refresh_from_db()
    assert submission.synopsis == "Kept."


# --- AI-usage evidence and shot labels --------------------------------------------------


def film_with_shots(submission: Submission, count: int = 2) -> None:
    film = submission.film
    assert film is not None
    AIEvidence.objects.create(film=film)
    for index in range(count):
        Shot.objects.create(film=film, index=index, start_seconds=index * 2.0, end_seconds=index * 2.0 + 2)


def test_the_entrant_sees_the_evidence_without_flags_and_labels_the_shots(
    entrant: User, entrant_client: Client
) -> None:
    submission = ready_submission(entrant=entrant)
    film_with_shots(submission)
    assert submission.film is not None
    AIFlag.objects.create(film=submission.film, code="undeclared_tool", severity="warning", message="Secret flag.")

    page = entrant_client.get(f"/me/submissions/{submission.pk}/").content.decode()
    assert "AI-usage evidence" in page
    assert f'action="/me/submissions/{submission.pk}/shots/"' in page
    assert "Secret flag." not in page

    response = entrant_client.post(f"/me/submissions/{submission.pk}/shots/", {"shot-0": "ai", "shot-1": "live_action"})

    assert response.status_code == 302 and response["Location"] == f"/me/submissions/{submission.pk}/#ai-usage"
    assert list(Shot.objects.order_by("index").values_list("label", flat=True)) == ["ai", "live_action"]


def test_a_bad_shot_label_is_a_clear_message(entrant: User, entrant_client: Client) -> None:
    submission = ready_submission(entrant=entrant)
    film_with_shots(submission)
    response = entrant_client.post(f"/me/submissions/{submission.pk}/shots/", {"shot-0": "robot", "shot-7": "ai"})
    assert texts(response)[-1].startswith("Unknown shot label: robot.")
    assert set(Shot.objects.values_list("label", flat=True)) == {"unlabelled"}


def test_shot_labels_lock_with_the_submission(entrant: User, entrant_client: Client) -> None:
    submission = ready_submission(entrant=entrant, state=S.SUBMITTED)
    film_with_shots(submission)
    page = entrant_client.get(f"/me/submissions/{submission.pk}/").content.decode()
    assert "/shots/" not in page
    response = entrant_client.post(f"/me/submissions/{submission.pk}/shots/", {"shot-0": "ai"})
    assert texts(response)[-1] == "This film can no longer be changed."
    assert Shot.objects.get(index=0).label == "unlabelled"
