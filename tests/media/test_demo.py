from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from media.ai_usage import ai_usage_for
from media.demo import DEMO_FILMS, seed_demo_films
from media.models import Film, JobState, ProcessingJob
from media.pipeline import process_film
from media.rules import FilmRules

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_demo_films_go_through_the_pipeline(ffmpeg: str, media_storage: Path) -> None:
    rules = FilmRules(
        runtime_min_seconds=1,
        runtime_max_seconds=4,
        max_file_size_bytes=1024**3,
        allowed_containers=("mp4",),
        min_short_side_px=64,
    )
    signed, breaker = (spec for spec in DEMO_FILMS if spec.c2pa or spec.breaks_rule)
    seeded = seed_demo_films(group_key="edition:0", rules=rules, films=(signed, breaker), short_side=72)
    assert [spec.slug for spec, _ in seeded] == ["latent-garden", "too-short"]
    (_, good), (_, bad) = seeded
    assert process_film(good.pk) == JobState.READY
    assert ai_usage_for(good.pk).has_manifest is True
    assert process_film(bad.pk) == JobState.FAILED
    assert ProcessingJob.objects.get(film=bad).failure_reason == (
        "Does not meet the edition's rules: runtime 0:09, this edition allows 0:01–0:04."
    )


def test_seed_demo_films_command(ffmpeg: str, media_storage: Path, settings: Any) -> None:
    out = StringIO()
    call_command("seed_demo_films", "--count", "1", "--short-side", "72", stdout=out)
    film = Film.objects.get()
    assert out.getvalue().splitlines() == [
        f"film {film.pk}: The Tide Engine (tide-engine) queued",
        "1 demo films queued; a worker processes them.",
    ]
    assert (film.group_key, film.original_filename) == ("demo", "tide-engine.mp4")


def test_demo_films_take_the_editions_rules() -> None:
    from media.management.commands.seed_demo_films import _rules_for
    from tests.factories import EditionFactory

    edition = EditionFactory.create(runtime_min_seconds=30, min_short_side_px=240, blocking_qc=["no_audio"])
    rules = _rules_for(f"edition:{edition.pk}")
    assert (rules.runtime_min_seconds, rules.min_short_side_px, rules.blocking_qc) == (30, 240, ("no_audio",))
