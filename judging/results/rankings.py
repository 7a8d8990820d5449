"""Reads of stored rankings (``RankingSnapshot``): what pages, the API, advancement and exports show.

A snapshot is *current* when its ``state_key`` equals the key of the round's state now: the
round's results revision (moved by the database whenever a counted score, an entry in the
round or one that left, or a conflict changes) and the advancement rule. Computing the key is
one primary-key lookup whatever the edition's size; a stale or missing snapshot is shown as
such and the caller asks for a refresh (``judging.results.services``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.db.models import F
from django.db.models.functions import Abs
from django.utils.safestring import SafeString

from festival.models import JudgeMembership
from judging.models import Criterion, RankingRow, RankingSnapshot, Round
from judging.results.plots import Caterpillar, PlotRow
from judging.results.revision import round_revision
from judging.results.selectors import (
    ADVANCES,
    CHUNK,
    TIED_AT_CUT,
    BandRow,
    CriterionStats,
    FlagRow,
    JudgeRow,
    ResultRow,
)

# Bumped when what a snapshot stores changes shape; the row's field names are part of the key
# too, so a deploy that adds a column to ResultRow makes every old snapshot stale, not broken.
# 2: the tie band and the entries tied at the cut moved from the summary to the rows.
# 3: the key holds the round's results revision instead of aggregates of the facts.
SNAPSHOT_FORMAT = 3
ROW_FIELDS = tuple(f.name for f in fields(ResultRow) if f.name != "title")
# ResultRow fields kept in RankingRow's own columns, not in its payload.
ROW_COLUMNS = ("at_cut", "p_above")
PAYLOAD_FIELDS = tuple(name for name in ROW_FIELDS if name not in ROW_COLUMNS)
# How many of the entries tied at the cut the results page and an advancement error name.
TIED_NAMED = 50


def ranking_state_key(round_: Round) -> str:
    """A digest of everything the round's ranking is computed from: one primary-key lookup.

    The facts (counted scores, the entries in the round and those that left, the conflicts)
    are summed up by the round's revision, which the database moves whenever one of them
    changes, through any path (``judging.results.revision``); the advancement rule is read
    from the round, and the stored format is part of the key too.
    """
    state = {
        "format": SNAPSHOT_FORMAT,
        "fields": ROW_FIELDS,
        "rule": [round_.advancement_mode, round_.advance_count, round_.advance_share],
        "revision": round_revision(round_),
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def latest_snapshot(round_: Round) -> RankingSnapshot | None:
    return RankingSnapshot.objects.filter(round=round_).order_by("-computed_at", "-id").first()


def _row(
    payload: dict[str, Any], at_cut: str, p_above: float | None, title: str | None, submission_id: int
) -> ResultRow:
    values: dict[str, Any] = {name: payload.get(name) for name in PAYLOAD_FIELDS}
    return ResultRow(**values, at_cut=at_cut, p_above=p_above, title=title or f"Entry #{submission_id}")


# What ``_row`` reads of a RankingRow, in its order (title and id through the submission).
ROW_VALUES = ("payload", "at_cut", "p_above", "submission__title", "submission_id")


@dataclass(frozen=True)
class StoredRanking:
    """A round's latest snapshot (if any) and whether it matches the round's state now."""

    round: Round
    snapshot: RankingSnapshot | None
    current_key: str

    @property
    def exists(self) -> bool:
        return self.snapshot is not None

    @property
    def is_current(self) -> bool:
        return self.snapshot is not None and self.snapshot.state_key == self.current_key

    @property
    def computed_at(self) -> datetime | None:
        return self.snapshot.computed_at if self.snapshot else None

    @property
    def summary(self) -> dict[str, Any]:
        return self.snapshot.summary if self.snapshot else {}

    @property
    def scored(self) -> int:
        return int(self.summary.get("scored", 0))

    @property
    def entries_in_round(self) -> int:
        return int(self.summary.get("entries_in_round", 0))

    @property
    def flagged(self) -> int:
        return int(self.summary.get("flagged", 0))

    @property
    def advance_count(self) -> int | None:
        value = self.summary.get("advance_count")
        return None if value is None else int(value)

    @property
    def tied_count(self) -> int:
        """Entries with exactly the calibrated score at the cut (an organizer decides them)."""
        return int(self.summary.get("tied_count", 0))

    @property
    def close_calls(self) -> int:
        """Entries in the tie band: their 95 % interval contains the cut."""
        return int(self.summary.get("close_calls", 0))

    @property
    def needs_decision(self) -> bool:
        return self.tied_count > 0

    def _rows(self) -> Any:
        return RankingRow.objects.filter(snapshot=self.snapshot).order_by("position")

    def rows(self, *, offset: int = 0, limit: int | None = None) -> list[ResultRow]:
        """Rows ``offset``..``offset+limit`` best first, titles read from the submissions (one query).

        Positions run 1..n without gaps, so the page is a range of the (snapshot, position)
        key: the last page of 100,000 costs what the first does.
        """
        if self.snapshot is None:
            return []
        page = self._rows().filter(position__gt=offset)
        if limit is not None:
            page = page.filter(position__lte=offset + limit)
        return [_row(*values) for values in page.values_list(*ROW_VALUES)]

    def iter_rows_with_entrants(self) -> Iterator[tuple[ResultRow, str]]:
        """Every row with the entrant's e-mail, streamed in constant memory (for exports)."""
        if self.snapshot is None:
            return
        qs = self._rows().values_list(*ROW_VALUES, "submission__entrant__email")
        for *values, email in qs.iterator(chunk_size=CHUNK):
            yield _row(*values), email or ""

    def ids_at_cut(self, at_cut: str, *, limit: int | None = None) -> list[int]:
        """Submission ids whose row says ``at_cut`` ("advances", "tied at the cut"), best first."""
        if self.snapshot is None:
            return []
        ids = self._rows().filter(at_cut=at_cut).values_list("submission_id", flat=True)
        return list(ids[:limit] if limit is not None else ids)

    def tied(self, *, limit: int | None = TIED_NAMED) -> list[tuple[int, str]]:
        """(submission id, title) of the entries tied at the cut, best first (the first ``limit``)."""
        ids = self.ids_at_cut(TIED_AT_CUT, limit=limit) if self.tied_count else []
        titles = self.titles_of(ids) if ids else {}
        return [(pk, titles.get(pk, f"Entry #{pk}")) for pk in ids]

    def titles_of(self, submission_ids: list[int]) -> dict[int, str]:
        from submissions.models import Submission

        return dict(Submission.objects.filter(pk__in=submission_ids).values_list("pk", "title"))

    @property
    def judge_count(self) -> int:
        return len(self.summary.get("judges", []))

    def judges(self, *, ends: int | None = None) -> list[JudgeRow]:
        """Per judge, most lenient first, names read from the memberships now (one query).

        With ``ends``, only the ``ends`` most lenient and the ``ends`` harshest: the judges an
        organizer looks at first (at 600 judges the whole table is the export's, or asked for).
        """
        stored = self.summary.get("judges", [])
        if ends is not None and len(stored) > 2 * ends:
            stored = stored[:ends] + stored[-ends:]
        members = {
            m.pk: str(m.user)
            for m in JudgeMembership.objects.filter(pk__in=[row["membership_id"] for row in stored]).select_related(
                "user"
            )
        }
        return [
            JudgeRow(**{**row, "name": members.get(row["membership_id"], f"Judge #{row['membership_id']}")})
            for row in stored
        ]

    def _band_rows(self) -> Any:
        """The snapshot's tie band (its rows with a P(above the cut)), by the partial index ``ranking_row_band``."""
        return RankingRow.objects.filter(snapshot=self.snapshot, p_above__isnull=False)

    def band_p(self) -> dict[int, float]:
        """submission id -> P(above the cut) over the whole tie band, best first, no titles (advancement's audit)."""
        if self.snapshot is None or not self.close_calls:
            return {}
        return dict(self._band_rows().order_by("position").values_list("submission_id", "p_above"))

    def band(self, *, limit: int | None = None) -> list[BandRow]:
        """The tie band at the cut, best first, with each entry's P(above the cut); titles read now (one query).

        With ``limit``, only the ``limit`` entries least certain (P nearest one half), still best
        first: at 100,000 entries the band can hold 20,000, and the page shows the closest calls.
        """
        if self.snapshot is None or not self.close_calls:
            return []
        qs = self._band_rows()
        if limit is not None and self.close_calls > limit:
            closest = qs.alias(doubt=Abs(F("p_above") - 0.5)).order_by("doubt", "position").values("pk")[:limit]
            qs = RankingRow.objects.filter(pk__in=closest)
        # The estimate and interval are the primary method's, which is also the name of its
        # column in the row ("model", or "z" when the judge model failed).
        primary = self.summary.get("primary", "model")
        band = qs.order_by("position").values_list("submission_id", "payload", "at_cut", "p_above", "submission__title")
        return [
            BandRow(
                submission_id=pk,
                title=title or f"Entry #{pk}",
                estimate=payload.get(primary),
                low=payload.get("low"),
                high=payload.get("high"),
                p_above=float(p_above),
                above=at_cut == ADVANCES,
            )
            for pk, payload, at_cut, p_above, title in band
        ]

    def judge_flags(self) -> list[FlagRow]:
        return [FlagRow(**row) for row in self.summary.get("judge_flags", [])]

    def caterpillar(self) -> Caterpillar | None:
        stored = self.summary.get("caterpillar")
        if not stored:
            return None
        return Caterpillar(
            svg=SafeString(stored["svg"]),  # rendered by judging.results.plots from numbers only, at refresh time
            rows=[PlotRow(**row) for row in stored["rows"]],
            first=stored["first"],
            last=stored["last"],
            total=stored["total"],
        )

    def judges_plot(self) -> SafeString:
        return SafeString(self.summary.get("judges_plot", ""))

    def criteria(self) -> list[CriterionStats]:
        stored = {row["criterion_id"]: row for row in self.summary.get("criteria", [])}
        nan = float("nan")
        stats = []
        for criterion in Criterion.objects.filter(round=self.round).order_by("position", "pk"):
            row = stored.get(criterion.pk, {})
            stats.append(
                CriterionStats(
                    criterion=criterion,
                    n=int(row.get("n", 0)),
                    mean=_float(row.get("mean"), nan),
                    sd=_float(row.get("sd"), nan),
                    correlation=_float(row.get("correlation"), nan),
                )
            )
        return stats


def _float(value: Any, default: float) -> float:
    return default if value is None else float(value)


def ranking_of(round_: Round) -> StoredRanking:
    """The round's stored ranking and its freshness (three queries)."""
    return StoredRanking(round=round_, snapshot=latest_snapshot(round_), current_key=ranking_state_key(round_))
