from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from judging.demo import seed_demo_judging


class Command(BaseCommand):
    help = "Seed (or find) the demo edition's judging: rounds, entries, assignments and a few scores."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = seed_demo_judging()
        self.stdout.write(
            f"{demo.edition}: {demo.round.name} round open with {demo.entries} entries, "
            f"{demo.assignments} assignments and {demo.scores} scores."
        )
        self.stdout.write("Sign in as judge@laurel.test (password in var/demo-logins.txt) and open /judge/.")
