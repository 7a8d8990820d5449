"""Reads of films and their processing, for other apps and pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from festival.parsing import parse_natural
from media.models import Film, FilmOutput, JobState, ProcessingJob, QCReport


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


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # media.models.Severity value
    message: str
    value: Any


@dataclass(frozen=True)
class QCView:
    """The technical QC / eligibility report of a film, for entrant and organizer pages."""

    film_id: int
    blocking: bool
    findings: list[Finding]
    metrics: dict[str, Any]

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "warning"]


def _qc_view(report: QCReport) -> QCView:
    return QCView(
        film_id=report.film_id,
        blocking=report.blocking,
        findings=[Finding(**finding) for finding in report.findings],
        metrics=report.metrics,
    )


def qc_report(film_id: int) -> QCView | None:
    report = QCReport.objects.filter(film_id=film_id).first()
    return _qc_view(report) if report else None


def qc_reports(film_ids: Iterable[int]) -> dict[int, QCView]:
    """QC reports of many films in one query."""
    return {report.film_id: _qc_view(report) for report in QCReport.objects.filter(film_id__in=list(film_ids))}


def film_outputs(film_id: int) -> list[FilmOutput]:
    return list(FilmOutput.objects.filter(film_id=film_id).order_by("key"))


def film_for_organizer(*, film_id: int) -> Film | None:
    return Film.objects.select_related("job").filter(pk=film_id).first()


def festival_id_of_group(group_key: str) -> int | None:
    """The festival of a film's group ("edition:<id>"); None for any other group."""
    from festival.models import Edition

    kind, _, raw_id = group_key.partition(":")
    edition_id = parse_natural(raw_id) if kind == "edition" else None
    if edition_id is None:
        return None
    return Edition.objects.filter(pk=edition_id).values_list("festival_id", flat=True).first()
