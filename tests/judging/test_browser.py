"""A judge in Chromium: signs in, opens the first entry, watches it, scores, submits, moves on by keyboard."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from judging.models import Assignment, Score, ScoreState
from media.assets import storage_name
from media.models import FilmOutput, JobState, OutputKind
from submissions.models import Submission
from tests.conftest import service_missing
from tests.factories import PASSWORD, FilmFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _tiny_clip(path: Path) -> None:
    """2 s, 160x90, H.264 + AAC, faststart: what the media pipeline's MP4 rendition looks like."""
    subprocess.run(
        [
            settings.FFMPEG_BINARY, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(path),
        ],
        check=True,
    )  # fmt: skip


def signed_in_page(browser: Any, base: str, email: str) -> Any:
    """A new page signed in through the real sign-in form."""
    page = browser.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    return page


@pytest.mark.browser
def test_a_judge_watches_scores_submits_and_moves_on_by_keyboard(
    live_server: Any, judging_storage: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium is not installed at /usr/bin/chromium")
    if shutil.which(settings.FFMPEG_BINARY) is None:
        service_missing("ffmpeg is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright is not installed")

    clip = tmp_path / "clip.mp4"
    _tiny_clip(clip)
    film = FilmFactory.create(job__state=JobState.READY)
    default_storage.save(storage_name(film.pk, "mp4/720p.mp4"), ContentFile(clip.read_bytes()))
    # An empty master playlist: hls.js gives up and the player falls back to the MP4.
    default_storage.save(storage_name(film.pk, "hls/master.m3u8"), ContentFile(b"#EXTM3U\n"))
    FilmOutput.objects.create(
        film=film, kind=OutputKind.HLS_MASTER, key="hls/master", files=["hls/master.m3u8"], meta={"duration": 2.0}
    )
    FilmOutput.objects.create(film=film, kind=OutputKind.MP4, key="mp4", files=["mp4/720p.mp4"], width=160, height=90)
    round_ = rubric_round(required_watch_share=0.5)
    judge = judge_of(round_.edition, name="Jo Judge")
    first = assign(round_, judge, submitted_entry(round_.edition, title="First film"), position=1)
    second = assign(round_, judge, submitted_entry(round_.edition, title="Second film"), position=2)
    Submission.objects.filter(pk=first.submission_id).update(film=film)
    criteria = list(round_.criteria.all())

    # Playwright's sync API runs an event loop in this thread; the ORM calls above and below
    # are made outside it, but Django's guard cannot tell.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = signed_in_page(browser, base, judge.user.email)
            page.goto(f"{base}/judge/")
            page.get_by_role("link", name="Continue with entry 1").click()
            page.wait_for_url(f"**/judge/rounds/{round_.pk}/entries/{first.pk}/")

            # Watch: play the (muted) film to its end; the page reports the watched share.
            page.wait_for_selector("video.laurel-player-video")
            page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
            page.wait_for_function("() => document.querySelector('video').ended", timeout=20_000)
            page.wait_for_function(
                "() => /Watched: (5\\d|[6-9]\\d|100) %/.test(document.getElementById('watch-status').textContent)"
            )

            for index, criterion in enumerate(criteria):
                page.fill(f"#criterion-{criterion.pk}", str(6 + index))
            page.fill("#comment", "Lovely pacing.")
            page.wait_for_function("() => document.getElementById('save-status').textContent === 'Draft saved.'")
            page.click("#submit-score")
            page.wait_for_selector("text=Submitted")

            # Typing "j" in a field types; it does not navigate.
            page.focus("#conflict-note")
            page.keyboard.type("j")
            assert page.url.endswith(f"/entries/{first.pk}/")
            page.locator("h1").click()
            page.keyboard.press("j")
            page.wait_for_url(f"**/judge/rounds/{round_.pk}/entries/{second.pk}/")
            assert page.locator("h1").inner_text() == "Second film"
            assert page.locator(".film-unavailable").inner_text().startswith("Film not available yet.")
        finally:
            browser.close()

    score = Score.objects.get(assignment=first)
    assert (score.state, score.comment_to_organizers) == (ScoreState.SUBMITTED, "Lovely pacing.")
    assert score.values == {str(c.pk): 6 + i for i, c in enumerate(criteria)}
    assert Assignment.objects.get(pk=first.pk).watched_share >= 0.5


@pytest.mark.browser
def test_a_half_done_score_survives_moving_on_and_an_incomplete_submit_marks_the_missing_fields(
    live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    round_ = rubric_round()
    judge = judge_of(round_.edition, name="Jo Judge")
    first = assign(round_, judge, submitted_entry(round_.edition, title="First film"), position=1)
    second = assign(round_, judge, submitted_entry(round_.edition, title="Second film"), position=2)
    criteria = list(round_.criteria.order_by("position", "pk"))
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = signed_in_page(browser, base, judge.user.email)
            page.wait_for_url(f"{base}/judge/")
            page.goto(f"{base}/judge/rounds/{round_.pk}/entries/{first.pk}/")

            # Half a rubric, then straight on with "j": the draft is saved before leaving.
            page.fill(f"#criterion-{criteria[0].pk}", "7")
            page.fill(f"#criterion-{criteria[1].pk}", "5")
            page.locator("h1").click()
            page.keyboard.press("j")
            page.wait_for_url(f"**/entries/{second.pk}/")
            # ... and back with "k": the half-done score is there.
            page.locator("h1").click()
            page.keyboard.press("k")
            page.wait_for_url(f"**/entries/{first.pk}/")
            assert page.input_value(f"#criterion-{criteria[0].pk}") == "7"
            assert page.input_value(f"#criterion-{criteria[1].pk}") == "5"

            # A value the rubric refuses cannot be saved: the link does not silently drop it.
            page.fill(f"#criterion-{criteria[2].pk}", "99")
            page.click("#next-entry")
            page.wait_for_function(
                "() => /Your changes are not saved/.test(document.getElementById('save-status').textContent)"
            )
            assert page.url.endswith(f"/entries/{first.pk}/")
            assert page.get_attribute(f"#criterion-{criteria[2].pk}", "aria-invalid") == "true"
            page.fill(f"#criterion-{criteria[2].pk}", "")

            # Submitting the incomplete score marks and focuses the first missing field.
            page.click("#submit-score")
            page.wait_for_function("() => document.getElementById('save-status').textContent === 'Submitting failed.'")
            missing = criteria[2:]
            for criterion in missing:
                assert page.get_attribute(f"#criterion-{criterion.pk}", "aria-invalid") == "true"
                assert page.inner_text(f"#error-{criterion.pk}") == f"{criterion.name} is required before you submit."
            assert page.evaluate("() => document.activeElement.id") == f"criterion-{missing[0].pk}"
            assert page.get_attribute(f"#criterion-{criteria[0].pk}", "aria-invalid") is None
        finally:
            browser.close()

    score = Score.objects.get(assignment=first)
    assert score.state == ScoreState.DRAFT
    assert score.values == {str(criteria[0].pk): 7, str(criteria[1].pk): 5}
