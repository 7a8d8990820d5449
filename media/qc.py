"""Technical QC / eligibility: measurements parsed from the one-decode pass, and findings.

A finding is {code, severity, message, value}. Codes in ``ELIGIBILITY`` break the edition's
rules and are always errors (the job fails, naming the rule and the value); the others are
warnings unless the edition lists their code in ``FilmRules.blocking_qc``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from festival.qc_codes import ELIGIBILITY, QC_CODES, Eligibility, QCCheck
from media.probe import SourceInfo, format_runtime, runtime_rule
from media.rules import FilmRules

LOUDNESS_RANGE = (-27.0, -13.0)  # LUFS: outside this a film sounds far too quiet or loud next to others
TRUE_PEAK_MAX = -1.0  # dBTP (EBU R128 / streaming practice)
MIN_FPS = 15.0
HEAD_TAIL_SECONDS = 3.0  # black/silence longer than this at the head or tail is reported
LONG_RUN_SECONDS = 10.0  # and this long anywhere

_SUMMARY = re.compile(r"Summary:\s*\n(?P<body>(?:.*\n?){0,12})")
_I = re.compile(r"^\s*I:\s*(-?[\d.]+|-inf)\s*LUFS", re.M)
_LRA = re.compile(r"^\s*LRA:\s*(-?[\d.]+)\s*LU\s*$", re.M)
_PEAK = re.compile(r"^\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS", re.M)
_BLACK = re.compile(r"black_start:\s*(-?[\d.]+)\s+black_end:\s*(-?[\d.]+)")
_SILENCE_START = re.compile(r"silence_start:\s*(-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end:\s*(-?[\d.]+)")
_PTS_TIME = re.compile(r"pts_time:\s*(-?[\d.]+)")


def _number(text: str) -> float | None:
    return None if text == "-inf" else float(text)


@dataclass
class Measurements:
    integrated_lufs: float | None = None
    loudness_range: float | None = None
    true_peak_dbtp: float | None = None
    black: list[tuple[float, float]] = field(default_factory=list)
    silence: list[tuple[float, float]] = field(default_factory=list)
    scene_cuts: list[float] = field(default_factory=list)


def parse_loudness(stderr: str) -> tuple[float | None, float | None, float | None]:
    """(integrated LUFS, LRA, true peak dBTP) from the last ebur128 summary (ffmpeg may print
    a first one for a graph it configured and threw away)."""
    summaries = list(_SUMMARY.finditer(stderr))
    if not summaries:
        return None, None, None
    body = summaries[-1].group("body")
    i, lra, peak = _I.search(body), _LRA.search(body), _PEAK.search(body)
    return (
        _number(i.group(1)) if i else None,
        float(lra.group(1)) if lra else None,
        _number(peak.group(1)) if peak else None,
    )


def parse_black(stderr: str) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in _BLACK.findall(stderr)]


def parse_silence(stderr: str, duration: float) -> list[tuple[float, float]]:
    """Silent runs; a run still silent at the end closes at the film's end."""
    runs: list[tuple[float, float]] = []
    start: float | None = None
    for line in stderr.splitlines():
        started = _SILENCE_START.search(line)
        if started:
            start = max(0.0, float(started.group(1)))
        ended = _SILENCE_END.search(line)
        if ended and start is not None:
            runs.append((start, float(ended.group(1))))
            start = None
    if start is not None:
        runs.append((start, duration))
    return runs


def parse_scene_cuts(path: Path) -> list[float]:
    """Times of the frames the scene filter selected (metadata=print output)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return [round(float(t), 3) for t in _PTS_TIME.findall(text) if float(t) > 0]


def measure(stderr_path: Path, scenes_path: Path, duration: float) -> Measurements:
    stderr = stderr_path.read_text(encoding="utf-8", errors="replace") if stderr_path.exists() else ""
    integrated, lra, peak = parse_loudness(stderr)
    return Measurements(
        integrated_lufs=integrated,
        loudness_range=lra,
        true_peak_dbtp=peak,
        black=parse_black(stderr),
        silence=parse_silence(stderr, duration),
        scene_cuts=parse_scene_cuts(scenes_path),
    )


def _finding(code: str, message: str, value: Any, rules: FilmRules) -> dict[str, Any]:
    if code not in QC_CODES:
        raise ValueError(f"{code!r} is not a QC code of festival.qc_codes")
    blocking = code in ELIGIBILITY or code in rules.blocking_qc
    return {"code": str(code), "severity": "error" if blocking else "warning", "message": message, "value": value}


def eligibility_findings(info: SourceInfo, rules: FilmRules, *, size_bytes: int) -> list[dict[str, Any]]:
    """Checks against the edition's rules, decidable from the probe alone (run before transcoding)."""
    findings: list[dict[str, Any]] = []
    low, high = rules.runtime_min_seconds, rules.runtime_max_seconds
    if not low <= info.duration <= high:
        findings.append(
            _finding(Eligibility.RUNTIME, runtime_rule(info.duration, rules), round(info.duration, 3), rules)
        )
    if rules.allowed_containers and info.container not in rules.allowed_containers:
        findings.append(
            _finding(
                Eligibility.CONTAINER,
                f"container {info.container.upper()}, this edition accepts "
                + ", ".join(name.upper() for name in rules.allowed_containers),
                info.container,
                rules,
            )
        )
    if info.short_side < rules.min_short_side_px:
        findings.append(
            _finding(
                Eligibility.RESOLUTION,
                f"picture {info.width}×{info.height}, this edition needs at least "
                f"{rules.min_short_side_px} px on the short side",
                [info.width, info.height],
                rules,
            )
        )
    if rules.max_file_size_bytes and size_bytes > rules.max_file_size_bytes:
        findings.append(
            _finding(
                Eligibility.FILE_SIZE,
                f"file size {size_bytes / 1024**2:,.0f} MB, this edition allows "
                f"{rules.max_file_size_bytes / 1024**2:,.0f} MB",
                size_bytes,
                rules,
            )
        )
    return findings


