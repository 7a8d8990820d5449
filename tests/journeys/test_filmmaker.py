"""A filmmaker's whole journey in Chromium: sign up, verify the e-mail, fill every step, upload
a generated film (progress bar, pause, reload, resume), wait for a real worker to process it,
submit, and find everything locked."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache

from festival.models import User
from media.models import JobState, ProcessingJob
from submissions.models import Submission, SubmissionState
from tests.conftest import WorkerProcess
from tests.factories import CategoryFactory, EditionFactory
from tests.submissions.factories import seed_ai_tools

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-7"


def _film(path: Path, ffmpeg: str) -> Path:
    """4 s, 320x180, H.264 at a high bitrate (~1 MB, so a throttled upload can be paused)."""
    subprocess.run(
        [ffmpeg, "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=4",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
         "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "2M", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(path)],
        check=True,
    )  # fmt: skip
    return path


def _throttle(page: Any, bytes_per_second: int) -> None:
    """Slow the page's uploads (Chromium's network emulation), -1 for full speed."""
    session = page.context.new_cdp_session(page)
    session.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second},
    )


def test_a_filmmaker_signs_up_submits_a_processed_film_and_finds_it_locked(
    journey: Any, celery_worker: WorkerProcess, ffmpeg: str, tmp_path: Path, settings: Any
) -> None:
    settings.LAUREL_UPLOAD_PATCH_BYTES = 128 * 1024  # several PATCHes: pause lands between two
    cache.clear()  # allauth's rate limits (one confirmation mail per address per 3 minutes) live there
    seed_ai_tools()
    edition = EditionFactory.create(name="AIFF 2027", runtime_min_seconds=2, min_short_side_px=144)
    CategoryFactory.create(edition=edition, name="Narrative")
    film = _film(tmp_path / "paper-moons.mp4", ffmpeg)
    me = journey("filmmaker")
    page = me.page

    # Sign up and verify the e-mail (the link from the mail the site sent).
    me.goto("/accounts/signup/", "sign up")
    page.fill("input[name=email]", "ada@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url("**/accounts/confirm-email/")
    me.step("verification sent")
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", str(mail.outbox[-1].body))
    assert link is not None, mail.outbox[-1].body
    page.goto(me.url(re.sub(r"^https?://[^/]+", "", link.group(0))))
    me.step("confirm e-mail")
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(me.url("/me/"))
    me.step("my films")

    # Every step of the entry form.
    page.click("text=Enter a film")
    page.get_by_label("Title").fill("Paper Moons")
    page.get_by_label("Logline").fill("Two moons, one tide.")
    page.get_by_label("Synopsis").fill("A lighthouse keeper counts tides.")
    page.get_by_label("Runtime").fill("0:04")
    page.get_by_label("Languages").fill("en")
    page.get_by_label("Country of production").select_option("CI")
    page.get_by_label("Category").select_option(label="Narrative")
    page.get_by_label("Prize contact: name").fill("Ada Lovelace")
    page.get_by_label("Prize contact: e-mail").fill("ada@example.org")
    me.step("details")
    page.click("text=Save draft and continue")
    page.wait_for_selector("text=Credit 1")
    page.fill("#id_credits-0-name", "Ada Lovelace")
    page.select_option("#id_credits-0-role", "director")
    me.step("credits")
    page.click("text=Save credits")
    page.wait_for_selector("text=how AI was used")
    page.check("#id_video-used")
    page.select_option("#id_video-tool", label="Runway")
    page.fill("#id_video-runtime_share_percent", "80")
    page.fill("#id_ai_statement", "Every shot generated, edited by hand.")
    me.step("AI disclosure")
    page.click("text=Save AI disclosure")
    page.wait_for_selector("text=rights and consent")
    for checkbox in page.locator("input[type=checkbox]").all():
        checkbox.check()
    me.step("statements")
    page.click("text=Save statements")
    page.wait_for_selector("text=Before you can submit:")
    me.step("review before the film")
    submission = Submission.objects.get(entrant__email="ada@example.org")

    # Upload with the progress bar, pause, reload, choose the file again, resume.
    page.goto(me.url(f"/me/submissions/{submission.pk}/upload/"))
    assert page.locator("#rule-runtime").inner_text() == "Runtime from 0:02 to 10:00."
    page.set_input_files("#film-file", str(film))
    page.wait_for_function("() => /within the rules/.test(document.getElementById('film-check').textContent)")
    me.step("film checked in the browser")
    _throttle(page, 120_000)
    page.click("#upload-start")
    page.wait_for_function("() => document.getElementById('upload-progress').value >= 20")
    page.click("#upload-pause")
    page.wait_for_selector("#upload-resume:visible")
    paused_at = page.eval_on_selector("#upload-progress", "el => el.value")
    me.step("upload paused")
    assert 20 <= paused_at < 100
    page.reload()
    assert page.is_visible("#upload-resumable")
    me.step("reloaded: the earlier upload can go on")
    page.set_input_files("#film-file", str(film))
    page.wait_for_function("() => /within the rules/.test(document.getElementById('film-check').textContent)")
    _throttle(page, -1)
    page.click("#upload-start")
    page.wait_for_selector("#upload-done:not([hidden]), #upload-error:not([hidden])", timeout=60_000)
    assert page.inner_text("#upload-error") == ""
    me.step("upload complete")

    # A real worker processes it; the dashboard follows without a reload.
    page.click("text=Go to my films")
    page.wait_for_url(me.url("/me/"))
    me.step("processing")
    state = f'[data-live="sub-{submission.pk}-state"]'
    page.wait_for_function(
        f"() => document.querySelector('{state}').textContent === 'Processed, ready to submit'", timeout=120_000
    )
    job = ProcessingJob.objects.get(film__submission=submission)
    assert job.state == JobState.READY, job.failure_reason
    me.step("processed")

    # Submit, then nothing can change any more.
    page.goto(me.url(f"/me/submissions/{submission.pk}/"))
    me.step("review")
    # The shot list's pictures load through the entrant's own media mount (not /media/).
    thumbnail = page.locator(".ai-shot img").first
    thumbnail.scroll_into_view_if_needed()
    thumbnail.evaluate("img => img.decode()")
    assert thumbnail.get_attribute("src").startswith(f"/me/submissions/{submission.pk}/media/ai/")
    assert thumbnail.evaluate("img => img.naturalWidth") > 0
    page.get_by_role("button", name="Submit the film").click()
    page.wait_for_selector(".state-submitted")
    me.step("submitted")
    submission.refresh_from_db()
    assert submission.state == SubmissionState.SUBMITTED
    assert page.locator("a", has_text=re.compile("^Edit")).count() == 0
    page.goto(me.url(f"/me/submissions/{submission.pk}/details/"))
    me.step("details locked")
    assert page.locator("input[name=title]").count() == 0 or page.locator("input[name=title]").is_disabled()
    page.goto(me.url(f"/me/submissions/{submission.pk}/upload/"))
    assert page.locator("#upload-form").count() == 0
    assert "can no longer take a new film" in page.inner_text("main")
    me.step("upload locked")
    page.goto(me.url("/me/"))
    assert page.locator(f'a[href="/me/submissions/{submission.pk}/upload/"]').count() == 0
    me.step("my films, submitted")
    assert User.objects.get(email="ada@example.org").submissions.count() == 1
    assert settings.EMAIL_BACKEND  # the verification mail went through the configured backend
