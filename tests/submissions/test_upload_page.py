"""The upload page: server-rendered parts, and a real upload through it in Chromium."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone

from festival.models import User
from media.models import Film, JobState, ProcessingJob
from submissions.models import Submission, SubmissionState
from tests.conftest import service_missing
from tests.factories import EditionFactory, FilmFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


def page_url(submission: Submission) -> str:
    return f"/me/submissions/{submission.pk}/upload/"


def test_page_carries_the_editions_rules(
    entrant_client: Client, submission: Submission, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):
        response = entrant_client.get(page_url(submission))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-submission="{submission.pk}"' in html
    assert 'data-max-size="5368709120"' in html
    assert 'data-extensions="m4v,mkv,mov,mp4,webm"' in html
    assert 'accept=".m4v,.mkv,.mov,.mp4,.webm"' in html
    assert 'data-endpoint="/api/uploads/"' in html
    assert 'aria-live="polite"' in html
    assert response.cookies[settings.CSRF_COOKIE_NAME].value  # the script sends it back as X-CSRFToken


def test_another_users_submission_page_is_404(client: Client, submission: Submission) -> None:
    client.force_login(UserFactory.create())
    assert client.get(page_url(submission)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client: Client, submission: Submission) -> None:
    response = client.get(page_url(submission))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_closed_edition_shows_why_instead_of_the_form(entrant_client: Client, entrant: User) -> None:
    edition = EditionFactory.create(
        submissions_open_at=timezone.now() - timedelta(days=30),
        submissions_close_at=timezone.now() - timedelta(days=2),
        grace_period=timedelta(0),
    )
    submission = SubmissionFactory.create(entrant=entrant, edition=edition)
    html = entrant_client.get(page_url(submission)).content.decode()
    assert 'id="upload-form"' not in html
    assert "Uploads are closed for this edition: Closed " in html


def test_submitted_film_cannot_be_replaced(entrant_client: Client, entrant: User) -> None:
    submission = SubmissionFactory.create(entrant=entrant, state=SubmissionState.SUBMITTED)
    html = entrant_client.get(page_url(submission)).content.decode()
    assert 'id="upload-form"' not in html
    assert "This submission can no longer take a new film." in html


@pytest.fixture
def clip(tmp_path: Path, ffmpeg: str) -> Path:
    path = tmp_path / "clip.mp4"
    subprocess.run(
        [ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=1:size=160x90:rate=10",
         "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not Path("/usr/bin/chromium").exists():
        service_missing("/usr/bin/chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous code between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser.new_context().new_page()
        finally:
            # ORM calls made while Playwright's loop runs get a connection of their own
            # (Django's connections are per async context); close it, or it outlives the test.
            connections.close_all()
            browser.close()


def sign_in(page: Any, base_url: str, user: User) -> None:
    """Give the browser a signed-in session cookie of ``user``."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


