"""Reads of films and their processing, for other apps and pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from media.models import JobState, ProcessingJob


@dataclass(frozen=True)
class FilmStatus:
    film_id: int
    state: str  # a JobState value
    progress: int
    failure_reason: str

    @property
    def is_ready(self) -> bool:
        return self.state == JobState.READY

    @property
    def is_failed(self) -> bool:
        return self.state == JobState.FAILED


def film_statuses(film_ids: Iterable[int]) -> dict[int, FilmStatus]:
    """Statuses of many films in one query (dashboards list many)."""
    rows = ProcessingJob.objects.filter(film_id__in=list(film_ids)).values(
        "film_id", "state", "progress", "failure_reason"
    )
    return {row["film_id"]: FilmStatus(**row) for row in rows}


def film_status(film_id: int) -> FilmStatus | None:
    return film_statuses([film_id]).get(film_id)
