"""The argv builders as pure functions, and the runner's limits with a real ffmpeg."""

from __future__ import annotations

import signal
import time
from fractions import Fraction
from pathlib import Path

import pytest

from media.probe import describe_refused_format, find_timestamp_jump, format_runtime, probe_argv, timestamps_argv
from media.renditions import Plan, Rung, ladder_for, master_playlist, mp4_rung, plan_for, transcode_argv
from media.runner import FORMAT_WHITELIST, Limits, RunFailed, RunTimedOut, ffmpeg_argv, hit_memory_cap, run

# ffmpeg-python decides the order of options (sorted within an input or an output, global
# options after the outputs): these tests pin what each option applies to, not where it is.


def _option(argv: list[str], name: str, *, start: int = 0) -> str:
    return argv[argv.index(name, start) + 1]


def _input_options(argv: list[str]) -> dict[str, str]:
    """The options of the first input: every ``-name value`` pair before its ``-i``."""
    head = argv[1 : argv.index("-i")]
    return dict(zip(head[::2], head[1::2], strict=True))


def _outputs(argv: list[str]) -> list[tuple[list[str], str]]:
    """(options, target) of each output, in order: what follows the graph, up to each target."""
    rest = argv[argv.index("-filter_complex") + 2 :]
    outputs: list[tuple[list[str], str]] = []
    options: list[str] = []
    i = 0
    while i < len(rest) and rest[i] != "-nostdin":  # the global options follow the outputs
        if rest[i].startswith("-") and rest[i] != "-":
            options += rest[i : i + 2]
            i += 2
        else:
            outputs.append((options, rest[i]))
            options = []
            i += 1
    return outputs


def _maps(options: list[str]) -> list[str]:
    return [options[i + 1] for i in range(0, len(options), 2) if options[i] == "-map"]


def _graph(argv: list[str]) -> dict[str, str]:
    """The one -filter_complex as {output pad: "[input pads]filter"}, each chain of one filter."""
    assert argv.count("-filter_complex") == 1
    chains: dict[str, str] = {}
    for chain in argv[argv.index("-filter_complex") + 1].split(";"):
        body, *pads = _split_pads(chain)
        for pad in pads:
            chains[pad] = body
    return chains


def _split_pads(chain: str) -> list[str]:
    """A chain "[in]name=args[s1][s2]" as ["[in]name=args", "s1", "s2"] (ffmpeg-python names pads sN)."""
    body = chain
    pads: list[str] = []
    while body.endswith("]"):
        start = body.rindex("[")
        pads.insert(0, body[start + 1 : -1])
        body = body[:start]
    return [body, *pads]


def _upstream(graph: dict[str, str], pad: str) -> list[str]:
    """The filters that feed a pad, nearest first, back to the input."""
    names: list[str] = []
    pad = pad.strip("[]")  # a -map of a graph pad is "[s5]"
    while pad in graph:
        body = graph[pad]
        source, _, spec = body[1:].partition("]")
        names.append(spec)
        pad = source
    names.append(pad)  # the input stream, e.g. 0:v:0
    return names


def test_probe_argv_reads_only_allow_listed_demuxers_from_a_file() -> None:
    argv = probe_argv(Path("/work/job/source.mp4"))
    assert argv[0] == "ffprobe"
    assert _option(argv, "-format_whitelist") == FORMAT_WHITELIST
    assert _option(argv, "-protocol_whitelist") == "file"
    assert (_option(argv, "-v"), _option(argv, "-of")) == ("error", "json")
    assert argv[-2:] == ["-i", "file:/work/job/source.mp4"]
    assert argv.index("-format_whitelist") < argv.index("-i")
    assert "-show_streams" in argv and "-show_format" in argv and "-hide_banner" in argv
    assert (_option(argv, "-probesize"), _option(argv, "-analyzeduration")) == ("52428800", "30000000")


