"""Benchmark: what the uploader waits for at 100 %, before and after in-place completion, and
throughput against the reference Node tus server, all in one run.

A 1 GiB file is sent in 64 MiB PATCHes by one client (``http.client``, one connection per
request, as ``bench/upload_bench.py``) to

- Laurel as it was: ``main`` checked out into a temporary ``git worktree`` (the last PATCH
  concatenated every part into the source),
- Laurel as it is (this checkout: each PATCH appended in place, the last one only records it),
- ``@tus/server`` with ``@tus/file-store`` (installed with npm into a temporary folder).

Each Laurel runs under gunicorn with a throw-away SQLite database and media root on local
storage. Printed: the wait of the last PATCH (from its last byte sent to the answer), every
PATCH's wait, the whole upload's throughput, and the ratios.

    .venv/bin/python bench/upload_completion_bench.py [--size-mib 1024] [--chunk-mib 64] [--main main]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from upload_bench import MiB, _Window, make_source  # noqa: E402

PORTS = {"before": 8181, "after": 8182, "tus": 8183}  # this stream's port range

# Run inside each Laurel checkout (its own code and migrations): a festival open for
# submissions, an entrant with a session, one submission per upload.
SETUP = """
import json, sys
from datetime import timedelta
import django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.utils import timezone
from festival.models import Edition, Festival, User
from submissions.models import Submission
call_command("migrate", verbosity=0)
size = int(sys.argv[1])
user = User.objects.create_user(email="bench@example.com", password=None)
festival = Festival.objects.create(name="Bench", slug="bench")
edition = Edition.objects.create(
    festival=festival, name="Bench", slug="bench", year=2027,
    submissions_open_at=timezone.now() - timedelta(days=1), submissions_close_at=timezone.now() + timedelta(days=1),
    max_file_size_bytes=2 * size, allowed_containers=["mp4"],
)
ids = [Submission.objects.create(edition=edition, entrant=user, title=f"Bench {i}").pk for i in range(2)]
session = SessionStore()
session.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash()})
session.create()
print(json.dumps({"session": session.session_key, "submissions": ids}))
"""

TUS_SERVER = """
import http from "node:http";
import { Server } from "@tus/server";
import { FileStore } from "@tus/file-store";
const [port, dir] = process.argv.slice(2);
const tus = new Server({ path: "/files", datastore: new FileStore({ directory: dir }) });
http.createServer((req, res) => tus.handle(req, res)).listen(Number(port), "127.0.0.1");
"""


@dataclass
class Result:
    seconds: float  # the whole upload, creation to the last answer
    waits: list[float]  # per PATCH: last byte sent -> answer


class Client:
    """The same tus client for every server: creation, then PATCHes of ``chunk`` bytes."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port, self.headers = port, {"Tus-Resumable": "1.0.0", **headers}

    def _send(self, method: str, path: str, headers: dict[str, str], body: object = None) -> tuple[object, float]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1200, blocksize=MiB)
        connection.request(method, path, body=body, headers={**self.headers, **headers})  # type: ignore[arg-type]
        sent = time.perf_counter()
        response = connection.getresponse()
        response.read()
        waited = time.perf_counter() - sent
        connection.close()
        return response, waited

    def upload(self, create_path: str, metadata: str, source: Path, size: int, chunk: int) -> Result:
        started = time.perf_counter()
        response, _ = self._send("POST", create_path, {"Upload-Length": str(size), "Upload-Metadata": metadata})
        assert response.status == 201, response.status  # type: ignore[attr-defined]
        location = response.headers["Location"]  # type: ignore[attr-defined]
        path = location.split(f":{self.port}", 1)[1] if "://" in location else location
        offset, waits = 0, []
        with source.open("rb") as handle:
            while offset < size:
                length = min(chunk, size - offset)
                handle.seek(offset)
                headers = {
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(length),
                }
                response, waited = self._send("PATCH", path, headers, _Window(handle, length))
                assert response.status == 204, response.status  # type: ignore[attr-defined]
                offset = int(response.headers["Upload-Offset"])  # type: ignore[attr-defined]
                waits.append(waited)
        return Result(seconds=time.perf_counter() - started, waits=waits)


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("OPTIONS", "/", headers={"Tus-Resumable": "1.0.0"})
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not answer")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(4 * MiB):
            digest.update(piece)
    return digest.hexdigest()


