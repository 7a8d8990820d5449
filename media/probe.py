"""Safe probing of an untrusted upload, and the checks that reject what is not a film.

ffprobe reads the file only through the allow-listed demuxers and the ``file`` protocol,
with bounded probe size, so a playlist or concat script disguised as a film fails here,
before anything opens the files it points at. Every rejection names what was found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.conf import settings

from media.errors import PermanentError
from media.rules import FilmRules
from media.runner import RunFailed, RunTimedOut, TickCallback, default_limits, ffprobe_argv, run

PROBE_SIZE = 50 * 1024 * 1024  # bytes read to find streams
ANALYZE_DURATION = 30 * 1000 * 1000  # microseconds

_NOT_WHITELISTED = re.compile(r"\[([a-z0-9_]+) @ [^\]]*\] Format not on whitelist")
_DEMUXER_NAMES = {
    "hls": "an HLS playlist",
    "concat": "a concat script",
    "image2": "a still image",
    "mpjpeg": "a still image",
    "gif": "an animated GIF",
    "mp3": "an audio file",
    "wav": "an audio file",
    "flac": "an audio file",
    "aac": "an audio file",
    "ogg": "an audio file",
    "tty": "a text file",
    "srt": "a subtitle file",
    "webvtt": "a subtitle file",
    "ass": "a subtitle file",
}


# How each container is named to people, in the order they are listed.
CONTAINER_LABELS = {"mp4": "MP4", "mov": "MOV", "webm": "WebM", "mkv": "MKV", "avi": "AVI", "ts": "MPEG-TS"}
# Between two consecutive frames: a larger gap is a timestamp jump (a CFR rendition would
# repeat the last frame across it), as is a frame this far past the declared duration.
TIMESTAMP_JUMP_SECONDS = 30.0
TIMESTAMP_SLACK_SECONDS = 5.0


def accepted_containers(containers: Sequence[str]) -> str:
    """ "MP4, MOV or WebM": the containers an edition accepts (every readable one if none is listed)."""
    names = [CONTAINER_LABELS.get(name, name.upper()) for name in containers] or list(CONTAINER_LABELS.values())
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def runtime_rule(duration: float, rules: FilmRules) -> str:
    """The edition's runtime rule against a film's runtime (a finding's message)."""
    return (
        f"runtime {format_runtime(duration)}, this edition allows "
        f"{format_runtime(rules.runtime_min_seconds)}–{format_runtime(rules.runtime_max_seconds)}"
    )


def probe_argv(path: Path) -> list[str]:
    """ffprobe of an upload: JSON of format and streams, allow-listed demuxers only, bounded reads."""
    return ffprobe_argv(
        path,
        probesize=str(PROBE_SIZE),
        analyzeduration=str(ANALYZE_DURATION),
        show_format=None,
        show_streams=None,
        of="json",
    )


def describe_refused_format(stderr: str) -> str | None:
    """What kind of file the demuxer that ffprobe refused reads ("an HLS playlist"), if any."""
    match = _NOT_WHITELISTED.search(stderr)
    if match is None:
        return None
    demuxer = match.group(1)
    if demuxer.endswith("_pipe"):
        return "a still image"
    return _DEMUXER_NAMES.get(demuxer, f"a file of type “{demuxer}”")


def format_runtime(seconds: float) -> str:
    """11:42 or 1:02:03 (whole seconds, rounded down)."""
    whole = int(max(0.0, seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class SourceInfo:
    """What the probe found, in display terms (rotation applied)."""

    raw: dict[str, Any]
    container: str  # mp4, mov, webm, mkv, avi, ts
    duration: float
    width: int  # as displayed
    height: int
    fps: Fraction  # the rate renditions are made at (constant)
    variable_frame_rate: bool
    has_audio: bool
    video_codec: str
    audio_codec: str
    stream_count: int
    bit_rate: int

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


def _rate(value: str | None) -> Fraction:
    try:
        rate = Fraction(value or "0")
    except (ValueError, ZeroDivisionError):
        return Fraction(0)
    return rate if rate > 0 else Fraction(0)


def _rotation(stream: dict[str, Any]) -> int:
    for side in stream.get("side_data_list", []) or []:
        if "rotation" in side:
            try:
                return int(float(side["rotation"])) % 360
            except (TypeError, ValueError):
                return 0
    try:
        return int(float(stream.get("tags", {}).get("rotate", 0))) % 360
    except (TypeError, ValueError):
        return 0


_WEBM_CODECS = {"vp8", "vp9", "av1", "opus", "vorbis"}


def _container(format_name: str, format_tags: dict[str, str], codecs: set[str]) -> str:
    names = set(format_name.split(","))
    if "mp4" in names or "mov" in names:
        return "mov" if format_tags.get("major_brand", "").strip() == "qt" else "mp4"
    if "matroska" in names or "webm" in names:
        return "webm" if codecs and codecs <= _WEBM_CODECS else "mkv"
    if "avi" in names:
        return "avi"
    if "mpegts" in names:
        return "ts"
    return format_name


def interpret(raw: dict[str, Any], *, rules: FilmRules | None = None) -> SourceInfo:
    """Turn ffprobe JSON into SourceInfo, rejecting what is not a film Laurel can process.

    A runtime the edition's rules refuse is left to the eligibility check, which names the
    rule; Laurel's own limit refuses only what the rules would let through.
    """
    streams: list[dict[str, Any]] = raw.get("streams", []) or []
    fmt: dict[str, Any] = raw.get("format", {}) or {}
    if not fmt:
        raise PermanentError("The file is not a video Laurel can read.")
    max_streams = settings.LAUREL_MEDIA_MAX_STREAMS
    if len(streams) > max_streams:
        raise PermanentError(f"The file has {len(streams)} streams; at most {max_streams} are accepted.")
    video = [s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not video:
        if audio:
            raise PermanentError("The file has sound but no picture (audio only); a film needs a video stream.")
        raise PermanentError("The file has no video stream.")
    stream = video[0]
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    if width <= 0 or height <= 0:
        raise PermanentError("The video stream has no picture size; the file is damaged or not a film.")
    max_pixels = settings.LAUREL_MEDIA_MAX_PIXELS
    if width * height > max_pixels:
        raise PermanentError(
            f"The picture is {width}×{height}; Laurel accepts at most {max_pixels:,} pixels per frame."
        )
    if _rotation(stream) in (90, 270):
        width, height = height, width
    sar = _rate(stream.get("sample_aspect_ratio", "1:1").replace(":", "/"))
    if sar and sar != 1:
        width = max(2, round(width * sar))
    try:
        duration = float(fmt.get("duration") or stream.get("duration") or 0)
    except ValueError:
        duration = 0.0
    if duration <= 0:
        raise PermanentError("The file has no duration; it is a still image or damaged.")
    limit = settings.LAUREL_MEDIA_MAX_DURATION
    if duration > limit and (rules is None or duration <= rules.runtime_max_seconds):
        raise PermanentError(
            f"The film runs {format_runtime(duration)}; Laurel processes films of up to {format_runtime(limit)}."
        )
    nb_frames = str(stream.get("nb_frames") or "")
    if nb_frames.isdigit() and int(nb_frames) == 1:
        raise PermanentError("The file holds a single still picture, not a film.")
    average = _rate(stream.get("avg_frame_rate"))
    real = _rate(stream.get("r_frame_rate"))
    variable = bool(average and real and abs(float(average) - float(real)) > 0.01)
    # A variable-rate film is made constant at its nominal rate when that is a sane one (a
    # phone's 30 fps), else at its average rate (containers that report 90000 fps).
    rate = (real if variable and real <= 60 else average) or real or Fraction(25)
    # Renditions are constant-rate: the average rate, within 12-60 fps.
    fps = min(max(rate, Fraction(12)), Fraction(60))
    fps = fps.limit_denominator(1001)
    codecs = {str(s.get("codec_name", "")) for s in video[:1] + audio[:1]}
    try:
        bit_rate = int(fmt.get("bit_rate") or 0)
    except ValueError:
        bit_rate = 0
    return SourceInfo(
        raw=raw,
        container=_container(str(fmt.get("format_name", "")), fmt.get("tags", {}) or {}, codecs),
        duration=duration,
        width=width,
        height=height,
        fps=fps,
        variable_frame_rate=variable,
        has_audio=bool(audio),
        video_codec=str(stream.get("codec_name", "")),
        audio_codec=str(audio[0].get("codec_name", "")) if audio else "",
        stream_count=len(streams),
        bit_rate=bit_rate,
    )


def probe_source(
    path: Path, *, workdir: Path, rules: FilmRules | None = None, on_tick: TickCallback | None = None
) -> SourceInfo:
    """Probe an upload copied into the job's folder; PermanentError with a clear reason if refused.

    Reasons are one sentence and name only the containers the edition (``rules``) accepts.
    """
    size = path.stat().st_size
    if size == 0:
        raise PermanentError("The file is empty (0 bytes).")
    try:
        result = run(
            probe_argv(path),
            limits=default_limits(timeout=settings.LAUREL_MEDIA_PROBE_TIMEOUT),
            stderr_path=workdir / "probe.stderr",
            on_tick=on_tick,
        )
    except RunTimedOut as exc:
        raise PermanentError(
            f"Reading the file took longer than {settings.LAUREL_MEDIA_PROBE_TIMEOUT} s; it is damaged or not a film.",
            stderr_tail=exc.stderr_tail,
        ) from exc
    except RunFailed as exc:
        kind = describe_refused_format(exc.stderr_tail)
        allowed = accepted_containers(rules.allowed_containers if rules else ())
        if kind:
            reason = f"The file is {kind}, not a film (this edition accepts {allowed} video files)."
        elif "moov atom not found" in exc.stderr_tail:
            reason = "The file is incomplete (an MP4/MOV without its index, e.g. a cut-off upload)."
        else:
            reason = f"The file is not a video Laurel can read (this edition accepts {allowed} video files)."
        raise PermanentError(reason, stderr_tail=exc.stderr_tail) from exc
    try:
        raw = json.loads(result.stdout or "{}")
    except json.JSONDecodeError as exc:
        raise PermanentError("The file is not a video Laurel can read.", stderr_tail=result.stderr_tail) from exc
    return interpret(raw, rules=rules)


def timestamps_argv(path: Path) -> list[str]:
    """ffprobe of the first video stream's packet times (a demux, no decode), one ``pts,duration`` a line."""
    return ffprobe_argv(path, select_streams="v:0", show_entries="packet=pts_time,duration_time", of="csv=p=0")


def find_timestamp_jump(lines: str, duration: float) -> tuple[float, float] | None:
    """(where the picture stops, where the next frame is) of the first jump, in film time, if any.

    A jump is a gap between consecutive frames over ``TIMESTAMP_JUMP_SECONDS``, or a frame
    more than ``TIMESTAMP_SLACK_SECONDS`` past the declared duration: across either, a
    constant-rate rendition would repeat one frame for as long as the gap lasts.
    """
    frames: list[tuple[float, float]] = []
    for line in lines.splitlines():
        pts_text, _, length_text = line.partition(",")
        try:
            pts = float(pts_text)
        except ValueError:
            continue  # a packet without a timestamp
        try:
            length = float(length_text)
        except ValueError:
            length = 0.0
        frames.append((pts, length))
    frames.sort()
    if not frames:
        return None
    start = frames[0][0]
    end = 0.0  # where the picture shown so far ends, from the film's start
    for pts, length in frames:
        at = pts - start
        if at - end > TIMESTAMP_JUMP_SECONDS or at > duration + TIMESTAMP_SLACK_SECONDS:
            return round(end, 3), round(at, 3)
        end = max(end, at + length)
    return None


def check_timestamps(path: Path, info: SourceInfo, *, workdir: Path, on_tick: TickCallback | None = None) -> None:
    """Refuse a film whose frame timestamps jump (bounding the frames a rendition repeats)."""
    timeout = settings.LAUREL_MEDIA_PROBE_TIMEOUT + info.duration / 60
    try:
        result = run(
            timestamps_argv(path),
            limits=default_limits(timeout=timeout),
            stderr_path=workdir / "packets.stderr",
            on_tick=on_tick,
        )
    except RunTimedOut as exc:
        raise PermanentError(
            f"Reading the file's frame times took longer than {timeout:.0f} s; it is damaged or not a film.",
            stderr_tail=exc.stderr_tail,
        ) from exc
    except RunFailed as exc:
        raise PermanentError(
            "The file's frame times could not be read; it is damaged.", stderr_tail=exc.stderr_tail
        ) from exc
    jump = find_timestamp_jump(result.stdout, info.duration)
    if jump is not None:
        stops, next_frame = jump
        raise PermanentError(
            f"The film's timestamps jump from {format_runtime(stops)} to {format_runtime(next_frame)} "
            f"(it declares {format_runtime(info.duration)}); the file is damaged: export it again."
        )
