"""Exports of a round's results: CSV, XLSX and JSON, streamed so large editions stay cheap.

Rows come from the round's stored ranking (``judging.results.rankings.StoredRanking``: one row per
scored entry, best first, computed from the entries that still compete, scored by judges
not conflicted with them), joined in SQL with the entry's title and entrant and read with
``.iterator()``, so memory stays flat at any size. A final round's
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
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from itertools import islice
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from judging.final.selectors import published_awards
from judging.models import AwardDecision, Round, RoundKind
from judging.results.rankings import StoredRanking
from judging.results.selectors import ResultRow

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


def export_records(ranking: StoredRanking) -> Iterator[dict[str, Any]]:
    for row, entrant in ranking.iter_rows_with_entrants():
        yield record(row, entrant)


def record(row: ResultRow, entrant: str) -> dict[str, Any]:
    return dict(zip(COLUMNS, ranking_cells(row, entrant), strict=True))


def ranking_cells(row: ResultRow, entrant: str) -> list[Any]:
    """One ranking row as the exports' cells, in ``COLUMNS`` order (raw values).

    Read field by field: the row holds only scalars, and ``asdict``'s recursive copy was the
    largest cost per row of a 100,000-row export."""
    return [entrant if column == "entrant" else getattr(row, column) for column in COLUMNS]


AWARD_COLUMNS = ("rank", "tier", "submission_id", "title", "entrant")


def award_cells(award: AwardDecision) -> list[Any]:
    """One published award as the exports' cells, in ``AWARD_COLUMNS`` order (raw values)."""
    return [award.rank, award.tier.name, award.submission_id, award.submission.title, award.submission.entrant.email]


def awards_of(round_: Round) -> list[AwardDecision]:
    """The published ladder of a final round (awards to entries that still compete); else none."""
    return published_awards(round_) if round_.kind == RoundKind.FINAL else []


# OWASP: a spreadsheet reads a cell starting with one of these as a formula (or DDE).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cells(cells: list[Any]) -> list[Any]:
    """A row as CSV writes it: text that would be a formula quoted with ``'`` (``csv.writer``
    writes None as an empty field). One comprehension, not a call per cell: 20 calls a row were
    a third of a 100,000-row export."""
    return [f"'{v}" if v.__class__ is str and v.startswith(FORMULA_STARTS) else v for v in cells]


# Lines (CSV) or records (JSON) joined into one chunk of a streamed export: a chunk per row made
# Django encode, and the server write, 100,000 pieces of a few hundred bytes.
STREAM_ROWS = 500


def in_chunks(pieces: Iterable[str], rows: int = STREAM_ROWS) -> Iterator[str]:
    """``pieces`` joined ``rows`` at a time, so memory stays bounded by one chunk."""
    iterator = iter(pieces)
    while chunk := "".join(islice(iterator, rows)):
        yield chunk


def _filename(ranking: StoredRanking, extension: str) -> str:
    round = ranking.round
    return f"results-{slugify(round.edition.name)}-{slugify(round.name)}.{extension}"


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: Iterable[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for cells in rows:
        yield writer.writerow(csv_cells(cells))


def _ranking_rows(ranking: StoredRanking) -> Iterator[list[Any]]:
    for row, entrant in ranking.iter_rows_with_entrants():
        yield ranking_cells(row, entrant)


def csv_response(ranking: StoredRanking) -> StreamingHttpResponse:
    """The ranking; for a final round, its published award ladder."""
    if ranking.round.kind == RoundKind.FINAL:
        lines = _csv_lines(AWARD_COLUMNS, (award_cells(a) for a in awards_of(ranking.round)))
    else:
        lines = _csv_lines(COLUMNS, _ranking_rows(ranking))
    response = StreamingHttpResponse(in_chunks(lines), content_type="text/csv; charset=utf-8")
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
        "ranked_by": ranking.summary.get("primary", "model"),
    }
    # The head object, left open for the entries array that follows it.
    yield json.dumps(head)[:-1] + ', "entries": ['
    for index, item in enumerate(export_records(ranking)):
        yield ("," if index else "") + json.dumps(item)
    awards = [dict(zip(AWARD_COLUMNS, award_cells(a), strict=True)) for a in awards_of(round)]
    yield '], "judges": ' + json.dumps(judge_records(ranking)) + ', "awards": ' + json.dumps(awards) + "}"


def json_response(ranking: StoredRanking) -> StreamingHttpResponse:
    response = StreamingHttpResponse(in_chunks(_json_chunks(ranking)), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_filename(ranking, "json")}"'
    return response


JUDGE_COLUMNS = ("membership_id", "name", "n_scores", "mean", "leniency", "scale", "noise")


def judge_records(ranking: StoredRanking) -> list[dict[str, Any]]:
    """Per judge: the model's leniency, scale and noise (a few hundred rows at most)."""
    return [asdict(row) for row in ranking.judges()]


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


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 5000


def write_xlsx(ranking: StoredRanking, handle: IO[bytes], progress: Callable[[int], None] | None = None) -> int:
    """Write the workbook (openpyxl's write-only mode) to ``handle``; return the ranking rows written."""
    workbook = Workbook(write_only=True)
    if ranking.round.kind == RoundKind.FINAL:
        ladder = workbook.create_sheet(title="Awards")
        ladder.append(list(AWARD_COLUMNS))
        for award in awards_of(ranking.round):
            ladder.append(xlsx_row(ladder, award_cells(award)))
    sheet = workbook.create_sheet(title="Ranking")
    sheet.append(list(COLUMNS))
    rows = 0
    for cells in _ranking_rows(ranking):
        sheet.append(xlsx_row(sheet, cells))
        rows += 1
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows)
    judges = workbook.create_sheet(title="Judges")
    judges.append(list(JUDGE_COLUMNS))
    for item in judge_records(ranking):
        judges.append(xlsx_row(judges, [item[c] for c in JUDGE_COLUMNS]))
    workbook.save(handle)
    return rows


def xlsx_filename(ranking: StoredRanking) -> str:
    return _filename(ranking, "xlsx")


def xlsx_response(ranking: StoredRanking) -> FileResponse:
    """A small round's workbook, built in the request (large ones: ``judging.results.export_services``)."""
    # The temporary file is deleted when the response closes it (FileResponse closes it).
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by the response)
    write_xlsx(ranking, handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=xlsx_filename(ranking), content_type=XLSX_CONTENT_TYPE)


FORMATS = {"csv": csv_response, "json": json_response, "xlsx": xlsx_response}
