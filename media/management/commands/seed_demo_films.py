"""manage.py seed_demo_films: a dozen generated films through the real pipeline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from media.demo import DEMO_FILMS, seed_demo_films
from media.rules import FilmRules


class Command(BaseCommand):
    help = "Generate demo films (ffmpeg lavfi), store them and queue them for processing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group-key", default="demo", help='Films\' group, e.g. "edition:3" (its rules apply).')
        parser.add_argument("--count", type=int, default=len(DEMO_FILMS), help="How many of the demo films.")
        parser.add_argument("--short-side", type=int, default=180, help="Short side of the frames, in pixels.")

    def handle(self, *args: Any, **options: Any) -> None:
        group_key: str = options["group_key"]
        rules = _rules_for(group_key)
        films = DEMO_FILMS[: max(0, options["count"])]
        seeded = seed_demo_films(group_key=group_key, rules=rules, films=films, short_side=options["short_side"])
        for spec, film in seeded:
            self.stdout.write(f"film {film.pk}: {spec.title} ({spec.slug}) queued")
        self.stdout.write(self.style.SUCCESS(f"{len(seeded)} demo films queued; a worker processes them."))


def _rules_for(group_key: str) -> FilmRules:
    """The edition's rules for "edition:<id>"; permissive demo rules otherwise."""
    kind, _, raw = group_key.partition(":")
    if kind == "edition":
        from festival.models import Edition

        edition = Edition.objects.filter(pk=int(raw) if raw.isdigit() else -1).first()
        if edition is None:
            raise CommandError(f"no edition {raw!r}")
        return FilmRules.for_edition(edition)
    return FilmRules(
        runtime_min_seconds=60,
        runtime_max_seconds=600,
        max_file_size_bytes=1024**3,
        allowed_containers=("mp4", "mov", "webm", "mkv"),
        min_short_side_px=144,
    )
