from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from announcements.demo import seed_demo_results


class Command(BaseCommand):
    help = "Seed (or find) the demo's announced edition, AIFF 2026, and print its public winners page."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = seed_demo_results()
        self.stdout.write(f"Announced results ({demo.edition}): {demo.public_url}  (entrant@laurel.test won Gold)")