@pytest.mark.parametrize("name", ["-y.mp4", "http:evil.mp4", "a:b.mkv", "concat:x|y"])
def test_a_file_name_is_never_read_as_an_option_or_a_protocol(name: str) -> None:
    path = Path(name)
    for argv in (probe_argv(path), timestamps_argv(path), transcode_argv(_plan(source=path))):
        # Only through the file protocol, after -i, once: never an option, a URL or an output.
        assert argv.count(f"file:{name}") == 1
        assert argv[argv.index(f"file:{name}") - 1] == "-i"
        assert name not in argv


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (1920, 1080, [("1080p", 1920, 1080), ("720p", 1280, 720), ("480p", 854, 480)]),
        (3840, 2160, [("1080p", 1920, 1080), ("720p", 1280, 720), ("480p", 854, 480)]),
        (1280, 720, [("720p", 1280, 720), ("480p", 854, 480)]),
        (1080, 1920, [("1080p", 1080, 1920), ("720p", 720, 1280), ("480p", 480, 854)]),
        (1080, 1080, [("1080p", 1080, 1080), ("720p", 720, 720), ("480p", 480, 480)]),
        (641, 481, [("480p", 640, 480)]),
        (161, 91, [("90p", 160, 90)]),
        (90, 160, [("90p", 90, 160)]),
    ],
)
def test_ladder_never_upscales_and_keeps_the_shape(width: int, height: int, expected: list[tuple]) -> None:
    rungs = ladder_for(width, height)
    assert [(r.name, r.width, r.height) for r in rungs] == expected
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in rungs)


def test_mp4_fallback_is_the_720p_rung_or_the_best_below() -> None:
    assert mp4_rung(ladder_for(1920, 1080)).name == "720p"
    assert mp4_rung(ladder_for(640, 480)).name == "480p"
    assert mp4_rung(ladder_for(160, 90)).name == "90p"


