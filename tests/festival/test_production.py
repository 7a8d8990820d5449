"""The production profile end to end: exactly the README's commands, then every page kind.

A fresh database, ``LAUREL_ENV=production``, the README's ``migrate``, ``collectstatic`` and
``gunicorn`` lines (read from the README itself, so the two cannot drift apart) with only the
bind address changed to a free loopback port, the demo festival seeded, then a real HTTP
request to every page kind (public, entrant, judge, organizer, admin, API, static asset) as a
TLS-terminating proxy would send it, each answered without a 5xx and with the hardened
headers. Issue 13.1: collectstatic once failed on a vendored file's missing source map, so
every template page of a production deployment answered 500 while ``check --deploy`` passed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.db import connections

from tests.conftest import ROOT, _database_url_for_worker
from tests.submissions.conftest import free_port

pytestmark = [pytest.mark.services, pytest.mark.timeout(1800)]

README_SECTION = "## Running with PostgreSQL, Redis, S3 and several hosts"


def readme_production_commands() -> list[str]:
    """The README's production block: its manage.py and gunicorn lines, comments dropped."""
    text = (ROOT / "README.md").read_text()
    section = text.split(README_SECTION, 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    return [line for line in lines if line.startswith((".venv/bin/python manage.py", ".venv/bin/gunicorn"))]


def test_readme_production_block_is_the_one_this_test_runs() -> None:
    commands = readme_production_commands()
    assert [c.split()[0:3] for c in commands[:2]] == [
        [".venv/bin/python", "manage.py", "migrate"],
        [".venv/bin/python", "manage.py", "collectstatic"],
    ]
    assert commands[2].startswith(".venv/bin/gunicorn festival.wsgi ")
    assert len(commands) == 3
    assert "-b 0.0.0.0:8000" in commands[2]


@dataclass
class ProductionSite:
    url: str
    host: str
    logins: dict[str, str]
    log_path: Path
    static_root: Path  # what the README's collectstatic wrote

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A database of its own (migrated by the README's step, not by the test runner)."""
    conf = connections["default"].settings_dict
    if not conf["ENGINE"].endswith("postgresql"):
        yield ""  # the embedded default: SQLite under the temporary LAUREL_VAR_DIR
        return
    import psycopg

    base = _database_url_for_worker()
    name = f"{conf['NAME']}_production_{os.getpid()}"
    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(command: str, env: dict[str, str], log: Path) -> None:
    with log.open("ab") as handle:
        handle.write(f"{time.strftime('%H:%M:%S')} $ {command}\n".encode())
        handle.flush()
        result = subprocess.run(
            shlex.split(command), cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, timeout=900, check=False
        )
    assert result.returncode == 0, f"{command} failed:\n{log.read_text(errors='replace')}"


def production_env(var_dir: Path) -> dict[str, str]:
    """This process's environment without Laurel's settings, then the production profile's."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LAUREL_", "DATABASE_URL"))}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "festival.settings",
        "LAUREL_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LAUREL_VAR_DIR": str(var_dir),
    }


@pytest.fixture
def production_site(tmp_path: Path) -> Iterator[ProductionSite]:
    port = free_port()
    log = tmp_path / "production.log"
    (tmp_path / "var").mkdir()
    with fresh_database() as database_url:
        env = {**production_env(tmp_path / "var"), "LAUREL_SITE_URL": f"https://127.0.0.1:{port}"}
        if database_url:
            env["DATABASE_URL"] = database_url
        migrate, collectstatic, gunicorn = readme_production_commands()
        run(migrate, env, log)
        run(collectstatic, env, log)
        run(".venv/bin/python manage.py seed_demo_judging", env, log)
        logins = json.loads((tmp_path / "var" / "demo-logins.txt").read_text())
        argv = shlex.split(gunicorn.replace("-b 0.0.0.0:8000", f"-b 127.0.0.1:{port}"))
        handle = log.open("ab")
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        site = ProductionSite(
            url=f"http://127.0.0.1:{port}",
            host=f"127.0.0.1:{port}",
            logins=logins,
            log_path=log,
            static_root=tmp_path / "var" / "static",
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, f"gunicorn exited with {process.returncode}:\n{site.log()}"
                try:
                    if requests.get(f"{site.url}/accounts/login/", headers=PROXY, timeout=5).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, f"gunicorn did not answer within 90 s:\n{site.log()}"
                time.sleep(0.2)
            yield site
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            handle.close()


# What the TLS-terminating proxy in front of gunicorn adds (SECURE_PROXY_SSL_HEADER).
PROXY = {"X-Forwarded-Proto": "https"}


class Browser:
    """A requests session that speaks to gunicorn as the proxy would, keeping Secure cookies."""

    def __init__(self, site: ProductionSite) -> None:
        self.site = site
        self.session = requests.Session()
        self.session.headers.update({**PROXY, "Origin": f"https://{site.host}"})

    def _unsecure_cookies(self) -> None:
        # The cookies are Secure (HTTPS behind the proxy); the loopback hop is plain HTTP.
        for cookie in self.session.cookies:
            cookie.secure = False

    def get(self, path: str) -> requests.Response:
        response = self.session.get(self.site.url + path, timeout=30, allow_redirects=False)
        self._unsecure_cookies()
        return response

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        response = self.session.post(
            self.site.url + path,
            data={**data, "csrfmiddlewaretoken": self.session.cookies.get("csrftoken", "")},
            headers={"Referer": f"https://{self.site.host}{path}"},
            timeout=30,
            allow_redirects=False,
        )
        self._unsecure_cookies()
        return response

    def sign_in(self, email: str) -> None:
        assert self.get("/accounts/login/").status_code == 200
        response = self.post("/accounts/login/", {"login": email, "password": self.site.logins[email]})
        assert response.status_code == 302, response.text[:2000]
        assert "sessionid" in self.session.cookies


def assert_hardened(response: requests.Response, path: str) -> None:
    assert response.status_code < 500, f"{path}: {response.status_code}"
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", path
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "same-origin", path
    assert "script-src 'self';" in headers["Content-Security-Policy"], path
    assert headers["Permissions-Policy"].startswith("camera=()"), path
    if headers.get("Content-Type", "").startswith("text/html"):
        assert headers["X-Frame-Options"] == "DENY", path


def get_page(browser: Browser, path: str, status: int = 200) -> str:
    response = browser.get(path)
    assert response.status_code == status, f"{path}: {response.status_code}\n{response.text[:3000]}"
    assert_hardened(response, path)
    if "sessionid" in browser.session.cookies and status == 200:
        assert "no-store" in response.headers["Cache-Control"], path
    return response.text


def first_link(html: str, pattern: str) -> str:
    match = re.search(pattern, html)
    assert match, f"no link matching {pattern}"
    return match.group(0)


def test_production_profile_serves_every_page_kind(production_site: ProductionSite) -> None:
    site = production_site

    # Plain HTTP is redirected to HTTPS; the proxy's header is what marks a request secure.
    bare = requests.get(site.url + "/", timeout=30, allow_redirects=False)
    assert bare.status_code == 301
    assert bare.headers["Location"] == f"https://{site.host}/"

    anonymous = Browser(site)
    home = get_page(anonymous, "/")
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/api/docs/"):
        get_page(anonymous, path)
    get_page(anonymous, "/no-such-page/", status=404)
    get_page(anonymous, "/me/", status=302)

    # Static files: hashed names from the manifest, served by whitenoise, cached for ever.
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', home)
    assert assets, "the home page links no static asset"
    for asset in assets:
        assert re.search(r"\.[0-9a-f]{12}\.", asset), f"{asset} is not a manifest (hashed) name"
        response = anonymous.get(asset)
        assert response.status_code == 200, asset
        assert "immutable" in response.headers["Cache-Control"]
    vendor = anonymous.get("/static/vendor/hls.min.js")
    assert vendor.status_code == 200
    assert vendor.content.rstrip().endswith(b".map")  # its source map was collected beside it

    entrant = Browser(site)
    entrant.sign_in("entrant@laurel.test")
    dashboard = get_page(entrant, "/me/")
    get_page(entrant, first_link(dashboard, r"/me/editions/\d+/enter/"))
    get_page(entrant, "/api/submissions/")

    judge = Browser(site)
    judge.sign_in("judge@laurel.test")
    queue = get_page(judge, "/judge/")
    score_page = first_link(queue, r"/judge/rounds/\d+/entries/\d+/")
    get_page(judge, score_page)
    get_page(judge, "/api/judging/assignments/")
    get_page(judge, "/organize/", status=404)  # not an organizer: no such page

    organizer = Browser(site)
    organizer.sign_in("organizer@laurel.test")
    console = get_page(organizer, "/organize/")
    get_page(organizer, "/organize/rounds/{}/".format(score_page.split("/")[3]))
    get_page(organizer, first_link(console, r"/organize/editions/\d+/judges/"))
    get_page(organizer, first_link(console, r"/organize/editions/\d+/results/"))
    get_page(organizer, "/admin/")
    get_page(organizer, "/admin/submissions/submission/")
    get_page(organizer, "/api/schema/")

    log = site.log()
    assert "Traceback" not in log, log


def test_gunicorn_without_collected_static_files_stops_with_the_cause(tmp_path: Path) -> None:
    """A web host whose var dir has no manifest would answer 500 on every page: it must not start."""
    (tmp_path / "var").mkdir()
    env = production_env(tmp_path / "var")
    gunicorn = readme_production_commands()[2].replace("-b 0.0.0.0:8000", f"-b 127.0.0.1:{free_port()}")
    result = subprocess.run(
        shlex.split(gunicorn),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    manifest = tmp_path / "var" / "static" / "staticfiles.json"
    assert f"No static-file manifest at {manifest}: run" in result.stderr
