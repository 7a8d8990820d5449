"""The journey tests' harness: real Chromium, a screenshot per step, axe-core on every page.

Each step of a journey (``Journey.step``) saves a full-page screenshot under
``var/journeys/<journey>/`` and runs axe-core (from ``node_modules/``, injected by the test,
never served by the site) on the page: any violation of impact moderate or above fails the
journey with the rule, the impact and the offending elements. At a phone's size a step also
fails when the page is wider than the screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from festival.models import User
from tests.conftest import ROOT, service_missing

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "journeys"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SERIOUS = {"moderate", "serious", "critical"}


@dataclass
class Journey:
    """One person's walk through the site in one browser context."""

    name: str
    page: Any
    base_url: str
    phone: bool = False
    steps: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, step: str) -> None:
        self.page.goto(self.url(path))
        self.step(step)

    def step(self, name: str) -> None:
        """Screenshot, accessibility check and (on a phone) width check of the page as it is now."""
        self.page.wait_for_load_state("load")
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.steps.append(name)
        folder = SHOTS / self.name
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{len(self.steps):02d}-{slug}.png"), full_page=True)
        violations = axe_violations(self.page)
        assert violations == [], f"{self.name} / {name}: accessibility violations {violations}"
        if self.phone:
            width = self.page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{self.name} / {name}: page is {width} px wide on a 390 px phone"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of impact moderate or above on the current page (WCAG 2.x A/AA + best practice)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in SERIOUS]


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        service_missing(f"{CHROMIUM} is not installed")
    if not AXE.exists():
        service_missing("axe-core is not installed (npm ci)")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls between
    # browser steps are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            connections.close_all()
            browser.close()


@pytest.fixture
def journey(chromium: Any, live_server: Any) -> Iterator[Any]:
    """``journey(name, phone=False, user=None)``: a fresh browser context, signed in as ``user``."""
    contexts: list[Any] = []

    def start(name: str, *, phone: bool = False, user: User | None = None) -> Journey:
        # bypass_csp: axe-core is injected by the test, not served by the site (strict CSP).
        context = chromium.new_context(
            viewport=PHONE if phone else DESKTOP,
            bypass_csp=True,
            accept_downloads=True,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=1,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        return Journey(name=name, page=context.new_page(), base_url=live_server.url, phone=phone)

    try:
        yield start
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def film_storage(settings: Any, tmp_path: Path) -> Path:
    """This test's files in a folder of their own (journeys without a worker process)."""
    root = tmp_path / "storage"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    return root


def playable_film(clip: Path) -> Any:
    """A film recorded as processed (MP4 rendition only; hls.js gives up on the empty playlist)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from media.assets import storage_name
    from media.models import FilmOutput, JobState, OutputKind
    from tests.factories import FilmFactory

    film = FilmFactory.create(job__state=JobState.READY)
    default_storage.save(storage_name(film.pk, "mp4/720p.mp4"), ContentFile(clip.read_bytes()))
    default_storage.save(storage_name(film.pk, "hls/master.m3u8"), ContentFile(b"#EXTM3U\n"))
    FilmOutput.objects.create(
        film=film, kind=OutputKind.HLS_MASTER, key="hls/master", files=["hls/master.m3u8"], meta={"duration": 2.0}
    )
    FilmOutput.objects.create(film=film, kind=OutputKind.MP4, key="mp4", files=["mp4/720p.mp4"], width=160, height=90)
    return film
