"""Helpers shared by the media pipeline tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from media import services
from media.models import Film, ProcessingJob
from media.rules import FilmRules

RULES = FilmRules(
    runtime_min_seconds=1,
    runtime_max_seconds=600,
    max_file_size_bytes=1024**3,
    allowed_containers=("mp4", "mov", "webm", "mkv"),
    min_short_side_px=64,
)


def register(path: Path, *, rules: FilmRules = RULES, name: str | None = None) -> Film:
    data = path.read_bytes()
    stored = default_storage.save(f"uploads/{name or path.name}", ContentFile(data))
    return services.register_film(
        source_name=stored,
        original_filename=path.name,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        group_key="edition:0",
        rules=rules,
    )


def job(film: Film) -> ProcessingJob:
    return ProcessingJob.objects.get(film=film)


def stored_files(root: Path, film_id: int) -> list[str]:
    base = root / "films" / str(film_id)
    # ai/ holds the AI-usage shot thumbnails (media.ai_usage), not pipeline outputs.
    names = (str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())
    return sorted(name for name in names if not name.startswith("ai/"))
