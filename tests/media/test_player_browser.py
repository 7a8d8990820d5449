"""The film player in Debian's Chromium: HLS through hls.js, storyboard thumbnails, keyboard seek,
and the ``laurel:watch`` events judging relies on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from media.models import JobState
from media.pipeline import process_film
from tests.conftest import service_missing
from tests.factories import EditionFactory, OrganizerFactory
from tests.media.helpers import register

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        service_missing("chromium is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_player_plays_hls_with_storyboard_and_watch_events(
    page: Any, live_server: Any, ffmpeg: str, clips: dict[str, Path], media_storage: Path
) -> None:
    edition = EditionFactory.create()
    film = register(clips["horizontal.mp4"])
    film.group_key = f"edition:{edition.pk}"
    film.save(update_fields=["group_key"])
    assert process_film(film.pk) == JobState.READY
    organizer = OrganizerFactory.create(festival=edition.festival).user
    client = Client()
    client.force_login(organizer)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/organize/films/{film.pk}/")
    page.wait_for_function("() => document.querySelector('[data-laurel-player]').dataset.thumbnails === '1'")
    uses_hls = page.evaluate("!!document.querySelector('[data-laurel-player]').laurelHls")
    native = page.evaluate("document.querySelector('video').canPlayType('application/vnd.apple.mpegurl') !== ''")
    assert uses_hls or native
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    assert page.evaluate("Math.round(document.querySelector('video').duration)") == 2

    # Keyboard: the scrub bar is a range input; arrows seek and show the storyboard thumbnail.
    page.focus(".laurel-player-seek")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('video').currentTime >= 1")
    assert page.is_visible(".laurel-player-thumb")
    background = page.eval_on_selector(".laurel-player-thumb-img", "el => el.style.backgroundImage")
    assert f"/organize/films/{film.pk}/media/storyboard/sprite.jpg" in background

    # Watching to the end dispatches laurel:watch with the time actually played.
    page.evaluate(
        """() => {
            const video = document.querySelector('video');
            window.watchEvents = [];
            video.addEventListener('laurel:watch', (e) => window.watchEvents.push(e.detail));
            video.muted = true;
            video.currentTime = 0;
            return video.play();
        }"""
    )
    page.wait_for_function(
        "() => window.watchEvents.length > 0 && document.querySelector('video').ended", timeout=20000
    )
    detail = page.evaluate("window.watchEvents[window.watchEvents.length - 1]")
    assert round(detail["duration"]) == 2
    assert 1.0 <= detail["watchedSeconds"] <= 2.2
