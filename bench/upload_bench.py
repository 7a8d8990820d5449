"""Benchmark: a 1 GiB tus upload over loopback to gunicorn, the production WSGI server.

Prints the server's peak RSS growth while it receives the upload (target <= 64 MiB: the
body is streamed to storage in fixed-size chunks, never held) and the upload's throughput
as a ratio to ``dd`` copying the same bytes to the same disk in the same run (target >= 0.5).

Two shapes are measured: the whole file in one PATCH (what tus-js-client and tuspy send by
default; the part becomes the film's source with no copy) and 64 MiB PATCHes (parts that
are concatenated into the source when the last one arrives, as after a resumed upload).

    .venv/bin/python bench/upload_bench.py [--size-mib 1024] [--chunk-mib 64]

Self-contained: a throw-away SQLite database, media root and broker folder in a temporary
directory, removed at the end.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MiB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_source(path: Path, size: int) -> str:
    """Random bytes (incompressible), written once; returns their sha256."""
    digest = hashlib.sha256()
    block = os.urandom(4 * MiB)
    with path.open("wb") as handle:
        written = 0
        while written < size:
            piece = block[: min(len(block), size - written)]
            # Vary each block cheaply so the file is not one block repeated.
            piece = written.to_bytes(8, "big") + piece[8:]
            handle.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


def time_dd(source: Path, target: Path) -> float:
    """Seconds dd takes to copy the file with 1 MiB blocks (page cache, like the server's writes)."""
    started = time.perf_counter()
    subprocess.run(["dd", f"if={source}", f"of={target}", "bs=1M", "status=none"], check=True)
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


class RssSampler:
    """Peak resident memory of a process tree (gunicorn master + workers), sampled every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def current(self) -> int:
        total = 0
        for process in [self.root, *self.root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += process.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.current())
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self.peak = self.current()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class TusSession:
    def __init__(self, port: int, cookie: str, token: str) -> None:
        self.port = port
        self.headers = {"Tus-Resumable": "1.0.0", "Cookie": cookie, "X-CSRFToken": token}

    def request(self, method: str, path: str, headers: dict[str, str], body: object = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600, blocksize=MiB)
        connection.request(method, path, body=body, headers={**self.headers, **headers})  # type: ignore[arg-type]
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    def create(self, submission_id: int, size: int) -> str:
        metadata = f"submission {base64.b64encode(str(submission_id).encode()).decode()}"
        metadata += f",filename {base64.b64encode(b'bench.mp4').decode()}"
        response = self.request("POST", "/api/uploads/", {"Upload-Length": str(size), "Upload-Metadata": metadata})
        assert response.status == 201, response.status
        return response.headers["Location"].split(f":{self.port}", 1)[1]

    def upload(self, path: str, source: Path, size: int, chunk: int) -> None:
        offset = 0
        with source.open("rb") as handle:
            while offset < size:
                length = min(chunk, size - offset)
                handle.seek(offset)
                body = _Window(handle, length)
                response = self.request(
                    "PATCH",
                    path,
                    {
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream",
                        "Content-Length": str(length),
                    },
                    body,
                )
                assert response.status == 204, response.status
                offset = int(response.headers["Upload-Offset"])


class _Window:
    """``length`` bytes of an open file, read in 1 MiB blocks by http.client."""

    def __init__(self, handle: object, length: int) -> None:
        self.handle = handle
        self.remaining = length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size < 0 else min(size, self.remaining)
        data: bytes = self.handle.read(size)  # type: ignore[attr-defined]
        self.remaining -= len(data)
        return data


def _rates(size: int, seconds: list[float]) -> str:
    return ", ".join(f"{size / s / MiB:.0f}" for s in seconds) + " MiB/s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-mib", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    size = args.size_mib * MiB

    work = Path(tempfile.mkdtemp(prefix="laurel-upload-bench-"))
    var = work / "var"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "festival.settings",
        "LAUREL_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'bench.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "REDIS_URL": "",
        "LAUREL_UPLOAD_QUOTA_BYTES": str(4 * size + MiB),
        "LAUREL_UPLOAD_MAX_CONCURRENT": "100",
    }
    os.environ.update(env)
    server: subprocess.Popen[bytes] | None = None
    try:
        import django

        django.setup()
        from datetime import timedelta

        from django.contrib.sessions.backends.db import SessionStore
        from django.core.management import call_command
        from django.utils import timezone

        from festival.models import Edition, Festival, User
        from media.models import Film

        call_command("migrate", verbosity=0)
        user = User.objects.create_user(email="bench@example.com", password=None)
        festival = Festival.objects.create(name="Bench", slug="bench")
        edition = Edition.objects.create(
            festival=festival,
            name="Bench",
            slug="bench",
            year=2027,
            submissions_open_at=timezone.now() - timedelta(days=1),
            submissions_close_at=timezone.now() + timedelta(days=1),
            max_file_size_bytes=4 * size,
            allowed_containers=["mp4"],
        )
        from submissions.models import Submission

        warm_submission = Submission.objects.create(edition=edition, entrant=user, title="Warm-up")
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        token = "b" * 32
        cookie = f"sessionid={session.session_key}; csrftoken={token}"

        source = work / "source.bin"
        print(f"writing {args.size_mib} MiB of random bytes ...", flush=True)
        expected = make_source(source, size)

        port = free_port()
        log = (work / "gunicorn.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "festival.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--worker-class", "gthread", "--threads", "2", "--timeout", "600"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        tus = TusSession(port, cookie, token)
        deadline = time.monotonic() + 60
        while True:
            try:
                if tus.request("OPTIONS", "/api/uploads/", {}).status == 204:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        # Warm up: load every module and open the database connection before measuring.
        warm = tus.create(warm_submission.pk, 1000)
        tus.request("HEAD", warm, {})

        # The machine is shared and its disk is noisy: every measurement starts from a
        # flushed page cache (sync), dd and the upload alternate, and the best of each counts.
        rounds: dict[str, list[float]] = {"dd": [], "one PATCH": [], f"{args.chunk_mib} MiB PATCHes": []}
        growth: dict[str, float] = {}
        for _ in range(args.rounds):
            subprocess.run(["sync"], check=True)
            rounds["dd"].append(time_dd(source, work / "dd.out"))
            for label, chunk in (("one PATCH", size), (f"{args.chunk_mib} MiB PATCHes", args.chunk_mib * MiB)):
                submission = Submission.objects.create(edition=edition, entrant=user, title=label)
                path = tus.create(submission.pk, size)
                subprocess.run(["sync"], check=True)
                with RssSampler(server.pid) as sampler:
                    baseline = sampler.peak
                    started = time.perf_counter()
                    tus.upload(path, source, size, chunk)
                    rounds[label].append(time.perf_counter() - started)
                growth[label] = max(growth.get(label, 0.0), sampler.peak - baseline)
                film = Film.objects.get(submission=submission)
                # Several PATCHes: the stored source is hashed by the worker, so hash it here.
                stored = var / "media" / film.source_name
                assert (film.sha256 or hashlib.sha256(stored.read_bytes()).hexdigest()) == expected, (
                    "stored film differs"
                )
                # Free the disk for the next round (the film row stays; its bytes are not needed).
                shutil.rmtree(var / "media" / "uploads", ignore_errors=True)

        dd_rate = size / min(rounds["dd"])
        print(f"{args.size_mib} MiB, best of {args.rounds} rounds")
        print(f"dd (bs=1M, same disk): {dd_rate / MiB:8.1f} MiB/s   (all: {_rates(size, rounds['dd'])})")
        for label in list(rounds)[1:]:
            rate = size / min(rounds[label])
            print(
                f"tus upload, {label:>16}: {rate / MiB:8.1f} MiB/s   ratio to dd {rate / dd_rate:5.2f} (target >= 0.5)"
                f"   server peak RSS growth {growth[label] / MiB:6.1f} MiB (target <= 64)"
                f"   (all: {_rates(size, rounds[label])})"
            )
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
