"""The one-decode pass: every rendition and every analysis input from a single ffmpeg process.

The source is decoded once and split: each HLS rung is scaled and encoded once (the MP4
fallback is the same encode written by the ``tee`` muxer), and a small analysis branch
feeds scene-cut detection, black detection and the storyboard and poster frames, while
the audio branch feeds EBU R128 loudness (true peak) and silence detection. Only what a
plan asks for is built, so a re-run encodes only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from media.probe import SourceInfo
from media.runner import ffmpeg_base, untrusted_input

# Short side of each rung and its bitrate cap (kbit/s); never above the source's short side.
LADDER: tuple[tuple[int, int], ...] = ((1080, 6000), (720, 3500), (480, 1500))
SMALL_RUNG_KBPS = 900
MP4_TARGET_SHORT_SIDE = 720
SEGMENT_SECONDS = 4
KEYFRAME_SECONDS = 2
AUDIO_KBPS = 128
ANALYSIS_HEIGHT = 180
STORYBOARD_HEIGHT = 90
POSTER_CANDIDATES = 12
POSTER_MAX_SIDE = 1280
SCENE_THRESHOLD = 0.3
BLACK_MIN_SECONDS = 0.5
SILENCE_NOISE_DB = -50
SILENCE_MIN_SECONDS = 1.0


def _even(value: float) -> int:
    return max(2, round(value / 2.0) * 2)


@dataclass(frozen=True)
class Rung:
    name: str  # "720p": its short side
    width: int
    height: int
    max_kbps: int

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


def ladder_for(width: int, height: int) -> list[Rung]:
    """HLS rungs for a display size: 1080/720/480 by short side, never upscaled, even sizes.

    Vertical and square films keep their shape (the short side is what 720p means). A
    source smaller than 480 gets one rung at its own (even) size.
    """
    short, long = min(width, height), max(width, height)
    rungs: list[Rung] = []
    for target, kbps in LADDER:
        if target > short:
            continue
        scaled_long = _even(long * target / short)
        w, h = (scaled_long, target) if width >= height else (target, scaled_long)
        rungs.append(Rung(name=f"{target}p", width=w, height=h, max_kbps=kbps))
    if not rungs:
        # Round odd sizes down, never up: no upscaling.
        w, h = max(2, width - width % 2), max(2, height - height % 2)
        rungs.append(Rung(name=f"{min(w, h)}p", width=w, height=h, max_kbps=SMALL_RUNG_KBPS))
    return rungs


def mp4_rung(rungs: list[Rung]) -> Rung:
    """The rung also written as a progressive MP4 (the fallback): 720p, or the best below it."""
    fitting = [rung for rung in rungs if rung.short_side <= MP4_TARGET_SHORT_SIDE]
    return max(fitting, key=lambda r: r.short_side) if fitting else min(rungs, key=lambda r: r.short_side)


@dataclass(frozen=True)
class Plan:
    """What one run of the pass produces (a re-run leaves out what is already stored)."""

    source: Path
    out: Path  # the job's output folder (hls/, mp4/, frames/ ...)
    fps: Fraction
    duration: float
    has_audio: bool
    rungs: list[Rung] = field(default_factory=list)  # HLS rungs to encode
    mp4: Rung | None = None  # one of ``rungs`` also written as MP4 (must be in ``rungs``)
    frames: bool = True  # storyboard and poster-candidate frames
    analysis: bool = True  # scene cuts, black, loudness, silence
    threads: int = 2
    preset: str = "veryfast"

    @property
    def storyboard_interval(self) -> float:
        """Seconds between storyboard thumbnails: every 2 s, at most ~100 thumbnails."""
        return max(2.0, self.duration / 100.0)

    @property
    def poster_interval(self) -> float:
        return max(0.5, self.duration / POSTER_CANDIDATES)

    @property
    def is_empty(self) -> bool:
        return not (self.rungs or self.frames or self.analysis)


def output_folders(plan: Plan) -> list[Path]:
    """Folders the pass writes into (created before it runs)."""
    folders = [plan.out / "hls" / rung.name for rung in plan.rungs]
    if plan.mp4 is not None:
        folders.append(plan.out / "mp4")
    if plan.frames:
        folders += [plan.out / "frames" / "storyboard", plan.out / "frames" / "poster"]
    return folders


def _fps(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _video_encoder(plan: Plan, rung: Rung) -> list[str]:
    gop = max(1, round(float(plan.fps) * KEYFRAME_SECONDS))
    return [
        "-c:v",
        "libx264",
        "-threads",
        str(plan.threads),
        "-preset",
        plan.preset,
        "-profile:v",
        "high",
        "-level:v",
        "4.2",
        "-crf",
        "21",
        "-maxrate",
        f"{rung.max_kbps}k",
        "-bufsize",
        f"{rung.max_kbps * 2}k",
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",  # keyframes at the same instants in every rung: segments align
        "-fps_mode",
        "cfr",
    ]


def _audio_encoder() -> list[str]:
    return ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2", "-ar", "48000"]


def _hls_options(folder: Path) -> dict[str, str]:
    return {
        "hls_time": str(SEGMENT_SECONDS),
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": str(folder / "%05d.m4s"),
        "hls_flags": "independent_segments",
    }


def filter_graph(plan: Plan) -> str:
    """The filtergraph of the pass (one decode of video and audio, split into every branch)."""
    parts: list[str] = []
    video_branches = [f"r{i}" for i in range(len(plan.rungs))]
    wants_analysis = plan.frames or plan.analysis
    # The analysis branch is a further downscale of the smallest rung when there is one
    # (cheaper than scaling the full-size picture a second time).
    smallest = min(range(len(plan.rungs)), key=lambda i: plan.rungs[i].short_side) if plan.rungs else None
    if wants_analysis and smallest is None:
        video_branches.append("an")
    if plan.frames:
        video_branches.append("po")
    # Constant frame rate first (VFR sources), 8-bit 4:2:0 (what every player decodes).
    parts.append(
        f"[0:v:0]fps={_fps(plan.fps)},format=yuv420p,split={len(video_branches)}"
        + "".join(f"[{name}]" for name in video_branches)
    )
    for i, rung in enumerate(plan.rungs):
        tail = f"split=2[vo{i}][an]" if wants_analysis and i == smallest else f"null[vo{i}]"
        parts.append(f"[r{i}]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1,{tail}")
    if wants_analysis:
        chain = f"[an]scale=-2:{ANALYSIS_HEIGHT}:flags=fast_bilinear,setsar=1"
        if plan.analysis:
            chain += f",blackdetect=d={BLACK_MIN_SECONDS}:pix_th=0.10"
        shot_file = plan.out / "scenes.txt"
        scene = f"select='gt(scene\\,{SCENE_THRESHOLD})',metadata=print:file={_filter_path(shot_file)}"
        if plan.frames:
            parts.append(chain + ",split=2[sc][sb]")
            parts.append(f"[sc]{scene},nullsink")
            parts.append(f"[sb]fps=1/{plan.storyboard_interval:.3f}:round=down,scale=-2:{STORYBOARD_HEIGHT}[story]")
        else:
            parts.append(chain + f",{scene},nullsink")
    if plan.frames:
        parts.append(
            f"[po]fps=1/{plan.poster_interval:.3f}:round=down,"
            f"scale='min({POSTER_MAX_SIDE},iw)':'min({POSTER_MAX_SIDE},ih)':force_original_aspect_ratio=decrease,"
            f"scale=trunc(iw/2)*2:trunc(ih/2)*2[poster]"
        )
    if plan.has_audio:
        audio_branches = [f"a{i}" for i in range(len(plan.rungs))]
        if plan.analysis:
            audio_branches.append("aa")
        if audio_branches:
            parts.append(
                "[0:a:0]aresample=48000,aformat=channel_layouts=stereo,"
                f"asplit={len(audio_branches)}" + "".join(f"[{name}]" for name in audio_branches)
            )
        if plan.analysis:
            parts.append(
                "[aa]ebur128=peak=true:framelog=verbose,"
                f"silencedetect=n={SILENCE_NOISE_DB}dB:d={SILENCE_MIN_SECONDS},anullsink"
            )
    return ";".join(parts)


def _filter_path(path: Path) -> str:
    """A path inside a filter argument: escape what the filtergraph parser treats specially."""
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,").replace("'", "\\'")


def _tee_target(options: dict[str, str], target: Path) -> str:
    escaped = ":".join(f"{key}={value}" for key, value in options.items())
    return f"[{escaped}]{target}"


def transcode_argv(plan: Plan) -> list[str]:
    """The whole pass as one ffmpeg argv (progress on stdout, ``-progress pipe:1``)."""
    argv = ffmpeg_base(threads=plan.threads)
    # -t: no output runs past the probed duration, whatever the frame timestamps say.
    argv += ["-loglevel", "info", "-t", f"{plan.duration:.3f}", *untrusted_input(plan.source)]
    argv += ["-filter_complex", filter_graph(plan)]
    for i, rung in enumerate(plan.rungs):
        folder = plan.out / "hls" / rung.name
        argv += ["-map", f"[vo{i}]"]
        if plan.has_audio:
            argv += ["-map", f"[a{i}]"]
        argv += _video_encoder(plan, rung)
        if plan.has_audio:
            argv += _audio_encoder()
        argv += ["-map_metadata", "-1", "-map_chapters", "-1"]
        hls = _hls_options(folder)
        if plan.mp4 == rung:
            # One encode, two files: the HLS rung and the progressive MP4 fallback.
            argv += ["-flags", "+global_header", "-f", "tee"]
            argv.append(
                _tee_target({"f": "hls", **hls}, folder / "index.m3u8")
                + "|"
                + _tee_target({"f": "mp4", "movflags": "+faststart"}, plan.out / "mp4" / f"{rung.name}.mp4")
            )
        else:
            argv += ["-f", "hls"]
            for key, value in hls.items():
                argv += [f"-{key}", value]
            argv.append(str(folder / "index.m3u8"))
    if plan.frames:
        frames = plan.out / "frames"
        argv += ["-map", "[story]", "-fps_mode", "vfr", "-q:v", "5", str(frames / "storyboard" / "%05d.jpg")]
        argv += ["-map", "[poster]", "-fps_mode", "vfr", "-q:v", "2", str(frames / "poster" / "%05d.jpg")]
    if not plan.rungs and not plan.frames:
        argv += ["-f", "null", "-"]  # analysis only: the sinks live in the graph
    argv += ["-progress", "pipe:1"]
    return argv


def bare_ladder_argv(source: Path, out: Path, info: SourceInfo, *, threads: int, preset: str) -> list[str]:
    """The bar the pass is measured against: the same ladder encode, nothing else (benchmark)."""
    rungs = ladder_for(info.width, info.height)
    plan = Plan(
        source=source,
        out=out,
        fps=info.fps,
        duration=info.duration,
        has_audio=info.has_audio,
        rungs=rungs,
        mp4=None,
        frames=False,
        analysis=False,
        threads=threads,
        preset=preset,
    )
    return transcode_argv(plan)


def plan_for(
    info: SourceInfo,
    *,
    source: Path,
    out: Path,
    missing_rungs: set[str] | None,
    need_mp4: bool,
    need_frames: bool,
    need_analysis: bool,
    threads: int,
    preset: str,
) -> Plan:
    """A plan for what is still missing (``missing_rungs`` None = all of them)."""
    ladder = ladder_for(info.width, info.height)
    fallback = mp4_rung(ladder)
    rungs = [rung for rung in ladder if missing_rungs is None or rung.name in missing_rungs]
    if need_mp4 and fallback not in rungs:
        rungs.append(fallback)  # the MP4 comes from its rung's encode
    return Plan(
        source=source,
        out=out,
        fps=info.fps,
        duration=info.duration,
        has_audio=info.has_audio,
        rungs=rungs,
        mp4=fallback if need_mp4 else None,
        frames=need_frames,
        analysis=need_analysis,
        threads=threads,
        preset=preset,
    )


def master_playlist(variants: list[dict[str, object]]) -> str:
    """HLS master playlist with relative URIs (so it resolves under any mount).

    Each variant: name, width, height, bandwidth (peak bit/s), average (bit/s), fps, audio.
    """
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in sorted(variants, key=lambda v: -int(str(v["bandwidth"]))):
        codecs = "avc1.64002a,mp4a.40.2" if variant["audio"] else "avc1.64002a"
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={variant['bandwidth']},AVERAGE-BANDWIDTH={variant['average']},"
            f"RESOLUTION={variant['width']}x{variant['height']},FRAME-RATE={float(str(variant['fps'])):.3f},"
            f'CODECS="{codecs}"'
        )
        lines.append(f"{variant['name']}/index.m3u8")
    return "\n".join(lines) + "\n"
