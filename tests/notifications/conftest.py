"""A real SMTP server process (aiosmtpd) per test, and the settings that point Laurel at it."""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

SINK = Path(__file__).with_name("smtp_sink.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpServer:
    port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = field(default=None)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SINK), str(self.port), str(self.folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.strip() == b"ready", line
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the SMTP sink did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def received(self) -> list[EmailMessage]:
        mails = []
        for path in sorted(self.folder.glob("*.eml")):
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            mails.append(parsed)
        return mails


def body_text(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def body_html(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def smtp_server(tmp_path: Path, settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer(port=free_port(), folder=tmp_path / "smtp")
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_URL = "https://festival.test"
    settings.LAUREL_SITE_NAME = "Laurel Test"
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run ``.delay()`` in the calling process (the on-commit hand-off of ``notify``)."""
    from festival.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before
