"""The one place ffmpeg and ffprobe run.

Argv builders live next to what they build (``media.probe``, ``media.renditions``,
``media.ai_usage.shots``) and are pure functions that describe inputs, filters and outputs
with ffmpeg-python and compile them here (``untrusted_input``, ``ffmpeg_argv``,
``ffprobe_argv``); ``run`` executes one argv with the limits every run of an untrusted file
needs: no stdin, no shell, a wall-clock timeout, an address-space cap, its own process
group (a timeout kills every thread and child), stderr kept in a file of the job's own
folder (parsed by the analysers, its tail stored on the job), and ``-progress`` lines
handed to a callback on the calling thread (which may raise to stop the run).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import re
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ffmpeg
from django.conf import settings
from ffmpeg._utils import convert_kwargs_to_cmd_line_args

# Containers an upload may be read as: every probe and decode is limited to these demuxers.
FORMAT_WHITELIST = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts"
PROTOCOL_WHITELIST = "file"
STDERR_TAIL_BYTES = 4000
PR_SET_PDEATHSIG = 1  # linux/prctl.h

Stream = Any  # an ffmpeg-python stream or output (the library has no type hints)
ProgressCallback = Callable[[dict[str, str]], None]
TickCallback = Callable[[], None]  # called about once a second while a run waits (heartbeats)


class RunFailed(Exception):
    """ffmpeg/ffprobe exited with an error."""

    def __init__(self, message: str, *, returncode: int | None, stderr_tail: str, peak_memory_mb: int = 0) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        self.peak_memory_mb = peak_memory_mb


class RunTimedOut(RunFailed):
    """The run passed its wall-clock limit and was killed."""


@dataclass(frozen=True)
class RunResult:
    returncode: int
    stdout: str  # empty when progress lines were consumed by a callback
    stderr_tail: str
    stderr_path: Path
    elapsed: float
    peak_memory_mb: int = 0  # the process's peak address space, sampled while it ran


@dataclass(frozen=True)
class Limits:
    timeout: float  # seconds of wall clock
    memory_mb: int
    threads: int


def default_limits(*, timeout: float) -> Limits:
    return Limits(
        timeout=timeout, memory_mb=settings.LAUREL_MEDIA_MEMORY_LIMIT_MB, threads=settings.LAUREL_MEDIA_THREADS
    )


# A run that came this close to its address-space cap, or whose stderr says an allocation
# failed, ran out of memory (ffmpeg reports ENOMEM in many ways: as an error, as the end of
# an input, or by crashing), whatever else its exit looks like.
MEMORY_CAP_SHARE = 0.75
OUT_OF_MEMORY = re.compile(
    r"Cannot allocate memory|malloc of size \d+ failed|Out of memory|out of memory|bad_alloc|failed to map segment"
)


def hit_memory_cap(*, stderr: str, peak_memory_mb: int, limits: Limits) -> bool:
    return OUT_OF_MEMORY.search(stderr) is not None or peak_memory_mb >= limits.memory_mb * MEMORY_CAP_SHARE


def transcode_timeout(duration_seconds: float) -> float:
    """Wall clock allowed for the one-decode pass of a film this long."""
    return float(settings.LAUREL_MEDIA_TIMEOUT_BASE) + settings.LAUREL_MEDIA_TIMEOUT_PER_SECOND * max(
        0.0, duration_seconds
    )


def untrusted_input(path: Path, **options: str) -> Stream:
    """An upload as an ffmpeg-python input: demuxer and protocol allow-lists, then the file
    (``file:`` first, so no name is read as an option or another protocol, and never a URL).

    ``options`` are further input options (``t``, ``ss``, ``threads`` for the decoder);
    ffmpeg-python writes all of them, sorted, before this input's ``-i``.
    """
    return ffmpeg.input(
        f"file:{path}", protocol_whitelist=PROTOCOL_WHITELIST, format_whitelist=FORMAT_WHITELIST, **options
    )


def ffmpeg_argv(outputs: Sequence[Stream], *, threads: int, loglevel: str, progress: bool = False) -> list[str]:
    """One ffmpeg process writing every one of ``outputs`` (in that order), compiled by ffmpeg-python.

    The global options follow the outputs (ffmpeg reads a global option anywhere on the
    command line): no stdin, quiet banner, no overwrite prompts (``-y``, last), thread counts
    for the filters (encoders get theirs per output, the decoder from its input's
    ``threads``) and, with ``progress``, ``-progress pipe:1`` for ``run``'s callback.
    ``-nostdin`` comes first: ffmpeg's early scan for ``-loglevel``/``-hide_banner`` skips
    the word after an output named ``-`` (the null muxer's), and ``-nostdin`` is also read
    where it stands.
    """
    count = str(threads)
    options = ["-nostdin", "-hide_banner", "-nostats", "-loglevel", loglevel]
    options += ["-filter_threads", count, "-filter_complex_threads", count]
    if progress:
        options += ["-progress", "pipe:1"]
    spec = ffmpeg.merge_outputs(*outputs).global_args(*options)
    return [str(arg) for arg in ffmpeg.compile(spec, cmd=settings.FFMPEG_BINARY, overwrite_output=True)]


def ffprobe_argv(path: Path, **options: str | None) -> list[str]:
    """ffprobe of an upload, shaped as ``ffmpeg.probe`` shapes it (its options through
    ffmpeg-python's kwargs-to-arguments helper: sorted, ``None`` for a flag, then the file),
    with the allow-lists, quiet, and the file after ``-i`` as ``untrusted_input`` names it.

    ``ffmpeg.probe`` itself runs ffprobe without limits; ``run`` runs this argv.
    """
    arguments = convert_kwargs_to_cmd_line_args(
        {
            "v": "error",
            "hide_banner": None,
            "protocol_whitelist": PROTOCOL_WHITELIST,
            "format_whitelist": FORMAT_WHITELIST,
            **options,
        }
    )
    return [settings.FFPROBE_BINARY, *(str(arg) for arg in arguments), "-i", f"file:{path}"]


def _limit_memory(megabytes: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # Die with the worker (kill -9 of the worker must not leave ffmpeg running).
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    return apply


def _tail(path: Path, size: int = STDERR_TAIL_BYTES) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            end = handle.tell()
            handle.seek(max(0, end - size))
            return handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _read_progress(stream: IO[bytes], lines: queue.Queue[dict[str, str] | None]) -> None:
    block: dict[str, str] = {}
    for raw in stream:
        key, _, value = raw.decode("utf-8", errors="replace").strip().partition("=")
        if not key:
            continue
        block[key] = value
        if key == "progress":
            lines.put(block)
            block = {}
    lines.put(None)


class _MemoryWatch:
    """Samples a child's peak address space (VmPeak) until it exits; an exit leaves no trace of it."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid, self.every, self.peak_kb = pid, every, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmPeak:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                    return

    def _run(self) -> None:
        while not self._done.wait(self.every):
            self._sample()

    def stop(self) -> int:
        self._done.set()
        self._thread.join(timeout=1)
        return self.peak_kb // 1024


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run(
    argv: Sequence[str],
    *,
    limits: Limits,
    stderr_path: Path,
    on_progress: ProgressCallback | None = None,
    on_tick: TickCallback | None = None,
    cwd: Path | None = None,
) -> RunResult:
    """Run one ffmpeg/ffprobe argv; RunTimedOut / RunFailed on timeout or a non-zero exit.

    With ``on_progress`` the argv must write ``-progress pipe:1``; each complete block is
    handed to the callback on this thread (so it may use the database), and an exception it
    raises kills the process and propagates. ``on_tick`` is called on this thread about
    once a second whatever the process prints (so a long run keeps its job's heartbeat).
    """
    started = time.monotonic()
    deadline = started + limits.timeout
    with stderr_path.open("wb") as stderr_handle:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr_handle,
            cwd=cwd,
            start_new_session=True,  # its own process group: a kill reaches every child
            preexec_fn=_limit_memory(limits.memory_mb),  # only setrlimit: safe between fork and exec
            close_fds=True,
        )
        memory = _MemoryWatch(process.pid)
        try:
            stdout = _wait(process, deadline=deadline, on_progress=on_progress, on_tick=on_tick)
        except BaseException:
            _kill_group(process)
            raise
        finally:
            peak = memory.stop()
    elapsed = time.monotonic() - started
    tail = _tail(stderr_path)
    if process.returncode == -signal.SIGKILL and time.monotonic() >= deadline:
        raise RunTimedOut(
            f"stopped after {limits.timeout:.0f} s (time limit)",
            returncode=process.returncode,
            stderr_tail=tail,
            peak_memory_mb=peak,
        )
    if process.returncode != 0:
        raise RunFailed(
            f"{Path(argv[0]).name} exited with {process.returncode}",
            returncode=process.returncode,
            stderr_tail=tail,
            peak_memory_mb=peak,
        )
    return RunResult(
        returncode=process.returncode,
        stdout=stdout,
        stderr_tail=tail,
        stderr_path=stderr_path,
        elapsed=elapsed,
        peak_memory_mb=peak,
    )


def _wait(
    process: subprocess.Popen[bytes],
    *,
    deadline: float,
    on_progress: ProgressCallback | None,
    on_tick: TickCallback | None,
) -> str:
    assert process.stdout is not None
    tick = on_tick or (lambda: None)
    if on_progress is None:
        # Small outputs (ffprobe): read on a thread so the timeout (and the ticks) still apply.
        chunks: list[bytes] = []
        reader = threading.Thread(target=lambda: chunks.append(process.stdout.read()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _kill_group(process)
                break
            try:
                process.wait(timeout=min(1.0, remaining))
                break
            except subprocess.TimeoutExpired:
                tick()
        reader.join(timeout=5)
        return b"".join(chunks).decode("utf-8", errors="replace")

    blocks: queue.Queue[dict[str, str] | None] = queue.Queue()
    reader = threading.Thread(target=_read_progress, args=(process.stdout, blocks), daemon=True)
    reader.start()
    finished_reading = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _kill_group(process)
            break
        try:
            block = blocks.get(timeout=min(1.0, remaining))
        except queue.Empty:
            if finished_reading and process.poll() is not None:
                break
            tick()
            continue
        if block is None:
            finished_reading = True
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _kill_group(process)
            break
        on_progress(block)
        tick()
    reader.join(timeout=5)
    return ""
