"""The results page's pictures in Chromium: both plots render, with their marks and the cut."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from judging.models import AdvancementMode
from tests.conftest import service_missing
from tests.judging.rank_factories import ranked, scored_round

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.mark.browser
def test_the_caterpillar_and_the_judges_plot_render(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium is not installed at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright is not installed")

    data = scored_round(n_entries=80, n_judges=8, k=3, seed=4)
    data.round.advancement_mode = AdvancementMode.TOP_N
    data.round.advance_count = 10
    data.round.save()
    ranked(data.round)  # what the worker does: the page shows the stored ranking
    client = Client()
    client.force_login(data.organizer)
    session = client.cookies["sessionid"].value
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop; the ORM runs outside it
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{live_server.url}/organize/editions/{data.edition.pk}/results/")
            caterpillar = page.locator("svg.caterpillar")
            judges = page.locator("svg.judges-plot")
            # Drawn with a real size, inside the page's width.
            for plot in (caterpillar, judges):
                box = plot.bounding_box()
                assert box is not None and 300 < box["width"] <= 1200 and box["height"] > 100
            assert caterpillar.locator("circle.estimate").count() == 80
            assert caterpillar.locator("line.cut-line").count() == 1
            band = caterpillar.locator("circle.estimate.band").count()
            assert band > 0
            # The CSS colours the band apart from the rest.
            colours = caterpillar.locator("circle.estimate").evaluate_all(
                "dots => [...new Set(dots.map(d => getComputedStyle(d).fill))]"
            )
            assert len(colours) == 2
            assert judges.locator("circle.judge").count() == 8
            assert page.get_by_role("img", name="Judges: leniency against scale").is_visible()
            assert page.get_by_role("img", name="Calibrated scores and intervals").is_visible()
            page.get_by_text("The plotted entries as a table").click()
            assert page.locator("details tbody tr").filter(has_text="yes").count() == band
            Path("var").mkdir(exist_ok=True)
            page.screenshot(path="var/results_plots.png", full_page=True)
        finally:
            browser.close()
