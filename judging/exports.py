"""Exports of a round's results: CSV, XLSX and JSON, streamed so large editions stay cheap.

Rows come from ``judging.results.result_rows`` (one per scored entry, best first); the
titles and entrants of the round's entries are read with ``.iterator()``. CSV and JSON
are generated row by row into a ``StreamingHttpResponse``; XLSX is written by openpyxl in
write-only mode to a temporary file (the format is a zip, which needs its directory at
the end) and then streamed from disk in chunks. Exports are for organizers only.
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.text import slugify
from openpyxl import Workbook

from judging.models import Round
from judging.results import CHUNK, ResultRow, RoundResults, judge_rows, result_rows
from submissions.models import Submission

COLUMNS = (
    "position",
    "rank",
    "tied",
    "submission_id",
    "title",
    "entrant",
    "n_scores",
    "raw",
    "raw_rank",
    "z",
    "z_rank",
    "model",
    "se",
    "low",
    "high",
    "spread",
    "flagged",
    "at_cut",
    "close_call",
    "p_above",
)


def entries_of(round: Round) -> tuple[dict[int, str], dict[int, str]]:
    """Titles and entrants' e-mails of a round's entries, streamed from the database."""
    titles: dict[int, str] = {}
    entrants: dict[int, str] = {}
    rows = (
        Submission.objects.filter(round_entries__round=round)
        .order_by()
        .values_list("pk", "title", "entrant__email")
        .iterator(chunk_size=CHUNK)
    )
    for pk, title, email in rows:
        titles[pk] = title
        entrants[pk] = email
    return titles, entrants


def export_records(results: RoundResults) -> Iterator[dict[str, Any]]:
    titles, entrants = entries_of(results.round)
    for row in result_rows(results, titles=titles):
        yield record(row, entrants.get(row.submission_id, ""))


def record(row: ResultRow, entrant: str) -> dict[str, Any]:
    data = asdict(row)
    data["entrant"] = entrant
    return {column: data[column] for column in COLUMNS}


def _filename(results: RoundResults, extension: str) -> str:
    round = results.round
    return f"results-{slugify(round.edition.name)}-{slugify(round.name)}.{extension}"


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for item in records:
        yield writer.writerow(["" if item[c] is None else item[c] for c in COLUMNS])


def csv_response(results: RoundResults) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(export_records(results)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(results, "csv")}"'
    return response


def _json_chunks(results: RoundResults) -> Iterator[str]:
    round = results.round
    sigma = results.calibration.model.sigma
    head = {
        "edition": round.edition_id,
        "round": {"id": round.pk, "name": round.name, "kind": round.kind},
        "entries_in_round": results.entries_in_round,
        "scored": results.scored,
        "model": {
            "sigma": sigma if math.isfinite(sigma) else None,
            "iterations": results.calibration.model.iterations,
            "converged": results.calibration.model.converged,
            "problem": results.calibration.model.problem,
        },
        "ranked_by": results.calibration.primary,
    }
    # The head object, left open for the entries array that follows it.
    yield json.dumps(head)[:-1] + ', "entries": ['
    for index, item in enumerate(export_records(results)):
        yield ("," if index else "") + json.dumps(item)
    yield '], "judges": ' + json.dumps(judge_records(results)) + "}"


def json_response(results: RoundResults) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_json_chunks(results), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_filename(results, "json")}"'
    return response


JUDGE_COLUMNS = ("membership_id", "name", "n_scores", "mean", "leniency", "scale", "noise")


def judge_records(results: RoundResults) -> list[dict[str, Any]]:
    """Per judge: the model's leniency, scale and noise (a few hundred rows at most)."""
    return [asdict(row) for row in judge_rows(results)]


def xlsx_response(results: RoundResults) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Ranking")
    sheet.append(list(COLUMNS))
    for item in export_records(results):
        sheet.append([item[c] for c in COLUMNS])
    judges = workbook.create_sheet(title="Judges")
    judges.append(list(JUDGE_COLUMNS))
    for item in judge_records(results):
        judges.append([item[c] for c in JUDGE_COLUMNS])
    # The temporary file is deleted when the response closes it (FileResponse closes it).
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by the response)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_filename(results, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


FORMATS = {"csv": csv_response, "json": json_response, "xlsx": xlsx_response}
