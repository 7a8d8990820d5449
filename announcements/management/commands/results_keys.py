"""``manage.py results_keys``: make sure every festival has its Ed25519 results key (set-up step)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from announcements import signing
from festival.models import Festival


class Command(BaseCommand):
    help = "Generate each festival's results signing key (kept under RESULTS_SIGNING_KEY_DIR) if missing."

    def handle(self, *args: Any, **options: Any) -> None:
        for festival in Festival.objects.order_by("slug"):
            existed = signing.key_path(festival.slug).exists()
            key = signing.ensure_key(festival.slug).public_key()
            state = "kept" if existed else "generated"
            self.stdout.write(f"{festival.slug}: key {signing.key_id(key)} {state} ({signing.key_path(festival.slug)})")