def largest_file(folder: Path) -> Path:
    return max((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)


def run_laurel(checkout: Path, work: Path, port: int, source: Path, size: int, chunk: int) -> Result:
    var = work / "var"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "festival.settings",
        "LAUREL_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'bench.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "REDIS_URL": "",
        "LAUREL_UPLOAD_QUOTA_BYTES": str(4 * size),
        "PYTHONPATH": str(checkout),
    }
    var.mkdir(parents=True)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(size)], cwd=checkout, env=env, capture_output=True, text=True, check=True
    )
    seeded = json.loads(setup.stdout.strip().splitlines()[-1])
    log = (work / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "festival.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--worker-class", "gthread", "--threads", "2", "--timeout", "1200"],
        cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(port, server)
        token = "b" * 32
        client = Client(port, {"Cookie": f"sessionid={seeded['session']}; csrftoken={token}", "X-CSRFToken": token})
        submission = seeded["submissions"][0]
        metadata = f"submission {_b64(str(submission))},filename {_b64('bench.mp4')}"
        # Warm-up: modules loaded and the database open before the measured upload.
        warm = f"submission {_b64(str(seeded['submissions'][1]))},filename {_b64('warm.mp4')}"
        client.upload("/api/uploads/", warm, source, 16, 16)
        subprocess.run(["sync"], check=True)
        result = client.upload("/api/uploads/", metadata, source, size, chunk)
    finally:
        stop(server)
    stored = largest_file(var / "media" / "uploads")
    assert stored.stat().st_size == size and sha256_of(stored) == sha256_of(source), "stored file differs"
    return result


def run_tus_server(work: Path, source: Path, size: int, chunk: int) -> Result:
    app = work / "tus"
    app.mkdir(parents=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", "@tus/server", "@tus/file-store"],
        cwd=app, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    (app / "server.mjs").write_text(TUS_SERVER, encoding="utf-8")
    files = work / "files"
    files.mkdir()
    server = subprocess.Popen(
        ["node", "server.mjs", str(PORTS["tus"]), str(files)],
        cwd=app, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(PORTS["tus"], server)
        client = Client(PORTS["tus"], {})
        client.upload("/files", f"filename {_b64('warm.mp4')}", source, 16, 16)
        subprocess.run(["sync"], check=True)
        result = client.upload("/files", f"filename {_b64('bench.mp4')}", source, size, chunk)
    finally:
        stop(server)
    stored = largest_file(files)
    assert stored.stat().st_size == size and sha256_of(stored) == sha256_of(source), "stored file differs"
    return result


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-mib", type=int, default=64)
    parser.add_argument("--main", default="main", help="the commit measured as 'before'")
    args = parser.parse_args()
    size, chunk = args.size_mib * MiB, args.chunk_mib * MiB
    work = Path(tempfile.mkdtemp(prefix="laurel-completion-bench-"))
    before = work / "main-checkout"
    subprocess.run(["git", "worktree", "add", "--detach", str(before), args.main], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        source = work / "source.bin"
        print(f"writing {args.size_mib} MiB of random bytes ...", flush=True)
        make_source(source, size)
        results = {
            "before": run_laurel(before, work / "before", PORTS["before"], source, size, chunk),
            "after": run_laurel(ROOT, work / "after", PORTS["after"], source, size, chunk),
            "tus": run_tus_server(work, source, size, chunk),
        }
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, check=False)
        shutil.rmtree(work, ignore_errors=True)
    labels = {
        "before": f"Laurel before ({args.main}, parts joined at 100 %)",
        "after": "Laurel after (appended in place)",
        "tus": "@tus/server + @tus/file-store",
    }
    print(f"{args.size_mib} MiB in {args.chunk_mib} MiB PATCHes ({size // chunk} PATCHes), one client, one run")
    for key, result in results.items():
        waits = ", ".join(f"{w:.2f}" for w in result.waits)
        rate = size / result.seconds / MiB
        print(
            f"{labels[key]:<48} wait at 100 %: {result.waits[-1]:6.2f} s   throughput {rate:7.1f} MiB/s"
            f"   (waits per PATCH, s: {waits})"
        )
    before_wait, after_wait = results["before"].waits[-1], results["after"].waits[-1]
    print(f"wait at 100 %: before / after = {before_wait / after_wait:.1f}x")
    ratio = results["tus"].seconds / results["after"].seconds
    print(f"throughput Laurel after / @tus/server = {ratio:.2f} (target >= 1.00)")


if __name__ == "__main__":
    main()
