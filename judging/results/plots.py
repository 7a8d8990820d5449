"""The results page's pictures, drawn on the server as inline SVG (no script, no inline style).

``caterpillar``: every entry's calibrated score with its 95 % interval, best first, the
cut line and the tie band; above ``WINDOW`` entries it zooms to the cut (the positions
around it) and says which ones it shows. ``leniency_scale``: one dot per judge, leniency
against scale, with the average judge's lines. Both come with the rows of an accessible
table that says the same. Colours and strokes live in ``static/laurel/results.css``
(classes only), so the page's look stays in one place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from judging.results.calibration import CutReport, Ranking

WINDOW = 200  # entries drawn at most: beyond it, the positions around the cut
WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 36


@dataclass(frozen=True)
class PlotRow:
    position: int
    submission_id: int
    estimate: float
    low: float
    high: float
    in_band: bool


@dataclass(frozen=True)
class Caterpillar:
    svg: SafeString
    rows: list[PlotRow]
    first: int  # 1-based positions shown
    last: int
    total: int


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if not high > low:
        return [low]
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * step:
            step *= factor
            break
    start = math.ceil(low / step) * step
    return [round(start + i * step, 6) for i in range(int((high - start) / step) + 1)]


def _n(value: float) -> str:
    return f"{value:.1f}"


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def caterpillar(ranking: Ranking, cut: CutReport | None, entry_ids: Sequence[int]) -> Caterpillar:
    """The caterpillar plot of a ranking (``entry_ids``: entry index -> submission id)."""
    total = len(ranking)
    if total == 0:
        return Caterpillar(svg=SafeString(""), rows=[], first=0, last=0, total=0)
    if total <= WINDOW:
        start = 0
    else:
        centre = cut.count if cut is not None and cut.count else WINDOW // 2
        start = max(0, min(total - WINDOW, centre - WINDOW // 2))
    stop = min(total, start + WINDOW)
    band = set(cut.band.tolist()) if cut is not None else set()
    rows = [
        PlotRow(
            position=p + 1,
            submission_id=int(entry_ids[int(ranking.order[p])]),
            estimate=float(ranking.estimate[p]),
            low=float(ranking.low[p]),
            high=float(ranking.high[p]),
            in_band=int(ranking.order[p]) in band,
        )
        for p in range(start, stop)
    ]
    values = _finite([r.low for r in rows] + [r.high for r in rows] + [r.estimate for r in rows])
    y_low, y_high = min(values), max(values)
    if cut is not None and math.isfinite(cut.cut_value):
        y_low, y_high = min(y_low, cut.cut_value), max(y_high, cut.cut_value)
    pad = (y_high - y_low) * 0.05 or 0.5
    y_low, y_high = y_low - pad, y_high + pad
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(position: int) -> float:
        span = max(stop - start, 1)
        return LEFT + (position - start - 0.5) / span * inner_w

    def y(value: float) -> float:
        clipped = min(max(value, y_low), y_high) if math.isfinite(value) else (y_high if value > 0 else y_low)
        return TOP + (y_high - clipped) / (y_high - y_low) * inner_h

    parts: list[str] = []
    for tick in _ticks(y_low, y_high):
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                _n(y(tick)),
                _n(y(tick)),
                LEFT - 6,
                _n(y(tick) + 4),
                f"{tick:g}",
            )
        )
    for row in rows:
        cls = " band" if row.in_band else ""
        cx = x(row.position)
        parts.append(
            format_html(
                '<line class="interval{}" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<circle class="estimate{}" cx="{}" cy="{}" r="{}"/>',
                cls,
                _n(cx),
                _n(cx),
                _n(y(row.low)),
                _n(y(row.high)),
                cls,
                _n(cx),
                _n(y(row.estimate)),
                2 if len(rows) > 60 else 3,
            )
        )
    if cut is not None and math.isfinite(cut.cut_value):
        parts.append(
            format_html(
                '<line class="cut-line" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="cut-label" x="{}" y="{}" text-anchor="end">cut {}</text>',
                LEFT,
                WIDTH - RIGHT,
                _n(y(cut.cut_value)),
                _n(y(cut.cut_value)),
                WIDTH - RIGHT,
                _n(y(cut.cut_value) - 4),
                f"{cut.cut_value:.2f}",
            )
        )
    shown = f"positions {start + 1}-{stop} of {total}" + (" (around the cut)" if total > WINDOW else "")
    band_count = sum(r.in_band for r in rows)
    description = (
        f"Calibrated scores with 95 % intervals, best first, {shown}. "
        + (f"The cut is at {cut.cut_value:.2f}; " if cut is not None and math.isfinite(cut.cut_value) else "")
        + (f"{band_count} entries shown are in the tie band." if cut is not None else "No advancement rule is set.")
    )
    svg = format_html(
        '<svg class="plot caterpillar" viewBox="0 0 {} {}" role="img" aria-labelledby="caterpillar-title '
        'caterpillar-desc"><title id="caterpillar-title">Calibrated scores and intervals</title>'
        '<desc id="caterpillar-desc">{}</desc>'
        '<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>{}'
        '<text class="axis-label" x="{}" y="{}" text-anchor="middle">rank position ({})</text>'
        '<text class="axis-label" x="12" y="{}" text-anchor="middle" transform="rotate(-90 12 {})">'
        "calibrated score</text></svg>",
        WIDTH,
        HEIGHT,
        description,
        LEFT,
        LEFT,
        TOP,
        HEIGHT - BOTTOM,
        mark_safe("".join(parts)),  # noqa: S308 (every part is built by format_html)
        _n(LEFT + inner_w / 2),
        HEIGHT - 8,
        shown,
        _n(TOP + inner_h / 2),
        _n(TOP + inner_h / 2),
    )
    return Caterpillar(svg=svg, rows=rows, first=start + 1, last=stop, total=total)


@dataclass(frozen=True)
class JudgePoint:
    name: str
    leniency: float
    scale: float
    flagged: bool


def leniency_scale(points: Sequence[JudgePoint]) -> SafeString:
    """Judges' leniency (x, points) against scale (y, 1 = average), flagged judges marked."""
    usable = [p for p in points if math.isfinite(p.leniency) and math.isfinite(p.scale)]
    if not usable:
        return SafeString("")
    reach = max(max(abs(p.leniency) for p in usable), 0.5) * 1.1
    s_low = min(min(p.scale for p in usable), 0.5)
    s_high = max(max(p.scale for p in usable), 1.5)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(value: float) -> float:
        return LEFT + (value + reach) / (2 * reach) * inner_w

    def y(value: float) -> float:
        return TOP + (s_high - value) / (s_high - s_low) * inner_h

    grid = format_html_join(
        "",
        '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
        ((LEFT, WIDTH - RIGHT, _n(y(t)), _n(y(t)), LEFT - 6, _n(y(t) + 4), f"{t:g}") for t in _ticks(s_low, s_high)),
    )
    xgrid = format_html_join(
        "",
        '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((_n(x(t)), HEIGHT - BOTTOM + 14, f"{t:+g}" if t else "0") for t in _ticks(-reach, reach)),
    )
    dots = format_html_join(
        "",
        '<circle class="judge{}" cx="{}" cy="{}" r="4"><title>{}: leniency {}, scale {}</title></circle>',
        (
            (
                " flagged" if p.flagged else "",
                _n(x(p.leniency)),
                _n(y(p.scale)),
                p.name,
                f"{p.leniency:+.2f}",
                f"{p.scale:.2f}",
            )
            for p in usable
        ),
    )
    flagged = sum(p.flagged for p in usable)
    description = escape(
        f"{len(usable)} judges: leniency (points above the average judge) across, scale (1 = average) up; "
        f"{flagged} flagged for scores that differ by category or AI-use disclosure."
    )
    return format_html(
        '<svg class="plot judges-plot" viewBox="0 0 {} {}" role="img" aria-labelledby="judges-plot-title '
        'judges-plot-desc"><title id="judges-plot-title">Judges: leniency against scale</title>'
        '<desc id="judges-plot-desc">{}</desc>{}{}'
        '<line class="reference" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<line class="reference" x1="{}" x2="{}" y1="{}" y2="{}"/>{}'
        '<text class="axis-label" x="{}" y="{}" text-anchor="middle">leniency (points)</text>'
        '<text class="axis-label" x="12" y="{}" text-anchor="middle" transform="rotate(-90 12 {})">'
        "scale (1 = average)</text></svg>",
        WIDTH,
        HEIGHT,
        description,
        grid,
        xgrid,
        _n(x(0.0)),
        _n(x(0.0)),
        TOP,
        HEIGHT - BOTTOM,
        LEFT,
        WIDTH - RIGHT,
        _n(y(1.0)),
        _n(y(1.0)),
        dots,
        _n(LEFT + inner_w / 2),
        HEIGHT - 4,
        _n(TOP + inner_h / 2),
        _n(TOP + inner_h / 2),
    )
