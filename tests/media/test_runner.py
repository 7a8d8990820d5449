"""The argv builders as pure functions, and the runner's limits with a real ffmpeg."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from media.probe import describe_refused_format, format_runtime, probe_argv
from media.renditions import Plan, Rung, filter_graph, ladder_for, master_playlist, mp4_rung, plan_for, transcode_argv
from media.runner import FORMAT_WHITELIST, Limits, RunFailed, RunTimedOut, run


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
