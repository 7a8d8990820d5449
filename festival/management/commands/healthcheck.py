from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from festival.health import run_checks


class Command(BaseCommand):
    help = "Check the database, broker, a live worker, ffmpeg/ffprobe and storage; exit 1 on failure."

    def handle(self, *args: Any, **options: Any) -> None:
        results = run_checks()
        for result in results:
            mark = self.style.SUCCESS("ok  ") if result.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {result.name:<9} {result.detail}")
        failing = [result.name for result in results if not result.ok]
        if failing:
            raise CommandError(f"unhealthy: {', '.join(failing)}")
