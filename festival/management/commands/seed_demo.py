from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from festival.demo import seed_demo_festival


class Command(BaseCommand):
    help = "Seed (or find) the demo festival and its accounts, and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        edition, logins = seed_demo_festival()
        self.stdout.write(f"Demo edition: {edition.festival} — {edition} ({edition.time_zone})")
        self.stdout.write(f"Open {settings.SITE_URL}/ and sign in as:")
        for login in logins:
            self.stdout.write(f"  {login.role:<9} {login.email:<24} password: {login.password}")
