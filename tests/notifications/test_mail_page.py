from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.mail import get_connection, send_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_folder(settings: Any, tmp_path: Path) -> Path:
    settings.EMAIL_BACKEND = "notifications.backends.MailFolderBackend"
    settings.LAUREL_MAIL_FOLDER = str(tmp_path / "mail")
    settings.LAUREL_MAIL_PAGE = True
    return tmp_path / "mail"


def test_embedded_default_writes_a_file_and_shows_it_on_the_local_mail_page(mail_folder: Path, client: Any) -> None:
    send_mail("Confirm your e-mail address", "Open https://x.test/confirm/abc/", None, ["ada@example.org"])
    [path] = list(mail_folder.glob("*.eml"))
    assert b"Subject: Confirm your e-mail address" in path.read_bytes()
    page = client.get("/dev/mail/")
    assert page.status_code == 200
    assert "ada@example.org" in page.text and "Confirm your e-mail address" in page.text
    detail = client.get(f"/dev/mail/{path.name}")
    assert '<a href="https://x.test/confirm/abc/"' in detail.text
    assert client.get("/dev/mail/..%2Fsecret.eml").status_code == 404


def test_mail_page_is_absent_unless_the_embedded_default_is_used(mail_folder: Path, client: Any, settings: Any) -> None:
    settings.LAUREL_MAIL_PAGE = False
    get_connection().send_messages([])
    assert client.get("/dev/mail/").status_code == 404