def _runs_at(runs: list[tuple[float, float]], duration: float) -> tuple[float, float, float]:
    """(length at the head, length at the tail, longest run anywhere)."""
    head = sum(end - start for start, end in runs if start <= 0.1 and end - start > 0)
    tail = sum(end - start for start, end in runs if end >= duration - 0.25)
    longest = max((end - start for start, end in runs), default=0.0)
    return round(head, 2), round(tail, 2), round(longest, 2)


def technical_findings(info: SourceInfo, measured: Measurements, rules: FilmRules) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    fps = float(info.fps)
    if fps < MIN_FPS:
        findings.append(
            _finding(QCCheck.FRAME_RATE, f"frame rate {fps:.2f} fps is below {MIN_FPS:.0f} fps", fps, rules)
        )
    if info.variable_frame_rate:
        findings.append(
            _finding(QCCheck.VARIABLE_FRAME_RATE, f"variable frame rate; renditions play at {fps:.3f} fps", fps, rules)
        )
    if not info.has_audio:
        findings.append(_finding(QCCheck.NO_AUDIO, "the film has no sound track", None, rules))
    else:
        lufs, peak = measured.integrated_lufs, measured.true_peak_dbtp
        if lufs is None or lufs <= -69.0:
            findings.append(_finding(QCCheck.LOUDNESS, "the sound track is silent", lufs, rules))
        elif not LOUDNESS_RANGE[0] <= lufs <= LOUDNESS_RANGE[1]:
            findings.append(
                _finding(
                    QCCheck.LOUDNESS,
                    f"integrated loudness {lufs:.1f} LUFS, expected {LOUDNESS_RANGE[0]:.0f} to "
                    f"{LOUDNESS_RANGE[1]:.0f} LUFS",
                    lufs,
                    rules,
                )
            )
        if peak is not None and peak > TRUE_PEAK_MAX:
            findings.append(
                _finding(QCCheck.TRUE_PEAK, f"true peak {peak:.1f} dBTP, above {TRUE_PEAK_MAX:.0f} dBTP", peak, rules)
            )
        head, tail, longest = _runs_at(measured.silence, info.duration)
        findings += _run_findings("silence", "silence", head, tail, longest, rules)
    head, tail, longest = _runs_at(measured.black, info.duration)
    findings += _run_findings("black", "black picture", head, tail, longest, rules)
    return findings


def _run_findings(
    code: str, label: str, head: float, tail: float, longest: float, rules: FilmRules
) -> list[dict[str, Any]]:
    findings = []
    if head > HEAD_TAIL_SECONDS:
        findings.append(_finding(f"{code}_head", f"{head:.1f} s of {label} at the start", head, rules))
    if tail > HEAD_TAIL_SECONDS:
        findings.append(_finding(f"{code}_tail", f"{tail:.1f} s of {label} at the end", tail, rules))
    if longest > LONG_RUN_SECONDS and longest not in (head, tail):
        findings.append(_finding(f"{code}_run", f"{longest:.1f} s of {label} in one run", longest, rules))
    return findings


def metrics_of(info: SourceInfo, measured: Measurements | None) -> dict[str, Any]:
    metrics: dict[str, Any] = {
        "duration": round(info.duration, 3),
        "duration_label": format_runtime(info.duration),
        "width": info.width,
        "height": info.height,
        "fps": round(float(info.fps), 3),
        "variable_frame_rate": info.variable_frame_rate,
        "container": info.container,
        "video_codec": info.video_codec,
        "audio_codec": info.audio_codec,
        "has_audio": info.has_audio,
        "bit_rate": info.bit_rate,
        "integrated_lufs": None,
        "loudness_range": None,
        "true_peak_dbtp": None,
    }
    if measured is not None:
        metrics.update(
            {
                "integrated_lufs": measured.integrated_lufs,
                "loudness_range": measured.loudness_range,
                "true_peak_dbtp": measured.true_peak_dbtp,
                "black": [list(run) for run in measured.black],
                "silence": [list(run) for run in measured.silence],
                "scene_cuts": measured.scene_cuts,
            }
        )
    return metrics