def _plan(**overrides: object) -> Plan:
    values: dict[str, object] = {
        "source": Path("/w/source.mp4"),
        "out": Path("/w/out"),
        "fps": Fraction(30000, 1001),
        "duration": 120.0,
        "has_audio": True,
        "rungs": ladder_for(1280, 720),
        "mp4": Rung(name="720p", width=1280, height=720, max_kbps=3500),
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


def test_one_process_decodes_once_and_encodes_each_rung_once() -> None:
    argv = transcode_argv(_plan())
    assert argv[0] == "ffmpeg"
    assert argv.count("-i") == 1 and argv.count("-filter_complex") == 1
    # The input's options, all before its -i: allow-lists, the duration bound, decoder threads.
    assert _input_options(argv) == {
        "-format_whitelist": FORMAT_WHITELIST,
        "-protocol_whitelist": "file",
        "-t": "120.000",
        "-threads": "2",
    }
    assert _option(argv, "-i") == "file:/w/source.mp4"
    assert argv.count("libx264") == 2  # two rungs; the MP4 is the 720p encode written twice by tee
    tee = _outputs(argv)[0][1]  # the tee muxer's target: both files of the one 720p encode
    assert tee.startswith("[f=hls:") and "|[f=mp4:movflags=+faststart]/w/out/mp4/720p.mp4" in tee
    # Global options after the outputs (ffmpeg reads them anywhere), -nostdin first of them.
    last_target = len(argv) - 1 - argv[::-1].index(_outputs(argv)[-1][1])
    assert argv[last_target + 1 :] == [
        "-nostdin", "-hide_banner", "-nostats", "-loglevel", "info",
        "-filter_threads", "2", "-filter_complex_threads", "2", "-progress", "pipe:1", "-y",
    ]  # fmt: skip


def test_every_output_gets_its_streams_in_order_and_its_encoder() -> None:
    argv = transcode_argv(_plan())
    graph = _graph(argv)
    outputs = _outputs(argv)
    assert [target.rsplit("/", 2)[-2:] if target != "-" else "-" for _, target in outputs] == [
        ["mp4", "720p.mp4"], ["480p", "index.m3u8"], ["storyboard", "%05d.jpg"], ["poster", "%05d.jpg"], "-", "-",
    ]  # fmt: skip
    for (options, _), rung in zip(outputs[:2], ladder_for(1280, 720), strict=True):
        video, audio = _maps(options)  # -map order is stream order: picture first, then sound
        assert _upstream(graph, video)[-1] == "0:v:0" and f"scale={rung.width}:{rung.height}:flags=bicubic" in (
            _upstream(graph, video)
        )
        assert _upstream(graph, audio)[-1] == "0:a:0"
        pairs = dict(zip(options[::2], options[1::2], strict=True))
        assert {key: pairs[key] for key in ("-c:v", "-c:a", "-b:a", "-ac", "-ar", "-preset", "-threads")} == {
            "-c:v": "libx264", "-c:a": "aac", "-b:a": "128k", "-ac": "2", "-ar": "48000",
            "-preset": "veryfast", "-threads": "2",
        }  # fmt: skip
        assert (pairs["-maxrate"], pairs["-g"], pairs["-sc_threshold"]) == (f"{rung.max_kbps}k", "60", "0")
        assert (pairs["-map_metadata"], pairs["-map_chapters"], pairs["-fps_mode"]) == ("-1", "-1", "cfr")
    assert _option(outputs[0][0], "-f") == "tee" and _option(outputs[0][0], "-flags") == "+global_header"
    hls = dict(zip(outputs[1][0][::2], outputs[1][0][1::2], strict=True))
    assert (hls["-f"], hls["-hls_segment_type"], hls["-hls_segment_filename"]) == (
        "hls", "fmp4", "/w/out/hls/480p/%05d.m4s",
    )  # fmt: skip
    for options, quality in zip([o for o, _ in outputs[2:4]], ("5", "2"), strict=True):
        assert len(_maps(options)) == 1 and (_option(options, "-q:v"), _option(options, "-fps_mode")) == (
            quality, "vfr",
        )  # fmt: skip
    # The analysis chains end in null outputs of one stream each.
    assert [len(_maps(options)) for options, _ in outputs[4:]] == [1, 1]
    assert all(_option(options, "-f") == "null" for options, _ in outputs[4:])


def test_filter_graph_has_every_analysis_branch() -> None:
    argv = transcode_argv(_plan())
    graph = _graph(argv)
    outputs = _outputs(argv)
    # One decode: every chain starts at the one fps/format of 0:v:0 or resample of 0:a:0.
    assert [body for body in graph.values() if body.startswith("[0:")] == [
        "[0:v:0]fps=30000/1001",
        "[0:a:0]aresample=48000",
    ]
    splits = sorted(body.split("]", 1)[1] for body in set(graph.values()) if "split=" in body)
    assert splits == ["asplit=3", "split=2", "split=2", "split=3"]
    # The analysis branch hangs off the smallest rung instead of scaling the source again.
    scenes = _upstream(graph, _maps(outputs[4][0])[0])
    assert scenes[:4] == [
        # select scores every frame, metadata writes those over the threshold: every frame
        # goes on to the null output, so ffmpeg reports progress before the first cut.
        "metadata=file=/w/out/scenes.txt:function=greater:key=lavfi.scene_score:mode=print:value=0.3",
        "select=gte(scene\\,0)",
        "split=2",
        "blackdetect=d=0.5:pix_th=0.10",
    ]
    assert scenes[4:8] == ["setsar=1", "scale=-2:180:flags=fast_bilinear", "split=2", "setsar=1"]
    assert scenes[8:] == ["scale=854:480:flags=bicubic", "split=3", "format=yuv420p", "fps=30000/1001", "0:v:0"]
    story = _upstream(graph, _maps(outputs[2][0])[0])
    assert story[:3] == ["scale=-2:90", "fps=1/2.000:round=down", "split=2"] and story[3:] == scenes[3:]
    poster = _upstream(graph, _maps(outputs[3][0])[0])
    assert poster[:3] == [
        "scale=trunc(iw/2)*2:trunc(ih/2)*2",
        "scale=min(1280\\,iw):min(1280\\,ih):force_original_aspect_ratio=decrease",
        "fps=1/10.000:round=down",
    ]
    assert poster[3:] == scenes[-4:]
    loudness = _upstream(graph, _maps(outputs[5][0])[0])
    assert loudness == [
        "silencedetect=d=1.0:n=-50dB",
        "ebur128=framelog=verbose:peak=true",
        "asplit=3",
        "aformat=channel_layouts=stereo",
        "aresample=48000",
        "0:a:0",
    ]


def test_an_analysis_only_pass_writes_only_null_outputs() -> None:
    argv = transcode_argv(_plan(rungs=[], mp4=None, frames=False))
    outputs = _outputs(argv)
    assert [(len(_maps(options)), _option(options, "-f"), target) for options, target in outputs] == [
        (1, "null", "-"),  # the scene chain (every frame of the one decode of 0:v:0)
        (1, "null", "-"),  # the loudness and silence chain (0:a:0)
    ]
    assert "libx264" not in argv and argv.count("-filter_complex") == 1


def test_ffmpeg_argv_puts_global_options_after_the_outputs() -> None:
    import ffmpeg

    out = ffmpeg.output(ffmpeg.input("file:/w/a.mp4")["v:0"], "/w/b.jpg", **{"frames:v": "1"})
    assert ffmpeg_argv([out], threads=1, loglevel="error") == [
        "ffmpeg", "-i", "file:/w/a.mp4", "-map", "0:v:0", "-frames:v", "1", "/w/b.jpg",
        "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error",
        "-filter_threads", "1", "-filter_complex_threads", "1", "-y",
    ]  # fmt: skip


def test_a_rerun_plan_builds_only_what_is_missing() -> None:
    class Info:
        width, height, fps, duration, has_audio = 1920, 1080, Fraction(25), 60.0, False

    plan = plan_for(
        Info(),  # type: ignore[arg-type]
        source=Path("/s"),
        out=Path("/o"),
        missing_rungs={"480p"},
        need_mp4=False,
        need_frames=False,
        need_analysis=False,
        threads=1,
        preset="veryfast",
    )
    assert ([r.name for r in plan.rungs], plan.mp4, plan.is_empty) == (["480p"], None, False)
    argv = transcode_argv(plan)
    assert argv.count("libx264") == 1 and "tee" not in argv and "0:a:0" not in argv[argv.index("-filter_complex") + 1]
    assert [len(_maps(options)) for options, _ in _outputs(argv)] == [1]  # the 480p picture, no sound


def test_master_playlist_uses_relative_uris() -> None:
    common = {"fps": 25.0, "audio": True}
    text = master_playlist(
        [
            {"name": "480p", "width": 854, "height": 480, "bandwidth": 900000, "average": 700000, **common},
            {"name": "720p", "width": 1280, "height": 720, "bandwidth": 2000000, "average": 1500000, **common},
        ]
    )
    assert text.splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=1500000,RESOLUTION=1280x720,FRAME-RATE=25.000,CODECS="avc1.64002a,mp4a.40.2"',
        "720p/index.m3u8",
        '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=700000,RESOLUTION=854x480,FRAME-RATE=25.000,CODECS="avc1.64002a,mp4a.40.2"',
        "480p/index.m3u8",
    ]


