from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from submissions.demo import DEMO_ENTRANT, seed_demo_submission


class Command(BaseCommand):
    help = "Seed (or find) the demo entrant's draft submission: everything but the film."

    def handle(self, *args: Any, **options: Any) -> None:
        submission = seed_demo_submission()
        self.stdout.write(
            f"Draft “{submission}” of {DEMO_ENTRANT} in {submission.edition}: sign in and open /me/ to upload its film."
        )