@pytest.mark.browser
def test_upload_through_the_page_reaches_100_percent_and_the_film_is_registered(
    live_server: Any, browser_page: Any, clip: Path, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enqueued: list[int] = []
    monkeypatch.setattr("media.services.enqueue_processing", lambda *, film_id: enqueued.append(film_id))
    edition = EditionFactory.create(runtime_min_seconds=1, min_short_side_px=90)  # the clip: 1 s, 160x90
    submission = SubmissionFactory.create(edition=edition, entrant=UserFactory.create(), title="Neon Tide")
    sign_in(browser_page, live_server.url, submission.entrant)
    browser_page.goto(f"{live_server.url}{page_url(submission)}")
    # Served by the site itself (static/vendor, from npm), never a CDN.
    assert browser_page.evaluate("typeof window.tus.Upload") == "function"
    # Before an upload: only Upload shows (a display rule must not beat `hidden`).
    assert browser_page.is_visible("#upload-start")
    assert not browser_page.is_visible("#upload-pause") and not browser_page.is_visible("#upload-resume")
    browser_page.set_input_files("#film-file", str(clip))
    browser_page.wait_for_function("() => /within the rules/.test(document.getElementById('film-check').textContent)")
    assert browser_page.inner_text("#film-check") == "Runtime 0:01, picture 160×90 px: within the rules."
    # A second press mid-upload (Enter on the form) must not start a second upload.
    browser_page.click("#upload-start")
    browser_page.evaluate("() => document.getElementById('upload-form').requestSubmit()")
    browser_page.wait_for_selector("#upload-done:not([hidden]), #upload-error:not([hidden])", timeout=30_000)
    assert browser_page.inner_text("#upload-error") == ""
    assert not browser_page.is_visible("#upload-start") and not browser_page.is_visible("#upload-pause")
    assert browser_page.evaluate("() => document.activeElement.textContent") == "Go to my films"
    assert browser_page.eval_on_selector("#upload-progress", "el => el.value") == 100
    assert browser_page.inner_text("#upload-percent") == "100%"
    assert browser_page.inner_text("#upload-status") == "Upload complete: 100% sent. Your film is processing."
    film = Film.objects.get()
    submission.refresh_from_db()
    assert (submission.state, submission.film_id) == (SubmissionState.UPLOADED, film.pk)
    assert film.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert film.original_filename == "clip.mp4"
    assert enqueued == [film.pk]
    browser_page.click("text=Go to my films")
    browser_page.wait_for_url(f"{live_server.url}/me/")
    row = browser_page.locator("#my-submissions + div table tbody tr").first
    assert row.locator("th").inner_text() == "Neon Tide"
    assert row.locator(".state").inner_text() == "Waiting to be processed"
    assert row.locator("a", has_text="Replace film").count() == 1


@pytest.mark.browser
def test_a_film_the_rules_refuse_is_refused_in_the_browser_before_a_byte_is_sent(
    live_server: Any, browser_page: Any, clip: Path, media_root: Path
) -> None:
    edition = EditionFactory.create(runtime_min_seconds=20, runtime_max_seconds=300, min_short_side_px=90)
    submission = SubmissionFactory.create(edition=edition, entrant=UserFactory.create(), title="Too Short")
    sign_in(browser_page, live_server.url, submission.entrant)
    sent: list[str] = []
    browser_page.on("request", lambda request: sent.append(request.url) if "/api/uploads/" in request.url else None)
    browser_page.goto(f"{live_server.url}{page_url(submission)}")
    assert browser_page.inner_text("#rule-runtime") == "Runtime from 0:20 to 5:00."
    browser_page.set_input_files("#film-file", str(clip))
    browser_page.click("#upload-start")
    browser_page.wait_for_selector("#upload-error:not([hidden])")
    assert browser_page.inner_text("#upload-error") == (
        "The film runs 0:01; this festival takes films from 0:20 to 5:00."
    )
    assert browser_page.is_visible("#upload-start") and not browser_page.is_visible("#upload-panel")
    assert browser_page.evaluate("() => document.activeElement.id") == "film-file"
    assert sent == []
    assert Film.objects.count() == 0


@pytest.mark.browser
def test_the_dashboard_follows_processing_without_a_reload(live_server: Any, browser_page: Any) -> None:
    film = FilmFactory.create(job__state=JobState.TRANSCODING)
    ProcessingJob.objects.filter(film=film).update(progress=10)
    submission = SubmissionFactory.create(state=SubmissionState.UPLOADED, film=film, title="Live Wire")
    sign_in(browser_page, live_server.url, submission.entrant)
    browser_page.goto(f"{live_server.url}/me/")
    browser_page.evaluate("() => { window.sameDocument = true; }")
    progress = f'progress[data-live="sub-{submission.pk}-progress"]'
    assert browser_page.eval_on_selector(progress, "el => el.value") == 10

    ProcessingJob.objects.filter(film=film).update(progress=60)
    browser_page.wait_for_function(f"() => document.querySelector('{progress}').value === 60", timeout=15_000)
    assert browser_page.inner_text(f'[data-live="sub-{submission.pk}-state"]') == "Processing: transcoding (60 %)"
    ProcessingJob.objects.filter(film=film).update(state=JobState.READY, progress=100)
    state = f'[data-live="sub-{submission.pk}-state"]'
    browser_page.wait_for_function(
        f"() => document.querySelector('{state}').textContent === 'Processed, ready to submit'", timeout=20_000
    )
    assert not browser_page.is_visible(progress)
    assert browser_page.evaluate("() => window.sameDocument") is True  # no reload
    browser_page.wait_for_selector("[data-live-state=idle]", state="attached")  # polling stopped