def test_refused_demuxer_is_named() -> None:
    stderr = "[hls @ 0x55] Format not on whitelist 'mov,...'\nfile:x: Invalid argument\n"
    assert describe_refused_format(stderr) == "an HLS playlist"
    assert describe_refused_format("[png_pipe @ 0x1] Format not on whitelist 'x'") == "a still image"
    assert describe_refused_format("Invalid data found") is None


def test_format_runtime() -> None:
    assert [format_runtime(s) for s in (0, 59.9, 702, 3723)] == ["0:00", "0:59", "11:42", "1:02:03"]


@pytest.mark.services
def test_run_kills_a_process_past_its_time_limit(ffmpeg: str, tmp_path: Path) -> None:
    argv = [ffmpeg, "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=32x32", "-f", "null", "-"]
    with pytest.raises(RunTimedOut) as caught:
        run(argv, limits=Limits(timeout=0.5, memory_mb=1024, threads=1), stderr_path=tmp_path / "err")
    assert str(caught.value) == "stopped after 0 s (time limit)"


@pytest.mark.services
def test_run_reports_a_failure_with_the_stderr_tail(ffmpeg: str, tmp_path: Path) -> None:
    argv = [ffmpeg, "-nostdin", "-i", "file:/nonexistent/film.mp4", "-f", "null", "-"]
    with pytest.raises(RunFailed) as caught:
        run(argv, limits=Limits(timeout=10, memory_mb=1024, threads=1), stderr_path=tmp_path / "err")
    assert caught.value.returncode == 1
    assert "No such file or directory" in caught.value.stderr_tail


