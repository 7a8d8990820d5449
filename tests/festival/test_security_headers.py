"""Strict CSP, Permissions-Policy, no caching of signed-in pages; no inline code in templates (issue 13.5)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import ROOT, service_missing
from tests.factories import PASSWORD, OrganizerFactory, SubmissionFactory, UserFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

INLINE = [
    # Data blocks (JSON, JSON-LD) are never executed, so CSP's script-src does not apply to them.
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_holds_inline_script_or_style() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {what}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for pattern, what in INLINE
        if pattern.search(line)
    ]
    assert found == []


@pytest.mark.django_db
def test_signed_in_pages_are_private_no_store_and_every_page_has_the_policies() -> None:
    anonymous = Client().get("/")
    assert anonymous["Content-Security-Policy"] == settings.LAUREL_CSP
    assert "script-src 'self';" in anonymous["Content-Security-Policy"]
    assert "'unsafe-inline'" not in anonymous["Content-Security-Policy"]
    assert anonymous["Permissions-Policy"].startswith("camera=(), microphone=(), geolocation=()")
    assert "no-store" not in anonymous.get("Cache-Control", "")

    client = Client()
    client.force_login(UserFactory.create())
    for path in ("/me/", "/api/submissions/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Security-Policy"] == settings.LAUREL_CSP


def test_object_storage_origin_is_allowed_for_media_only_when_configured() -> None:
    assert "amazonaws" not in settings.LAUREL_CSP or settings.AWS_STORAGE_BUCKET_NAME


PAGES_BY_ROLE = ("anonymous", "entrant", "judge", "organizer")


@pytest.mark.browser
def test_every_page_kind_loads_in_chromium_without_a_csp_violation(
    live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        service_missing("Chromium is not installed at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright is not installed")

    round_ = rubric_round()
    judge = judge_of(round_.edition, name="Jo Judge")
    assignment = assign(round_, judge, submitted_entry(round_.edition, title="A film"))
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    draft = SubmissionFactory.create()
    pages = {
        "anonymous": ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/api/docs/"],
        "entrant": ["/me/", f"/me/submissions/{draft.pk}/", f"/me/submissions/{draft.pk}/details/"],
        "judge": ["/judge/", f"/judge/rounds/{round_.pk}/entries/{assignment.pk}/"],
        "organizer": [
            "/organize/",
            f"/organize/rounds/{round_.pk}/",
            f"/organize/editions/{round_.edition_id}/results/",
            f"/organize/editions/{round_.edition_id}/judges/",
            "/admin/",
            "/admin/submissions/submission/",
        ],
    }
    users = {"entrant": draft.entrant, "judge": judge.user, "organizer": organizer}
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    violations: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox"])
        try:
            for role in PAGES_BY_ROLE:
                context = browser.new_context()
                page = context.new_page()
                page.set_default_timeout(20_000)

                def note(message: Any, role: str = role, page: Any = page) -> None:
                    if "Content Security Policy" in message.text or "Refused to" in message.text:
                        violations.append(f"{role} {page.url}: {message.text}")

                page.on("console", note)
                page.add_init_script(
                    "document.addEventListener('securitypolicyviolation', e => console.error("
                    "'Refused to: Content Security Policy ' + e.violatedDirective + ' ' + e.blockedURI));"
                )
                if role in users:
                    page.goto(f"{live_server.url}/accounts/login/")
                    page.fill("input[name=login]", users[role].email)
                    page.fill("input[name=password]", PASSWORD)
                    page.click("form [type=submit]")
                    page.wait_for_load_state("networkidle")
                for path in pages[role]:
                    response = page.goto(f"{live_server.url}{path}")
                    assert response is not None and response.status < 400, f"{role} {path}: {response}"
                    page.wait_for_load_state("networkidle")
                context.close()
        finally:
            browser.close()
    assert violations == []
