"""``manage.py verify_audit [--festival SLUG]``: recompute the audit hash chains.

Exits 0 when every chain holds; otherwise prints, per broken chain, the first event that
was edited, deleted or inserted out of order, and exits 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from festival import audit
from festival.models import Festival


class Command(BaseCommand):
    help = "Recompute the tamper-evident audit chains and name the first event that does not hold."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--festival", help="Slug (or id) of one festival; default: every chain.")

    def handle(self, *args: Any, **options: Any) -> None:
        festival = None
        if options["festival"]:
            key = options["festival"]
            festival = Festival.objects.filter(slug=key).first() or (
                Festival.objects.filter(pk=int(key)).first() if key.isdigit() else None
            )
            if festival is None:
                raise CommandError(f"No festival {key!r}.")
        broken = 0
        for name in audit.chains(festival):
            checked, failure = audit.verify_chain(name)
            if failure is None:
                self.stdout.write(f"chain {name}: {checked} events, intact")
            else:
                broken += 1
                self.stdout.write(f"BROKEN {failure}")
        if broken:
            raise CommandError(f"{broken} audit chain(s) broken.", returncode=1)