@pytest.mark.services
def test_a_memory_cap_stops_a_greedy_process(ffmpeg: str, tmp_path: Path) -> None:
    argv = [ffmpeg, "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=32x32:duration=1", "-f", "null", "-"]
    with pytest.raises(RunFailed):
        run(argv, limits=Limits(timeout=10, memory_mb=8, threads=1), stderr_path=tmp_path / "err")


@pytest.mark.services
def test_progress_callback_runs_and_can_stop_the_run(ffmpeg: str, tmp_path: Path) -> None:
    seen: list[str] = []

    def stop(block: dict[str, str]) -> None:
        seen.append(block["progress"])
        raise KeyboardInterrupt

    argv = [ffmpeg, "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=32x32", "-f", "null", "-", "-progress", "pipe:1"]
    with pytest.raises(KeyboardInterrupt):
        run(argv, limits=Limits(timeout=20, memory_mb=1024, threads=1), stderr_path=tmp_path / "err", on_progress=stop)
    assert seen == ["continue"]


def test_every_output_is_bounded_by_the_probed_duration() -> None:
    argv = transcode_argv(_plan(duration=62.5))
    # -t as an input option, before the one -i: no output runs past 62.5 s of film.
    assert _input_options(argv)["-t"] == "62.500"
    assert argv.count("-t") == 1 and argv.index("-t") < argv.index("-i")


@pytest.mark.parametrize(
    ("packets", "duration", "expected"),
    [
        ("0.000000,0.040000\n0.040000,0.040000\n0.080000,0.040000\n", 0.12, None),
        # The hostile MKV of issue 13: two seconds of frames, then one at 10 hours.
        ("".join(f"{n * 0.04:.6f},0.040000\n" for n in range(50)) + "36000.000000,0.040000\n", 120.0, (2.0, 36000.0)),
        # An MPEG-TS clock that starts at 10 hours is not a jump; a 40 s hole is.
        ("36000.0,1.0\n36001.0,1.0\n36002.0,1.0\n", 3.0, None),
        ("0.0,1.0\n1.0,1.0\n42.0,1.0\n", 43.0, (2.0, 42.0)),
        # A frame past the declared end, even after a short gap.
        ("0.0,1.0\n1.0,1.0\n20.0,1.0\n", 4.0, (2.0, 20.0)),
        ("N/A,0.04\n0.0,0.04\n", 0.04, None),
    ],
)
def test_timestamp_jumps_are_found(packets: str, duration: float, expected: tuple[float, float] | None) -> None:
    assert find_timestamp_jump(packets, duration) == expected


def test_timestamps_argv_demuxes_the_first_video_stream_only() -> None:
    argv = timestamps_argv(Path("/w/source.mkv"))
    assert _option(argv, "-select_streams") == "v:0"
    assert _option(argv, "-show_entries") == "packet=pts_time,duration_time"
    assert _option(argv, "-format_whitelist") == FORMAT_WHITELIST
    assert _option(argv, "-protocol_whitelist") == "file"
    assert (_option(argv, "-of"), _option(argv, "-v")) == ("csv=p=0", "error")
    assert argv[-2:] == ["-i", "file:/w/source.mkv"]


