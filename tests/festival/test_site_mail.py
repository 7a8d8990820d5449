"""Account e-mails name the configured site; the demo says where its mail goes."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_verification_email_names_the_configured_site_not_example_com(client: Any, settings: Any) -> None:
    settings.LAUREL_SITE_NAME = "AIFF Submissions"
    settings.SITE_URL = "https://submit.aiff.test"
    response = client.post(
        "/accounts/signup/",
        {"email": "ada@example.org", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    assert response.status_code == 302
    [sent] = mail.outbox
    assert sent.subject == "[AIFF Submissions] Please Confirm Your Email Address"
    assert "example.com" not in sent.body
    assert "AIFF Submissions" in sent.body


def test_seed_demo_prints_the_logins_and_where_mail_goes_and_no_mail(settings: Any, tmp_path: Any) -> None:
    settings.LAUREL_MAIL_PAGE = True
    settings.LAUREL_MAIL_FOLDER = str(tmp_path / "mail")
    settings.SITE_URL = "http://127.0.0.1:8000"
    out = StringIO()
    call_command("seed_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Demo edition: ")
    assert lines[1] == "Open http://127.0.0.1:8000/ and sign in as:"
    logins = [line for line in lines if line.startswith("  ")]
    assert len(logins) >= 3 and all("password: " in line for line in logins)
    assert lines[2 : 2 + len(logins)] == logins  # the logins together, nothing amid them
    assert (
        f"E-mail is not sent: it is written to {tmp_path / 'mail'}/ and shown at "
        "http://127.0.0.1:8000/dev/mail/ (sign-up verification links included)."
    ) in lines
    assert "Subject:" not in out.getvalue()
