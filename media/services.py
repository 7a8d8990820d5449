"""Every write to films and jobs."""

from __future__ import annotations

from django.db import transaction

from media.models import Film, ProcessingJob
from media.rules import DeclaredAIUse, FilmRules


@transaction.atomic
def register_film(
    *,
    source_name: str,
    original_filename: str,
    size_bytes: int,
    sha256: str,
    group_key: str,
    rules: FilmRules,
    declared_ai: DeclaredAIUse | None = None,
) -> Film:
    """Take a stored upload into the pipeline: a film, a queued job, and (on commit) the task."""
    film = Film.objects.create(
        source_name=source_name,
        original_filename=original_filename,
        size_bytes=size_bytes,
        sha256=sha256,
        group_key=group_key,
        rules=rules.to_dict(),
        declared_ai=declared_ai.to_dict() if declared_ai else None,
    )
    ProcessingJob.objects.create(film=film)
    transaction.on_commit(lambda: enqueue_processing(film_id=film.pk))
    return film


def enqueue_processing(*, film_id: int) -> None:
    """Send the film to the ``media`` queue. (The task is written by the media pipeline.)"""
    from festival.celery import app

    app.send_task("media.process_film", args=[film_id], queue="media")
