"""``manage.py verify_results FILE [--public-key KEY]``: check a downloaded ``results.json``.

Checks the Ed25519 signature (with KEY — a PEM file, PEM text or base64 — or the
festival's own key) and, against the document this site published, names every place
where the copy differs. Exits 1 when anything does not match.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from announcements import results
from announcements.models import SignedResults


def _reference(text: str) -> str | None:
    """The published document the copy claims to be (same edition and signing time), if here."""
    try:
        payload = json.loads(text)["payload"]
        festival, edition, signed_at = payload["festival"]["slug"], payload["edition"]["slug"], payload["signed_at"]
    except (ValueError, KeyError, TypeError):
        return None
    candidates = SignedResults.objects.filter(edition__festival__slug=festival, edition__slug=edition)
    for signed in candidates.order_by("-signed_at", "-pk").iterator():
        if json.loads(signed.document)["payload"]["signed_at"] == signed_at:
            return signed.document
    latest = candidates.order_by("-signed_at", "-pk").first()
    return latest.document if latest else None


class Command(BaseCommand):
    help = "Check a results.json: its signature, and every place it differs from the published results."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--public-key", help="The festival's public key: a PEM file, or PEM / base64 text.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        key = options["public_key"]
        if key and Path(key).is_file():
            key = Path(key).read_text()
        check = results.check_document(text, public_key=key, reference=_reference(text))
        for line in check.lines:
            self.stdout.write(line)
        if not check.ok:
            raise CommandError(f"{path} does NOT match the signed results.", returncode=1)
        self.stdout.write(f"{path}: OK")
