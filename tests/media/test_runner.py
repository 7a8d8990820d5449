"""The argv builders as pure functions, and the runner's limits with a real ffmpeg."""

from __future__ import annotations

import signal
import time
from fractions import Fraction
from pathlib import Path

import pytest

from media.probe import describe_refused_format, find_timestamp_jump, format_runtime, probe_argv, timestamps_argv
from media.renditions import Plan, Rung, filter_graph, ladder_for, master_playlist, mp4_rung, plan_for, transcode_argv
from media.runner import FORMAT_WHITELIST, Limits, RunFailed, RunTimedOut, hit_memory_cap, run


def test_probe_argv_reads_only_allow_listed_demuxers_from_a_file() -> None:
    argv = probe_argv(Path("/work/job/source.mp4"))
    assert argv[0] == "ffprobe"
    assert argv[argv.index("-format_whitelist") + 1] == FORMAT_WHITELIST
    assert argv[argv.index("-protocol_whitelist") + 1] == "file"
    assert argv[-2:] == ["-i", "file:/work/job/source.mp4"]
    assert argv.index("-format_whitelist") < argv.index("-i")
    assert "-show_streams" in argv and "-show_format" in argv


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
    assert argv[:4] == ["ffmpeg", "-nostdin", "-hide_banner", "-nostats"]
    assert argv.count("-i") == 1
    assert argv[argv.index("-i") + 1] == "file:/w/source.mp4"
    assert argv[argv.index("-format_whitelist") + 1] == FORMAT_WHITELIST
    assert argv.count("libx264") == 2  # two rungs; the MP4 is the 720p encode written twice by tee
    tee = argv[argv.index("tee") + 1]
    assert tee.startswith("[f=hls:") and "|[f=mp4:movflags=+faststart]/w/out/mp4/720p.mp4" in tee
    assert argv[-2:] == ["-progress", "pipe:1"]
    assert argv[argv.index("-threads") + 1] == "2"


def test_filter_graph_has_every_analysis_branch() -> None:
    graph = filter_graph(_plan())
    assert graph.startswith("[0:v:0]fps=30000/1001,format=yuv420p,split=3[r0][r1][po];")
    # The analysis branch hangs off the smallest rung instead of scaling the source again.
    assert "[r1]scale=854:480:flags=bicubic,setsar=1,split=2[vo1][an]" in graph
    assert "[an]scale=-2:180" in graph
    for part in ("blackdetect=", "select='gt(scene\\,0.3)'", "ebur128=peak=true", "silencedetect=", "asplit=3"):
        assert part in graph


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
    assert argv.count("libx264") == 1 and "tee" not in argv and "[a0]" not in argv


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
    assert argv[argv.index("-t") + 1] == "62.500"
    assert argv.index("-t") < argv.index("-i")


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
    assert argv[argv.index("-select_streams") + 1] == "v:0"
    assert argv[argv.index("-show_entries") + 1] == "packet=pts_time,duration_time"
    assert argv[argv.index("-format_whitelist") + 1] == FORMAT_WHITELIST
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
