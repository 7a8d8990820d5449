"""The production profile in Chromium: the README's migrate, collectstatic and gunicorn lines,
then an organizer's pages and the API docs, at desktop and phone sizes.

Issue 14's review: the production collectstatic was killed by a deploy's time limit before it
wrote its manifest (``staticfiles.json``), and without the manifest every page answers 500. It
compressed every file twice at brotli's slowest level, source maps included, and the unused
ReDoc bundle. This journey checks what the browser needs from that step: every page and every
static file it asks for answers, no script fails, and the collected tree holds the manifest,
no compressed source maps and no ReDoc.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.festival.test_production import PROXY, Browser, ProductionSite, production_site  # noqa: F401 (fixture)
from tests.journeys.conftest import DESKTOP, PHONE, SHOTS

pytestmark = [pytest.mark.services, pytest.mark.timeout(1800)]


def test_collectstatic_writes_the_manifest_and_compresses_only_what_browsers_fetch(
    production_site: ProductionSite,  # noqa: F811
) -> None:
    static = production_site.static_root
    assert (static / "staticfiles.json").is_file()
    maps = sorted(p.name for p in static.glob("vendor/hls.min.js*map*"))
    assert len(maps) == 2 and maps[1] == "hls.min.js.map"  # it and its hashed copy, neither compressed
    assert maps[0].startswith("hls.min.js.") and maps[0].endswith(".map")
    assert next(static.glob("vendor/hls.min.*.js.br")).is_file()  # the script itself is
    assert not (static / "drf_spectacular_sidecar" / "redoc").exists()
    assert (static / "drf_spectacular_sidecar" / "swagger-ui-dist" / "swagger-ui-bundle.js").is_file()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_organizer_walks_the_production_site(
    production_site: ProductionSite,  # noqa: F811
    chromium: Any,
    viewport: dict[str, int],
) -> None:
    site = production_site
    # Signed in through the real form as the proxy would send it (the browser's own POST would
    # carry an http:// Origin that the HTTPS-only site rightly refuses), then the session
    # cookie handed to Chromium, with the proxy's header on every request.
    signed_in = Browser(site)
    signed_in.sign_in("organizer@laurel.test")
    context = chromium.new_context(viewport=viewport, extra_http_headers=PROXY)
    context.add_cookies([{"name": "sessionid", "value": signed_in.session.cookies["sessionid"], "url": site.url}])
    page = context.new_page()
    failed: list[str] = []
    errors: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    folder = SHOTS / f"production-{'phone' if viewport is PHONE else 'desktop'}"
    folder.mkdir(parents=True, exist_ok=True)

    def visit(path: str, name: str) -> None:
        response = page.goto(site.url + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    try:
        visit("/", "01-home")
        visit("/organize/", "02-console")
        assert page.url == site.url + "/organize/"  # signed in, not sent to the sign-in page
        dashboard = page.locator("a[href$='/dashboard/']").first.get_attribute("href")
        results = page.locator("a[href$='/results/']").first.get_attribute("href")
        assert dashboard and results
        visit(dashboard, "03-dashboard")
        assert page.locator("canvas").count() >= 1  # Chart.js, a hashed static file, drew
        visit(results, "04-results")
        visit("/api/docs/", "05-api-docs")
        page.wait_for_selector(".swagger-ui .information-container", timeout=20_000)  # Swagger UI ran
    finally:
        context.close()
    assert failed == []
    assert errors == []