@pytest.mark.services
def test_the_time_limit_kills_a_run_that_reports_progress(ffmpeg: str, tmp_path: Path) -> None:
    # The transcode path: progress keeps arriving (so the run looks alive), the wall clock
    # still ends it by SIGKILL of its process group.
    blocks: list[dict[str, str]] = []
    argv = [ffmpeg, "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=32x32:rate=25", "-f", "null", "-"]
    argv += ["-progress", "pipe:1", "-stats_period", "0.2"]
    started = time.monotonic()
    with pytest.raises(RunTimedOut) as caught:
        run(
            argv,
            limits=Limits(timeout=1.5, memory_mb=1024, threads=1),
            stderr_path=tmp_path / "err",
            on_progress=blocks.append,
        )
    assert caught.value.returncode == -signal.SIGKILL
    assert str(caught.value) == "stopped after 2 s (time limit)"
    assert 1.5 <= time.monotonic() - started < 5
    assert len(blocks) >= 3 and all(block["progress"] == "continue" for block in blocks)


@pytest.mark.services
def test_a_run_records_its_peak_memory_and_names_the_cap(ffmpeg: str, tmp_path: Path) -> None:
    # reverse buffers every frame: the address space grows until an allocation fails, and
    # ffmpeg takes that ENOMEM for the end of its input and exits 0 with a short output.
    limits = Limits(timeout=20, memory_mb=600, threads=1)
    argv = [ffmpeg, "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=60", "-vf", "reverse"]
    greedy = run([*argv, "-f", "null", "-"], limits=limits, stderr_path=tmp_path / "err")
    assert greedy.returncode == 0
    assert "Cannot allocate memory" in greedy.stderr_tail
    assert greedy.peak_memory_mb >= 600 * 0.75
    assert hit_memory_cap(stderr=greedy.stderr_tail, peak_memory_mb=greedy.peak_memory_mb, limits=limits)
    roomy = Limits(timeout=20, memory_mb=2048, threads=1)
    ok = run(
        # -re reads at the clip's own rate: the run lasts a second, so the watch samples it
        # even on a loaded host (a 0.1 s run could end before the first 50 ms sample).
        [ffmpeg, "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=32x32:duration=1", "-f", "null", "-"],
        limits=roomy,
        stderr_path=tmp_path / "ok",
    )
    assert 100 < ok.peak_memory_mb < 2048 * 0.75
    assert not hit_memory_cap(stderr=ok.stderr_tail, peak_memory_mb=ok.peak_memory_mb, limits=roomy)


@pytest.mark.services
def test_the_global_options_after_the_outputs_take_effect(ffmpeg: str, clips: dict[str, Path], tmp_path: Path) -> None:
    # An analysis-only pass ends with outputs named "-": its global options, written after
    # them by ffmpeg-python, still quiet the banner and report progress to the end of the film.
    plan = _plan(source=clips["horizontal.mp4"], out=tmp_path, duration=2.0, fps=Fraction(25), rungs=[], mp4=None)
    plan = Plan(**{**plan.__dict__, "frames": False})
    blocks: list[dict[str, str]] = []
    result = run(
        transcode_argv(plan),
        limits=Limits(timeout=60, memory_mb=2048, threads=1),
        stderr_path=tmp_path / "err",
        on_progress=blocks.append,
    )
    stderr = (tmp_path / "err").read_text()
    assert "ffmpeg version" not in stderr and "Trailing option" not in stderr
    assert blocks[-1]["progress"] == "end" and int(blocks[-1]["out_time_us"]) >= 1_900_000
    assert "Summary:" in stderr and "Integrated loudness" in stderr  # ebur128 ran on the sound
    assert (tmp_path / "scenes.txt").read_text().count("lavfi.scene_score") == 1  # the cut at 1 s
    assert result.stdout == ""
