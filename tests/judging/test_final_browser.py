"""A juror in Chromium orders the finalists with the keyboard and by dragging, then submits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from judging.final import selectors
from judging.models import Ballot
from tests.conftest import service_missing
from tests.judging.rank_factories import final_round

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.mark.browser
def test_a_juror_reorders_by_keyboard_and_drag_and_submits(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium is not installed at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright is not installed")

    data = final_round(finalists=3, jurors=1)
    titles = {str(f.pk): f.title for f in data.finalists}
    client = Client()
    client.force_login(data.jurors[0].user)
    session = client.cookies["sessionid"].value
    # Playwright's sync API runs an event loop in this thread; the ORM calls are made outside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{live_server.url}/judge/final/{data.round.pk}/")

            def order() -> list[str]:
                return page.locator(".ballot-item").evaluate_all("items => items.map(i => i.dataset.id)")

            first, second, third = order()
            # Keyboard: focus the second film's Up button and press Enter.
            page.get_by_role("button", name=f"Move {titles[second]} up").focus()
            page.keyboard.press("Enter")
            assert order() == [second, first, third]
            # The moved film's button keeps the focus (its Up is now disabled: focus moves to Down).
            assert page.evaluate("document.activeElement.getAttribute('aria-label')") == f"Move {titles[second]} down"
            assert page.locator("#ballot-live").text_content() == f"{titles[second]} is now at position 1 of 3."
            # Drag the last film onto the top of the first one.
            items = page.locator(".ballot-item")
            items.nth(2).drag_to(items.nth(0), target_position={"x": 10, "y": 2})
            assert order() == [third, second, first]
            # The positions are shown, and follow the order.
            positions = page.locator(".ballot-position").all_inner_texts()
            assert positions == ["1", "2", "3"] and page.is_visible(".ballot-position")
            assert page.locator(".ballot-item").nth(0).locator("[data-position]").text_content() == "1"
            assert page.locator(".ballot-item").nth(0).get_by_role("link").get_attribute("href") == (
                f"/judge/final/{data.round.pk}/films/{third}/"
            )
            page.get_by_role("button", name="Submit my ballot").click()
            page.wait_for_selector("text=Your ballot is saved.")
            shown = order()
        finally:
            browser.close()
    assert (
        selectors.ballot_order(Ballot.objects.get())
        == [int(pk) for pk in shown]
        == [int(third), int(second), int(first)]
    )
