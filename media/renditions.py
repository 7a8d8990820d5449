"""The one-decode pass: every rendition and every analysis input from a single ffmpeg process.

The source is decoded once and split: each HLS rung is scaled and encoded once (the MP4
fallback is the same encode written by the ``tee`` muxer), and a small analysis branch
feeds scene-cut detection, black detection and the storyboard and poster frames, while
the audio branch feeds EBU R128 loudness (true peak) and silence detection. Only what a
plan asks for is built, so a re-run encodes only what is missing. The pass is described
with ffmpeg-python (filters and one output per file) and compiled by ``media.runner``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import ffmpeg

from media.probe import SourceInfo
from media.runner import Stream, ffmpeg_argv, untrusted_input

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


def _video_encoder(plan: Plan, rung: Rung) -> dict[str, str]:
    """Output options of one rung's H.264 encode (ffmpeg-python writes them sorted: none repeats)."""
    gop = str(max(1, round(float(plan.fps) * KEYFRAME_SECONDS)))
    return {
        "c:v": "libx264",
        "threads": str(plan.threads),
        "preset": plan.preset,
        "profile:v": "high",
        "level:v": "4.2",
        "crf": "21",
        "maxrate": f"{rung.max_kbps}k",
        "bufsize": f"{rung.max_kbps * 2}k",
        "g": gop,
        "keyint_min": gop,
        "sc_threshold": "0",  # keyframes at the same instants in every rung: segments align
        "fps_mode": "cfr",
    }


def _audio_encoder() -> dict[str, str]:
    return {"c:a": "aac", "b:a": f"{AUDIO_KBPS}k", "ac": "2", "ar": "48000"}


def _hls_options(folder: Path) -> dict[str, str]:
    return {
        "hls_time": str(SEGMENT_SECONDS),
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": str(folder / "%05d.m4s"),
        "hls_flags": "independent_segments",
    }


def _fan_out(stream: Stream, count: int, *, audio: bool = False) -> list[Stream]:
    """``count`` branches of one stream: a ``split``/``asplit`` (its outputs counted by
    ffmpeg-python from the branches used), or the stream itself when one is enough."""
    if count == 1:
        return [stream]
    node = stream.asplit() if audio else stream.split()
    return [node.stream(i) for i in range(count)]


@dataclass(frozen=True)
class _Graph:
    """The pass's filter graph as ffmpeg-python streams, by what each feeds."""

    rungs: list[Stream]  # the picture of each rung, scaled
    audio: list[Stream]  # the sound of each rung (empty without audio)
    story: Stream | None  # storyboard frames
    poster: Stream | None  # poster candidates
    analysis: list[Stream]  # ends of the analysis chains (their filters log; the frames are dropped)


