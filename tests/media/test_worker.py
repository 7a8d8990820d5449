"""The pipeline through a real ``celery worker`` process, and the kill -9 reliability test."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from festival.models import AuditEvent
from media import services
from media.models import Film, FilmOutput, JobState, ProcessingJob
from tests.conftest import WorkerProcess, start_worker
from tests.media.helpers import register

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def wait_for(film: Film, states: tuple[str, ...], *, timeout: float = 90, progress_over: int = -1) -> ProcessingJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ProcessingJob.objects.get(film=film)
        if job.state in states and job.progress > progress_over:
            return job
        time.sleep(0.2)
    job = ProcessingJob.objects.get(film=film)
    raise AssertionError(f"job of film {film.pk} still {job.state} ({job.progress}%): {job.failure_reason}")


def _remove_tree(prefix: str) -> None:
    pending = [prefix]
    while pending:
        folder = pending.pop()
        try:
            directories, files = default_storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        pending += [f"{folder}/{name}" for name in directories]
        for name in files:
            default_storage.delete(f"{folder}/{name}")


@pytest.fixture
def cleanup_films() -> Iterator[list[Film]]:
    """The worker shares the default storage (var/media): remove what these films stored."""
    films: list[Film] = []
    yield films
    for film in films:
        _remove_tree(f"films/{film.pk}")
        default_storage.delete(film.source_name)


def stored(film_id: int) -> list[str]:
    names: list[str] = []
    pending = [f"films/{film_id}"]
    while pending:
        folder = pending.pop()
        directories, files = default_storage.listdir(folder)
        pending += [f"{folder}/{d}" for d in directories if d != "ai"]
        names += [f"{folder}/{f}"[len(f"films/{film_id}/") :] for f in files]
    return sorted(names)


def test_films_and_bad_inputs_through_a_real_worker(
    celery_worker: WorkerProcess,
    ffmpeg: str,
    clips: dict[str, Path],
    bad_inputs: dict[str, Path],
    cleanup_films: list[Film],
) -> None:
    bad = register(bad_inputs["playlist.mp4"], name="disguised.mp4")
    good = register(clips["vertical.mp4"])
    cleanup_films += [bad, good]
    failed = wait_for(bad, (JobState.FAILED,))
    assert failed.failure_reason.startswith("The file is an HLS playlist, not a film (this edition accepts")
    ready = wait_for(good, (JobState.READY,))
    assert (ready.progress, ready.attempts) == (100, 1)
    assert celery_worker.process.poll() is None  # the worker survived the bad input
    recorded = sorted(
        name for files in FilmOutput.objects.filter(film=good).values_list("files", flat=True) for name in files
    )
    assert stored(good.pk) == recorded
    assert FilmOutput.objects.filter(film=bad).count() == 0


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(line) for line in out.split()]


def _long_clip(tmp_path: Path) -> Path:
    path = tmp_path / "long.mp4"
    subprocess.run(
        [
            settings.FFMPEG_BINARY, "-nostdin", "-v", "error", "-y",
            # Long enough that the first worker is still transcoding (slow preset, one thread)
            # after the second worker has started, even on a loaded CI host.
            "-f", "lavfi", "-i", "testsrc2=size=480x270:rate=25:duration=90",
            "-f", "lavfi", "-i", "sine=duration=90",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def test_a_worker_killed_mid_transcode_is_replaced_in_under_two_minutes(
    redis_url: str,
    transactional_db: None,
    ffmpeg: str,
    tmp_path: Path,
    cleanup_films: list[Film],
) -> None:
    """Two real workers on Redis with the default heartbeat settings: kill -9 of the one
    transcoding, and the other (which also runs the beat schedule, hence the reaper)
    finishes the film exactly once, long before the broker would redeliver the message."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail("the broker of the test process is not Redis although REDIS_URL is set")
    work = tmp_path / "work"
    # A slower preset so the transcode is still running when the worker is killed.
    env = {"LAUREL_MEDIA_WORK_DIR": str(work), "LAUREL_MEDIA_X264_PRESET": "slow", "LAUREL_MEDIA_THREADS": "1"}
    first = start_worker(tmp_path, extra_env=env, name="r1")
    second: WorkerProcess | None = None
    try:
        film = register(_long_clip(tmp_path))
        cleanup_films.append(film)
        wait_for(film, (JobState.TRANSCODING,), progress_over=10, timeout=60)
        beat = ("-B", "-s", str(tmp_path / "beat-schedule"))
        fast = {**env, "LAUREL_MEDIA_X264_PRESET": "ultrafast"}
        second = start_worker(tmp_path, extra_env=fast, name="r2", extra_args=beat)
        job = ProcessingJob.objects.get(film=film)
        assert (job.attempts, job.state) == (1, JobState.TRANSCODING)  # still the first worker's, mid-transcode
        # kill -9 the whole first worker (its main process and the pool process running the
        # task), as when its host or container dies.
        pool = _children(first.process.pid)
        assert pool, "the worker has no pool process"
        for pid in [first.process.pid, *pool]:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        first.process.wait(timeout=10)
        job = wait_for(film, (JobState.READY, JobState.FAILED), timeout=150)
        took = time.monotonic() - killed_at
        print(f"\nworker killed mid-transcode: the film was ready on the other worker {took:.1f} s later")
        assert (job.state, job.attempts, job.failure_reason) == ("ready", 2, "")
        assert took < 120
        # A late duplicate of the message (the broker redelivering it) changes nothing.
        services.enqueue_processing(film_id=film.pk)
        time.sleep(2)
    finally:
        first.stop(signal.SIGKILL)
        if second is not None:
            second.stop()
    assert AuditEvent.objects.filter(action="media.film_ready", target_id=str(job.pk)).count() == 1
    assert ProcessingJob.objects.get(film=film).state == JobState.READY
    recorded = sorted(
        name for files in FilmOutput.objects.filter(film=film).values_list("files", flat=True) for name in files
    )
    assert stored(film.pk) == recorded  # one set of outputs, no leftovers of the killed attempt
    assert sorted(o.key for o in FilmOutput.objects.filter(film=film)) == [
        "hls/270p",
        "hls/master",
        "mp4",
        "poster",
        "storyboard",
    ]
    assert list(work.glob("**/*")) == []  # no orphan temporary files
    # The killed worker's ffmpeg died with it (PR_SET_PDEATHSIG), it is not still encoding.
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert str(work) not in processes
