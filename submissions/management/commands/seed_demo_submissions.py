"""manage.py seed_demo_submissions: the demo edition's dozen generated films, queued for processing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from submissions.demo import seed_demo_submissions


class Command(BaseCommand):
    help = "Generate the demo edition's films (ffmpeg lavfi) and enter them; the demo's worker processes them."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = seed_demo_submissions()
        self.stdout.write(
            f"Draft “{demo.draft}” of {demo.draft.entrant.email} in {demo.edition}: "
            "sign in and open /me/ to upload its film."
        )
        if demo.existing:
            self.stdout.write(f"{demo.edition}: {demo.existing} demo films already there.")
        else:
            self.stdout.write(f"{demo.edition}: {demo.created} demo films generated and queued for processing.")
