"""The notifications pages in Chromium, at desktop and phone size; screenshots under var/screens/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from notifications import events, services
from notifications.models import EventTemplate
from tests.conftest import service_missing
from tests.factories import PASSWORD, EditionFactory, OrganizerFactory, UserFactory
from tests.submissions.factories import ready_submission

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.mark.browser
@pytest.mark.parametrize("size", sorted(SIZES))
def test_people_and_organizers_walk_the_notification_pages(live_server: Any, transactional_db: None, size: str) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    screens = Path(settings.VAR_DIR) / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    organizer = OrganizerFactory.create(festival__name="AI Film Festival", user__email="org@example.org")
    edition = EditionFactory.create(festival=organizer.festival, name="AIFF 2027")
    EventTemplate.objects.create(edition=edition, event=events.SUBMISSION_WITHDRAWN, hold_for_review=True)
    entry = ready_submission(edition=edition, title="Lumen", entrant=UserFactory.create(email="ada@example.org"))
    ada = entry.entrant
    context = {"title": "Lumen", "reference": "AIFF27-000001", "submission_url": f"{live_server.url}/me/"}
    services.notify(
        event=events.FILM_RECEIVED,
        recipient=ada,
        edition=edition,
        context={**context, "filename": "lumen.mp4"},
        key="r",
    )
    services.notify(
        event=events.DRAFT_REMINDER,
        recipient=ada,
        edition=edition,
        context={**context, "time_left": "3 days", "deadline": "5 Dec"},
        key="d",
    )
    services.notify(
        event=events.SUBMISSION_WITHDRAWN,
        recipient=ada,
        edition=edition,
        context={**context, "withdrawn_at": "now"},
        key="w",
    )
    width, height = SIZES[size]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(20_000)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "404" not in m.text else None)
            missing: list[str] = []
            page.on("response", lambda r: missing.append(r.url) if r.status == 404 and "favicon" not in r.url else None)

            def sign_in(email: str) -> None:
                page.context.clear_cookies()
                page.goto(f"{live_server.url}/accounts/login/")
                page.fill("input[name=login]", email)
                page.fill("input[name=password]", PASSWORD)
                page.click("form [type=submit]")

            def shot(name: str) -> None:
                page.screenshot(path=str(screens / f"notifications-{name}-{size}.png"), full_page=True)
                overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{name} is {overflow}px wider than the {size} viewport"

            sign_in("ada@example.org")
            page.goto(f"{live_server.url}/me/")
            assert page.locator("nav .badge").inner_text().startswith("2")  # received + reminder; held not shown
            page.goto(f"{live_server.url}/notifications/")
            shot("inbox")
            page.uncheck("input[value='entrant.draft_reminder']")
            page.click("text=Save my choices")
            assert page.locator("input[value='entrant.draft_reminder']").is_checked() is False
            assert page.locator("nav .badge").count() == 0  # all read now

            sign_in("org@example.org")
            page.goto(f"{live_server.url}/organize/editions/{edition.pk}/messages/")
            assert "1 message held for review" in page.content()
            shot("outbox")
            page.goto(f"{live_server.url}/organize/editions/{edition.pk}/messages/compose/")
            page.fill("input[name=subject]", "Screenings in {{ edition_name }}")
            page.fill("textarea[name=body]", "Dear {{ recipient_name }}, see you on Friday.")
            page.click("text=Preview and count")
            assert "All entrants: 1 recipient" in page.content()
            shot("compose")
            page.goto(f"{live_server.url}/organize/editions/{edition.pk}/templates/{events.FILM_FAILED}/")
            page.fill("input[name=subject]", "Failed: {{ titel }}")
            page.click("button[value=preview]")
            assert "Unknown placeholder {{ titel }}" in page.content()
            shot("template-error")
            page.goto(f"{live_server.url}/organize/editions/{edition.pk}/templates/")
            shot("templates")
            assert errors == [] and missing == []
        finally:
            browser.close()
