"""QC parsing and findings as pure functions (no ffmpeg)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from media.probe import SourceInfo
from media.qc import (
    Measurements,
    eligibility_findings,
    parse_black,
    parse_loudness,
    parse_scene_cuts,
    parse_silence,
    technical_findings,
)
from media.rules import FilmRules

STDERR = """\
[Parsed_ebur128_15 @ 0x1] Summary:

  Integrated loudness:
    I:         -70.0 LUFS
    Threshold:   0.0 LUFS

  Loudness range:
    LRA:         0.0 LU

  True peak:
    Peak:       -inf dBFS
[silencedetect @ 0x2] silence_start: 0
[silencedetect @ 0x2] silence_end: 4.5 | silence_duration: 4.5
[blackdetect @ 0x3] black_start:0 black_end:4.2 black_duration:4.2
[silencedetect @ 0x2] silence_start: 20.25
[Parsed_ebur128_15 @ 0x4] Summary:

  Integrated loudness:
    I:         -11.2 LUFS
    Threshold: -21.5 LUFS

  Loudness range:
    LRA:         3.4 LU
    LRA low:   -14.0 LUFS
    LRA high:  -10.6 LUFS

  True peak:
    Peak:       -0.3 dBFS
"""

RULES = FilmRules(
    runtime_min_seconds=60,
    runtime_max_seconds=600,
    max_file_size_bytes=1000,
    allowed_containers=("mp4",),
    min_short_side_px=720,
)


def info(**overrides: object) -> SourceInfo:
    values: dict[str, object] = {
        "raw": {},
        "container": "mp4",
        "duration": 24.0,
        "width": 1920,
        "height": 1080,
        "fps": Fraction(24),
        "variable_frame_rate": False,
        "has_audio": True,
        "video_codec": "h264",
        "audio_codec": "aac",
        "stream_count": 2,
        "bit_rate": 1,
    }
    values.update(overrides)
    return SourceInfo(**values)  # type: ignore[arg-type]


def test_parsers_read_the_last_loudness_summary_and_every_run(tmp_path: Path) -> None:
    assert parse_loudness(STDERR) == (-11.2, 3.4, -0.3)
    assert parse_black(STDERR) == [(0.0, 4.2)]
    assert parse_silence(STDERR, 24.0) == [(0.0, 4.5), (20.25, 24.0)]
    scenes = tmp_path / "scenes.txt"
    scenes.write_text(
        "frame:0    pts:75      pts_time:3\nlavfi.scene_score=0.83\nframe:1    pts:300      pts_time:12.04\n"
    )
    assert parse_scene_cuts(scenes) == [3.0, 12.04]
    assert parse_scene_cuts(tmp_path / "missing.txt") == []


def test_eligibility_names_the_rule_and_the_value() -> None:
    findings = eligibility_findings(
        info(duration=702.4, container="mov", width=1280, height=534), RULES, size_bytes=5 * 1024**2
    )
    runtime = "runtime 11:42, this edition allows 1:00–10:00"
    assert findings == [
        {"code": "runtime", "severity": "error", "message": runtime, "value": 702.4},
        {
            "code": "container",
            "severity": "error",
            "message": "container MOV, this edition accepts MP4",
            "value": "mov",
        },
        {
            "code": "resolution",
            "severity": "error",
            "message": "picture 1280×534, this edition needs at least 720 px on the short side",
            "value": [1280, 534],
        },
        {
            "code": "file_size",
            "severity": "error",
            "message": "file size 5 MB, this edition allows 0 MB",
            "value": 5 * 1024**2,
        },
    ]


def test_technical_findings_are_warnings_unless_the_edition_blocks_them() -> None:
    measured = Measurements(
        integrated_lufs=-11.2,
        loudness_range=3.4,
        true_peak_dbtp=-0.3,
        black=[(0.0, 4.2)],
        silence=[(0.0, 4.5), (20.25, 24.0)],
    )
    findings = technical_findings(info(), measured, RULES)
    assert [(f["code"], f["severity"], f["message"]) for f in findings] == [
        ("loudness", "warning", "integrated loudness -11.2 LUFS, expected -27 to -13 LUFS"),
        ("true_peak", "warning", "true peak -0.3 dBTP, above -1 dBTP"),
        ("silence_head", "warning", "4.5 s of silence at the start"),
        ("silence_tail", "warning", "3.8 s of silence at the end"),
        ("black_head", "warning", "4.2 s of black picture at the start"),
    ]
    strict = FilmRules.from_dict({**RULES.to_dict(), "blocking_qc": ["loudness", "no_audio"]})
    blocking = technical_findings(info(has_audio=False), Measurements(), strict)
    assert [(f["code"], f["severity"]) for f in blocking] == [("no_audio", "error")]
    assert FilmRules.from_dict(strict.to_dict()) == strict
