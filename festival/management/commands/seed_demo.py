from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from festival.demo import seed_demo_festival


def mail_notice() -> str:
    """Where the demo's e-mail (sign-up verification, invitations, notifications) goes."""
    if settings.LAUREL_MAIL_PAGE:
        return (
            f"E-mail is not sent: it is written to {settings.LAUREL_MAIL_FOLDER}/ and shown at "
            f"{settings.SITE_URL}/dev/mail/ (sign-up verification links included)."
        )
    return f"E-mail is sent through {settings.EMAIL_BACKEND} (EMAIL_URL)."


class Command(BaseCommand):
    help = "Seed (or find) the demo festival and its accounts, and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        edition, logins = seed_demo_festival()
        self.stdout.write(f"Demo edition: {edition.festival} — {edition} ({edition.time_zone})")
        self.stdout.write(f"Open {settings.SITE_URL}/ and sign in as:")
        for login in logins:
            self.stdout.write(f"  {login.role:<9} {login.email:<24} password: {login.password}")
        self.stdout.write(mail_notice())