def _graph(plan: Plan, source: Stream) -> _Graph:
    """One decode of video and audio, split into every branch (one ``-filter_complex``)."""
    wants_analysis = plan.frames or plan.analysis
    # The analysis branch is a further downscale of the smallest rung when there is one
    # (cheaper than scaling the full-size picture a second time).
    smallest = min(range(len(plan.rungs)), key=lambda i: plan.rungs[i].short_side) if plan.rungs else None
    own_analysis_branch = wants_analysis and smallest is None
    # Constant frame rate first (VFR sources), 8-bit 4:2:0 (what every player decodes).
    picture = source["v:0"].filter("fps", _fps(plan.fps)).filter("format", "yuv420p")
    branches = _fan_out(picture, len(plan.rungs) + int(own_analysis_branch) + int(plan.frames))
    rung_branches, rest = branches[: len(plan.rungs)], branches[len(plan.rungs) :]
    rungs: list[Stream] = []
    analysed: Stream | None = rest.pop(0) if own_analysis_branch else None
    for i, (rung, branch) in enumerate(zip(plan.rungs, rung_branches, strict=True)):
        scaled = branch.filter("scale", rung.width, rung.height, flags="bicubic").filter("setsar", "1")
        if wants_analysis and i == smallest:
            scaled, analysed = _fan_out(scaled, 2)
        rungs.append(scaled)
    story = poster = None
    analysis: list[Stream] = []
    if analysed is not None:
        chain = analysed.filter("scale", "-2", str(ANALYSIS_HEIGHT), flags="fast_bilinear").filter("setsar", "1")
        if plan.analysis:
            chain = chain.filter("blackdetect", d=str(BLACK_MIN_SECONDS), pix_th="0.10")
        if plan.frames:
            chain, sampled = _fan_out(chain, 2)
            story = sampled.filter("fps", f"1/{plan.storyboard_interval:.3f}", round="down").filter(
                "scale", "-2", str(STORYBOARD_HEIGHT)
            )
        # Every frame passes (and goes on to a null output: a stream that only carried the
        # cuts would hold back ffmpeg's first -progress report until the first cut); select
        # scores each frame, and metadata writes only the frames scored over the threshold.
        scored = chain.filter("select", "gte(scene,0)")
        analysis.append(
            scored.filter(
                "metadata",
                mode="print",
                key="lavfi.scene_score",
                function="greater",
                value=str(SCENE_THRESHOLD),
                file=str(plan.out / "scenes.txt"),
            )
        )
    if plan.frames:
        poster = (
            rest.pop(0)
            .filter("fps", f"1/{plan.poster_interval:.3f}", round="down")
            .filter(
                "scale",
                f"min({POSTER_MAX_SIDE},iw)",
                f"min({POSTER_MAX_SIDE},ih)",
                force_original_aspect_ratio="decrease",
            )
            .filter("scale", "trunc(iw/2)*2", "trunc(ih/2)*2")
        )
    audio: list[Stream] = []
    if plan.has_audio and (plan.rungs or plan.analysis):
        sound = source["a:0"].filter("aresample", "48000").filter("aformat", channel_layouts="stereo")
        audio = _fan_out(sound, len(plan.rungs) + int(plan.analysis), audio=True)
        if plan.analysis:
            measured = audio.pop().filter("ebur128", peak="true", framelog="verbose")
            analysis.append(measured.filter("silencedetect", n=f"{SILENCE_NOISE_DB}dB", d=str(SILENCE_MIN_SECONDS)))
    return _Graph(rungs=rungs, audio=audio, story=story, poster=poster, analysis=analysis)


def _tee_target(options: dict[str, str], target: Path) -> str:
    escaped = ":".join(f"{key}={value}" for key, value in options.items())
    return f"[{escaped}]{target}"


def transcode_argv(plan: Plan, *, progress: bool = True) -> list[str]:
    """The whole pass as one ffmpeg argv (progress on stdout, ``-progress pipe:1``)."""
    # -t: no output runs past the probed duration, whatever the frame timestamps say.
    source = untrusted_input(plan.source, t=f"{plan.duration:.3f}", threads=str(plan.threads))
    graph = _graph(plan, source)
    outputs: list[Stream] = []
    for i, rung in enumerate(plan.rungs):
        folder = plan.out / "hls" / rung.name
        # -map order is stream order: the picture, then the sound.
        streams = [graph.rungs[i], *([graph.audio[i]] if plan.has_audio else [])]
        options = {**_video_encoder(plan, rung), **(_audio_encoder() if plan.has_audio else {})}
        options.update(map_metadata="-1", map_chapters="-1")
        hls = _hls_options(folder)
        if plan.mp4 == rung:
            # One encode, two files: the HLS rung and the progressive MP4 fallback.
            target = (
                _tee_target({"f": "hls", **hls}, folder / "index.m3u8")
                + "|"
                + _tee_target({"f": "mp4", "movflags": "+faststart"}, plan.out / "mp4" / f"{rung.name}.mp4")
            )
            outputs.append(ffmpeg.output(*streams, target, format="tee", flags="+global_header", **options))
        else:
            outputs.append(ffmpeg.output(*streams, str(folder / "index.m3u8"), format="hls", **hls, **options))
    if graph.story is not None and graph.poster is not None:
        frames = plan.out / "frames"
        story, poster = str(frames / "storyboard" / "%05d.jpg"), str(frames / "poster" / "%05d.jpg")
        outputs.append(ffmpeg.output(graph.story, story, fps_mode="vfr", **{"q:v": "5"}))
        outputs.append(ffmpeg.output(graph.poster, poster, fps_mode="vfr", **{"q:v": "2"}))
    # Each analysis chain ends in a null output of its own: ffmpeg-python compiles only what
    # reaches an output (no sink filters), and one stream each keeps any muxer from waiting.
    outputs += [ffmpeg.output(end, "-", format="null") for end in graph.analysis]
    return ffmpeg_argv(outputs, threads=plan.threads, loglevel="info", progress=progress)


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
    return transcode_argv(plan, progress=False)


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
