"""In Chromium: an organizer announces, an entrant reads the outcome and downloads a laurel.

Screenshots of the laurels and the public page at desktop and phone sizes go to var/screens/.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from announcements import services
from announcements.models import Announcement, FeedbackRelease
from tests.announcements.factories import judged_edition
from tests.conftest import ROOT, service_missing

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENS = ROOT / "var" / "screens"
SIZES: dict[str, ViewportSize] = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _session(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.browser
def test_announce_read_the_outcome_and_download_a_laurel(
    live_server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium is not installed at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright is not installed")
    monkeypatch.setattr(services, "_hand_off", lambda _: None)  # the messages are tested in test_notices
    data = judged_edition()
    later = timezone.now() + timedelta(days=3)
    for round in (data.screening, data.final):
        services.schedule_announcement(
            round_=round,
            announce_at=later,
            feedback=FeedbackRelease.SCORES,
            official_selection=False,
            actor=data.organizer,
        )
    organizer, entrant = _session(data.organizer), _session(data.entrants[0])
    SCREENS.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The organizer sees the countdown, then announces both rounds now.
            context = browser.new_context(viewport=SIZES["desktop"])
            context.add_cookies([{"name": "sessionid", "value": organizer, "url": base}])
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{base}/organize/editions/{data.edition.pk}/announcements/")
            countdown = page.locator("[data-countdown-text]").first
            page.wait_for_function("el => /\\d+ d \\d+ h/.test(el.textContent)", arg=countdown.element_handle())
            page.screenshot(path=str(SCREENS / "organizer-announcements-desktop.png"), full_page=True)
            for round in (data.screening, data.final):
                page.locator(f'[data-testid="announce-{round.pk}"]').click()
                page.wait_for_selector(f"text={round.name}: outcomes announced.")
            context.close()

            # The entrant reads the outcome and downloads the print PNG laurel.
            for name, viewport in SIZES.items():
                context = browser.new_context(viewport=viewport, accept_downloads=True)
                context.add_cookies([{"name": "sessionid", "value": entrant, "url": base}])
                page = context.new_page()
                page.set_default_timeout(20_000)
                page.goto(f"{base}/me/")
                page.get_by_role("link", name="Grand Prix").click()
                assert page.locator('[data-testid="outcome"]').text_content() == "Grand Prix"
                assert page.get_by_role("heading", name="Judge 1").is_visible()
                page.locator("#laurels-heading").scroll_into_view_if_needed()
                page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
                page.locator("#laurels-heading").locator("..").screenshot(path=str(SCREENS / f"laurels-{name}.png"))
                page.screenshot(path=str(SCREENS / f"entrant-outcome-{name}.png"), full_page=True)
                if name == "desktop":
                    with page.expect_download() as download:
                        page.get_by_role("link", name="Black PNG (2400 px, print)").click()
                    saved = tmp_path / download.value.suggested_filename
                    download.value.save_as(saved)
                    assert saved.name == "lumen-2027-grand-prix-black-print.png"
                    image = Image.open(io.BytesIO(saved.read_bytes()))
                    assert (image.mode, image.size) == ("RGBA", (2400, 1760))
                    image.save(SCREENS / "laurel-grand-prix-black-print.png")
                context.close()

            # The public winners page and a film page, desktop and phone.
            for name, viewport in SIZES.items():
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                page.goto(f"{base}/festivals/lumen/2027/")
                assert page.locator(".award-name").all_text_contents() == ["Grand Prix", "Gold", "Silver", "Honoree"]
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"], f"horizontal scroll on {name}: {width}px"
                page.screenshot(path=str(SCREENS / f"public-edition-{name}.png"), full_page=True)
                page.get_by_role("link", name="Film B").click()
                page.wait_for_selector("h1:text('Film B')")
                page.screenshot(path=str(SCREENS / f"public-film-{name}.png"), full_page=True)
                context.close()
        finally:
            browser.close()
    assert Announcement.objects.filter(announced_at__isnull=False).count() == 2
