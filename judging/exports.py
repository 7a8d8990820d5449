"""Exports of a round's results: CSV, XLSX and JSON, streamed so large editions stay cheap.

Rows come from the round's stored ranking (``judging.rankings.StoredRanking``, one row per
scored entry, best first), joined in SQL with the entry's title and entrant and read with
``.iterator()``, so memory stays flat at any size. CSV and JSON are generated row by row
into a ``StreamingHttpResponse``; XLSX is written by openpyxl in
write-only mode to a temporary file (the format is a zip, which needs its directory at
the end) and then streamed from disk in chunks. Exports are for organizers only.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.text import slugify
from openpyxl import Workbook

from judging.rankings import StoredRanking
from judging.results import ResultRow

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
)


def export_records(ranking: StoredRanking) -> Iterator[dict[str, Any]]:
    for row, entrant in ranking.iter_rows_with_entrants():
        yield record(row, entrant)


def record(row: ResultRow, entrant: str) -> dict[str, Any]:
    data = asdict(row)
    data["entrant"] = entrant
    return {column: data[column] for column in COLUMNS}


def _filename(ranking: StoredRanking, extension: str) -> str:
    round = ranking.round
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


def csv_response(ranking: StoredRanking) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(export_records(ranking)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(ranking, "csv")}"'
    return response


def _json_chunks(ranking: StoredRanking) -> Iterator[str]:
    round = ranking.round
    head = {
        "edition": round.edition_id,
        "round": {"id": round.pk, "name": round.name, "kind": round.kind},
        "entries_in_round": ranking.entries_in_round,
        "scored": ranking.scored,
        "computed_at": ranking.computed_at.isoformat() if ranking.computed_at else None,
        "model": ranking.summary.get("model", {}),
    }
    # The head object, left open for the entries array that follows it.
    yield json.dumps(head)[:-1] + ', "entries": ['
    for index, item in enumerate(export_records(ranking)):
        yield ("," if index else "") + json.dumps(item)
    yield '], "judges": ' + json.dumps(judge_records(ranking)) + "}"


def json_response(ranking: StoredRanking) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_json_chunks(ranking), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_filename(ranking, "json")}"'
    return response


JUDGE_COLUMNS = ("membership_id", "name", "n_scores", "mean", "leniency", "scale", "noise")


def judge_records(ranking: StoredRanking) -> list[dict[str, Any]]:
    """Per judge: the model's leniency, scale and noise (a few hundred rows at most)."""
    return [asdict(row) for row in ranking.judges()]


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 5000


def write_xlsx(ranking: StoredRanking, handle: IO[bytes], progress: Callable[[int], None] | None = None) -> int:
    """Write the ranking as an Excel workbook (openpyxl's write-only mode) to ``handle``; return the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Ranking")
    sheet.append(list(COLUMNS))
    rows = 0
    for item in export_records(ranking):
        sheet.append([item[c] for c in COLUMNS])
        rows += 1
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows)
    judges = workbook.create_sheet(title="Judges")
    judges.append(list(JUDGE_COLUMNS))
    for item in judge_records(ranking):
        judges.append([item[c] for c in JUDGE_COLUMNS])
    workbook.save(handle)
    return rows


def xlsx_filename(ranking: StoredRanking) -> str:
    return _filename(ranking, "xlsx")


def xlsx_response(ranking: StoredRanking) -> FileResponse:
    """A small round's workbook, built in the request (large ones: ``judging.services.exports``)."""
    # The temporary file is deleted when the response closes it (FileResponse closes it).
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by the response)
    write_xlsx(ranking, handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=xlsx_filename(ranking), content_type=XLSX_CONTENT_TYPE)


FORMATS = {"csv": csv_response, "json": json_response, "xlsx": xlsx_response}
