"""An entrant fills in a submission in Chromium: details, credits, AI disclosure, statements, review."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from submissions.models import Submission
from tests.conftest import service_missing
from tests.factories import EditionFactory, UserFactory
from tests.submissions.factories import seed_ai_tools

SHOTS = os.environ.get("LAUREL_SCREENSHOTS")  # a folder: save a screenshot of each page there


@pytest.fixture
def chromium_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not Path("/usr/bin/chromium").exists():
        service_missing("/usr/bin/chromium is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls between browser steps
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
        finally:
            browser.close()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_entrant_prepares_a_submission_in_the_browser(live_server: Any, chromium_page: Any) -> None:
    seed_ai_tools()
    edition = EditionFactory.create(name="AIFF 2027")
    entrant = UserFactory.create(full_name="Ada Lovelace")
    client = Client()
    client.force_login(entrant)
    page = chromium_page
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip

    page.goto(f"{live_server.url}/me/")
    page.click("text=Enter a film")
    page.get_by_label("Title").fill("Paper Moons")
    page.get_by_label("Logline").fill("Two moons, one tide.")
    page.get_by_label("Synopsis").fill("A lighthouse keeper counts tides.")
    page.get_by_label("Runtime").fill("4:30")
    page.get_by_label("Languages").fill("en")
    page.get_by_label("Country of production").select_option("FR")
    page.get_by_label("Prize contact: name").fill("Ada Lovelace")
    page.get_by_label("Prize contact: e-mail").fill("ada@example.org")
    shot(page, "1-details")
    page.click("text=Save draft and continue")

    page.wait_for_selector("text=Credit 1")
    assert page.input_value("#id_credits-0-name") == "Ada Lovelace"
    page.select_option("#id_credits-0-role", "director")
    shot(page, "2-credits")
    page.click("text=Save credits")

    page.wait_for_selector("text=how AI was used")
    page.check("#id_video-used")
    page.select_option("#id_video-tool", label="Runway")
    page.fill("#id_video-runtime_share_percent", "80")
    page.fill("#id_ai_statement", "Every shot generated, edited by hand.")
    shot(page, "3-disclosure")
    page.click("text=Save AI disclosure")

    page.wait_for_selector("text=rights and consent")
    for checkbox in page.locator("input[type=checkbox]").all():
        checkbox.check()
    shot(page, "4-statements")
    page.click("text=Save statements")

    page.wait_for_selector("text=Before you can submit:")
    shot(page, "5-review")
    assert page.locator("ul.problems li").all_inner_texts() == ["Upload the film."]
    submission = Submission.objects.get()
    assert (submission.title, submission.declared_runtime_seconds, submission.entrant) == ("Paper Moons", 270, entrant)
    assert submission.ai_uses.get().tool_name == "Runway"
    assert submission.attestations.count() == len(edition.required_attestations)
