"""Media pipeline benchmark: one decode against the bare ladder and against a naive pipeline.

    .venv/bin/python bench/media_bench.py [--seconds 60] [--keep]

Generates a 1080p clip with audio and cuts (lavfi), then measures, in one run:
  ours   the whole pipeline of one film (copy from storage, probe, the one-decode pass,
         posters, storyboard, QC, AI-usage analysis, uploads, database writes);
  bare   the same HLS ladder encoded by one ffmpeg process and nothing else (the bar);
  naive  one ffmpeg run per rendition (each HLS rung, the MP4), poster, sprite sheet,
         scene detection and loudness, each decoding the source again.
Prints wall times, the ratios ours/bare (target <= 1.15) and naive/ours (target >= 1.5),
and peak RSS of the ffmpeg processes and of the Python process.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")


def make_clip(path: Path, seconds: int) -> None:
    """1080p25 with a cut every 10 s (different test pictures) and a tone."""
    sources = [
        "testsrc2=size=1920x1080:rate=25",
        "smptehdbars=size=1920x1080:rate=25",
        "testsrc=size=1920x1080:rate=25",
        "rgbtestsrc=size=1920x1080:rate=25",
        "cellauto=size=1920x1080:rate=25:rule=110",
    ]
    part = 10
    count = max(1, seconds // part)
    graph = ";".join(
        f"{sources[i % len(sources)]},trim=duration={part},setpts=PTS-STARTPTS,format=yuv420p[v{i}]"
        for i in range(count)
    )
    graph += ";" + "".join(f"[v{i}]" for i in range(count)) + f"concat=n={count}:v=1:a=0[v]"
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-v", "error", "-y", "-filter_complex", graph,
            "-f", "lavfi", "-i", f"sine=frequency=330:duration={count * part}:sample_rate=48000",
            "-map", "[v]", "-map", "0:a", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "16",
            "-c:a", "aac", "-b:a", "192k", str(path),
        ],
        check=True,
    )  # fmt: skip


def timed(argv: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one process."""
    started = time.monotonic()
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(argv)}")
    return time.monotonic() - started, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    import django
    import ffmpeg

    django.setup()
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.test.utils import override_settings

    from media.models import FilmOutput, ProcessingJob
    from media.pipeline import process_film
    from media.probe import probe_source
    from media.renditions import Plan, _video_encoder, bare_ladder_argv, ladder_for, mp4_rung
    from media.rules import FilmRules
    from media.runner import ffmpeg_argv, untrusted_input
    from media.services import register_film

    work = Path(tempfile.mkdtemp(prefix="laurel-bench-"))
    clip = work / "clip.mp4"
    print(f"generating a {args.seconds} s 1080p clip ...", flush=True)
    try:
        make_clip(clip, args.seconds)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    threads = settings.LAUREL_MEDIA_THREADS
    preset = settings.LAUREL_MEDIA_X264_PRESET
    # A database of the bench's own (never the one pytest may be using at the same time).
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(work / "bench.sqlite3")
    else:
        test_settings["NAME"] = f"laurel_bench_{os.getpid()}"
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(work / "storage")},
    }
    results: dict[str, float] = {}
    try:
        with override_settings(
            STORAGES={**settings.STORAGES, "default": storage}, LAUREL_MEDIA_WORK_DIR=str(work / "jobs")
        ):
            from django.core.files import File

            with clip.open("rb") as handle:
                name = default_storage.save("uploads/bench.mp4", File(handle, name="bench.mp4"))
            rules = FilmRules(
                runtime_min_seconds=1,
                runtime_max_seconds=3600,
                max_file_size_bytes=10 * 1024**3,
                allowed_containers=("mp4",),
                min_short_side_px=144,
            )
            from unittest import mock

            with mock.patch("media.services.enqueue_processing"):  # this process runs the job itself
                film = register_film(
                    source_name=name,
                    original_filename="bench.mp4",
                    size_bytes=clip.stat().st_size,
                    sha256="",
                    group_key="edition:0",
                    rules=rules,
                )
            print("ours: the whole pipeline ...", flush=True)
            import media.pipeline

            ffmpeg_seconds: list[float] = []
            real_run = media.pipeline.run

            def timed_run(*run_args: Any, **run_kwargs: Any) -> Any:
                result = real_run(*run_args, **run_kwargs)
                ffmpeg_seconds.append(result.elapsed)
                return result

            started = time.monotonic()
            with mock.patch.object(media.pipeline, "run", timed_run):
                outcome = process_film(film.pk)
            results["ours"] = time.monotonic() - started
            job = ProcessingJob.objects.get(film=film)
            if outcome != "ready":
                raise SystemExit(f"pipeline ended {outcome}: {job.failure_reason}")
            ours_ffmpeg_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            python_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            outputs = sorted(FilmOutput.objects.filter(film=film).values_list("key", flat=True))

            info = probe_source(clip, workdir=work)
            print("bare: the ladder in one ffmpeg process ...", flush=True)
            bare_out = work / "bare"
            for rung in ladder_for(info.width, info.height):
                (bare_out / "hls" / rung.name).mkdir(parents=True)
            results["bare"], bare_rss = timed(bare_ladder_argv(clip, bare_out, info, threads=threads, preset=preset))

            print("naive: one ffmpeg run per output ...", flush=True)
            naive = work / "naive"
            naive.mkdir()
            ladder = ladder_for(info.width, info.height)
            plan = Plan(source=clip, out=naive, fps=info.fps, duration=info.duration, has_audio=True, rungs=ladder)
            source = untrusted_input(clip, threads=str(threads))
            picture, sound = source["v:0"], source["a:0"]

            def one(*streams: Any, **options: str) -> list[str]:
                return ffmpeg_argv([ffmpeg.output(*streams, **options)], threads=threads, loglevel="error")

            runs: list[tuple[str, list[str]]] = []
            audio = {"c:a": "aac", "b:a": "128k"}
            for rung in ladder:
                folder = naive / rung.name
                folder.mkdir()
                video = picture.filter("fps", str(info.fps)).filter("scale", rung.width, rung.height)
                hls = {"hls_time": "4", "hls_playlist_type": "vod", "hls_segment_type": "fmp4"}
                hls["hls_segment_filename"] = str(folder / "%05d.m4s")
                runs.append(
                    (
                        f"hls {rung.name}",
                        one(video, sound, filename=str(folder / "index.m3u8"), format="hls", **hls,
                            **_video_encoder(plan, rung), **audio),
                    )
                )  # fmt: skip
            fallback = mp4_rung(ladder)
            video = picture.filter("fps", str(info.fps)).filter("scale", fallback.width, fallback.height)
            mp4 = {"movflags": "+faststart", **_video_encoder(plan, fallback), **audio}
            runs.append(("mp4", one(video, sound, filename=str(naive / "fallback.mp4"), **mp4)))
            poster = picture.filter("fps", f"1/{plan.poster_interval:.3f}").filter("scale", "1280", "-2")
            runs.append(("poster", one(poster, filename=str(naive / "poster-%03d.jpg"), **{"q:v": "2"})))
            sprite = picture.filter("fps", f"1/{plan.storyboard_interval:.3f}").filter("scale", "-2", "90")
            sprite = sprite.filter("tile", "10x10")
            runs.append(("sprite", one(sprite, filename=str(naive / "sprite.jpg"), **{"frames:v": "1"})))
            scenes = picture.filter("select", "gt(scene,0.3)").filter("showinfo")
            runs.append(("scenes", one(scenes, filename="-", format="null")))
            loudness = sound.filter("ebur128", peak="true")
            runs.append(("loudness", one(loudness, filename="-", format="null")))
            naive_total, naive_rss = 0.0, 0
            for label, argv in runs:
                seconds, rss = timed(argv)
                naive_total += seconds
                naive_rss = max(naive_rss, rss)
                print(f"  {label:<12} {seconds:6.1f} s", flush=True)
            results["naive"] = naive_total
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"clip: {args.seconds} s 1920x1080 25 fps with audio, preset {preset}, {threads} threads")
    print(f"outputs: {', '.join(outputs)}")
    print(f"ours  {results['ours']:7.1f} s   (whole pipeline; its one-decode ffmpeg pass {sum(ffmpeg_seconds):.1f} s)")
    print(f"bare  {results['bare']:7.1f} s   (ladder only, one process)")
    print(f"naive {results['naive']:7.1f} s   (one process per output)")
    print(f"ours / bare  = {results['ours'] / results['bare']:.3f}   (target <= 1.15)")
    print(f"naive / ours = {results['naive'] / results['ours']:.3f}   (target >= 1.5)")
    print(
        f"peak RSS: ours ffmpeg {ours_ffmpeg_rss / 1024:.0f} MiB, bare ffmpeg {bare_rss / 1024:.0f} MiB, "
        f"naive largest ffmpeg {naive_rss / 1024:.0f} MiB, python {python_rss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
