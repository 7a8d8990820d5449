"""Fixtures of the submissions tests: an entrant and their draft, the AI tool vocabulary, and for
the upload tests a private media storage, tus helpers and gunicorn in another process."""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import Client

from festival.models import User
from submissions.models import Submission
from tests.conftest import ROOT, _database_url_for_worker
from tests.factories import SubmissionFactory, UserFactory
from tests.submissions.factories import seed_ai_tools

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Files go to a folder of this test's own, through the storage API as in production."""
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    assert Path(default_storage.location) == root  # type: ignore[attr-defined]
    yield root


def stored_files(root: Path) -> dict[str, bytes]:
    """Every object under the media root, by storage name."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def entrant(db: None) -> User:
    return UserFactory.create(full_name="Ada Lovelace")


@pytest.fixture
def submission(entrant: User) -> Submission:
    return SubmissionFactory.create(entrant=entrant)


@pytest.fixture
def entrant_client(entrant: User) -> Client:
    client = Client()
    client.force_login(entrant)
    return client


@pytest.fixture
def ai_tools(db: None) -> None:
    seed_ai_tools()


def metadata(**values: Any) -> str:
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in values.items())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class GunicornServer:
    """The production WSGI server as a separate process on the test database and media root."""

    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        handle = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "festival.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--worker-class",
                "gthread",
                "--threads",
                "2",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() reaches the worker too
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                response = requests.options(f"{self.url}/api/uploads/", timeout=2)
            except requests.RequestException:
                time.sleep(0.1)
                continue
            if response.status_code == 204:
                return
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"gunicorn did not answer within 60 s:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Signal the server's own process group (master and worker), as a crashed host would."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def gunicorn_server(transactional_db: None, tmp_path: Path, settings: Any) -> Iterator[GunicornServer]:
    var = tmp_path / "var"
    (var / "media").mkdir(parents=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(var / "media"), "base_url": "/media/"},
        },
    }
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "festival.settings",
        "DATABASE_URL": _database_url_for_worker(),
        "LAUREL_VAR_DIR": str(var),
        # Films it registers must not reach a shared broker other tests' workers read.
        "CELERY_BROKER_URL": "filesystem://",
    }
    server = GunicornServer(port=free_port(), env=env, log_path=tmp_path / "gunicorn.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def session_headers(user: User) -> dict[str, str]:
    """Cookie and CSRF headers of a signed-in session, for a client in another process."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = "t" * 32  # any 32-character secret works when cookie and header agree
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}",
        "X-CSRFToken": token,
    }
