"""Exports of a round's results: CSV, XLSX and JSON, streamed so large editions stay cheap.

Rows come from ``judging.results.result_rows`` (one per scored entry, best first: only
entries that still compete, scored by judges not conflicted with them); the titles and
entrants of the round's competing entries are read with ``.iterator()``. A final round's
exports hold its published award ladder (the final is decided by ballots, not scores).
CSV and JSON are generated row by row into a ``StreamingHttpResponse``; XLSX is written by
openpyxl in write-only mode to a temporary file (the format is a zip, which needs its
directory at the end) and then streamed from disk in chunks. Exports are for organizers only.

Cells are built by pure functions from a ranking row or an award (``ranking_cells``,
``award_cells``); the writers then make text safe to open in a spreadsheet (OWASP's CSV
injection guidance): a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return gets a leading ``'`` in CSV and is stored as a text cell, never a formula, in XLSX.
Numbers stay numbers (a negative z-score is data, not a formula).
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
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from judging.competition import competing_submissions
from judging.final.selectors import published_awards
from judging.models import AwardDecision, Round, RoundKind
from judging.results import CHUNK, ResultRow, RoundResults, judge_rows, result_rows

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


def entries_of(round: Round) -> tuple[dict[int, str], dict[int, str]]:
    """Titles and entrants' e-mails of a round's competing entries, streamed from the database."""
    titles: dict[int, str] = {}
    entrants: dict[int, str] = {}
    rows = (
        competing_submissions(round).order_by().values_list("pk", "title", "entrant__email").iterator(chunk_size=CHUNK)
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
    return dict(zip(COLUMNS, ranking_cells(row, entrant), strict=True))


def ranking_cells(row: ResultRow, entrant: str) -> list[Any]:
    """One ranking row as the exports' cells, in ``COLUMNS`` order (raw values)."""
    data = asdict(row)
    data["entrant"] = entrant
    return [data[column] for column in COLUMNS]


AWARD_COLUMNS = ("rank", "tier", "submission_id", "title", "entrant")


def award_cells(award: AwardDecision) -> list[Any]:
    """One published award as the exports' cells, in ``AWARD_COLUMNS`` order (raw values)."""
    return [award.rank, award.tier.name, award.submission_id, award.submission.title, award.submission.entrant.email]


def awards_of(round: Round) -> list[AwardDecision]:
    """The published ladder of a final round (awards to entries that still compete); else none."""
    return published_awards(round) if round.kind == RoundKind.FINAL else []


# OWASP: a spreadsheet reads a cell starting with one of these as a formula (or DDE).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: object) -> object:
    """A cell as CSV writes it: empty for None; text that would be a formula, quoted with ``'``."""
    if value is None:
        return ""
    return f"'{value}" if is_formula_like(value) else value


def _filename(results: RoundResults, extension: str) -> str:
    round = results.round
    return f"results-{slugify(round.edition.name)}-{slugify(round.name)}.{extension}"


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: Iterable[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for cells in rows:
        yield writer.writerow([csv_cell(value) for value in cells])


def _ranking_rows(results: RoundResults) -> Iterator[list[Any]]:
    titles, entrants = entries_of(results.round)
    for row in result_rows(results, titles=titles):
        yield ranking_cells(row, entrants.get(row.submission_id, ""))


def csv_response(results: RoundResults) -> StreamingHttpResponse:
    """The ranking; for a final round, its published award ladder."""
    if results.round.kind == RoundKind.FINAL:
        lines = _csv_lines(AWARD_COLUMNS, (award_cells(a) for a in awards_of(results.round)))
    else:
        lines = _csv_lines(COLUMNS, _ranking_rows(results))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
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
        },
    }
    # The head object, left open for the entries array that follows it.
    yield json.dumps(head)[:-1] + ', "entries": ['
    for index, item in enumerate(export_records(results)):
        yield ("," if index else "") + json.dumps(item)
    awards = [dict(zip(AWARD_COLUMNS, award_cells(a), strict=True)) for a in awards_of(round)]
    yield '], "judges": ' + json.dumps(judge_records(results)) + ', "awards": ' + json.dumps(awards) + "}"


def json_response(results: RoundResults) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_json_chunks(results), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_filename(results, "json")}"'
    return response


JUDGE_COLUMNS = ("membership_id", "name", "n_scores", "mean", "leniency", "scale", "noise")


def judge_records(results: RoundResults) -> list[dict[str, Any]]:
    """Per judge: the model's leniency, scale and noise (a few hundred rows at most)."""
    return [asdict(row) for row in judge_rows(results)]


def xlsx_row(sheet: WriteOnlyWorksheet, cells: Iterable[Any]) -> list[Any]:
    """Cells for ``sheet.append``: every text cell stored as text, so none is ever a formula."""
    row: list[Any] = []
    for value in cells:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl would make "=..." a formula; keep it the entrant's text
            row.append(cell)
        else:
            row.append(value)
    return row


def xlsx_response(results: RoundResults) -> FileResponse:
    workbook = Workbook(write_only=True)
    if results.round.kind == RoundKind.FINAL:
        ladder = workbook.create_sheet(title="Awards")
        ladder.append(list(AWARD_COLUMNS))
        for award in awards_of(results.round):
            ladder.append(xlsx_row(ladder, award_cells(award)))
    sheet = workbook.create_sheet(title="Ranking")
    sheet.append(list(COLUMNS))
    for cells in _ranking_rows(results):
        sheet.append(xlsx_row(sheet, cells))
    judges = workbook.create_sheet(title="Judges")
    judges.append(list(JUDGE_COLUMNS))
    for item in judge_records(results):
        judges.append(xlsx_row(judges, [item[c] for c in JUDGE_COLUMNS]))
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
