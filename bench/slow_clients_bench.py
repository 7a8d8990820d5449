"""Benchmark: do uploads dripping at 1 byte/s starve the judge pages? (issue 13.4)

    .venv/bin/python bench/slow_clients_bench.py [--slow 50] [--requests 120] [--setups 4x4,4x32]

For each gunicorn set-up (``workers x threads``, gthread worker class, the README's other
flags), on loopback only: seeds the demo festival's judging in a scratch SQLite database,
measures the p95 of the judge's queue and scoring page (``--requests`` requests, 4 at a
time), then opens ``--slow`` tus PATCHes that each send their headers and then one body
byte per second, measures the same pages again while they drip, and prints both p95s and
their ratio (target: <= 2.0 for the README's set-up). A request that takes longer than
10 s counts as 10 s (a starved site). Bounded: at most ``--requests`` page requests and
``--slow`` sockets per phase; every process it starts is stopped. Not a timed test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
REQUEST_TIMEOUT = 10.0
TOKEN = "t" * 32  # CSRF: any 32-character secret works when cookie and header agree


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(out: Path, slow: int) -> None:
    """Runs in a child whose environment points at the scratch database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.urls import reverse

    from festival.models import User
    from judging.demo import DEMO_JUDGE, seed_demo_judging
    from judging.models import Assignment
    from submissions.services.entries import create_submission
    from submissions.uploads.services import create_upload

    demo = seed_demo_judging()
    store = import_module(settings.SESSION_ENGINE).SessionStore

    def session_of(user: User) -> str:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return str(session.session_key)

    judge = User.objects.get(email=DEMO_JUDGE)
    assignment = Assignment.objects.filter(judge__user=judge, round=demo.round).order_by("position").first()
    assert assignment is not None
    pages = [
        reverse("judging:queue"),
        reverse("judging:score", kwargs={"round_id": assignment.round_id, "assignment_id": assignment.pk}),
    ]
    uploads = []
    for index in range(slow):
        entrant = User.objects.create_user(email=f"slow{index}@bench.test", password=None)
        submission = create_submission(entrant=entrant, edition=demo.edition, title=f"Slow film {index}")
        upload = create_upload(
            user=entrant, submission_id=submission.pk, length=10_000_000, metadata={"filename": "film.mp4"}
        )
        uploads.append({"url": f"/api/uploads/{upload.pk}", "session": session_of(entrant)})
    out.write_text(json.dumps({"judge": session_of(judge), "pages": pages, "uploads": uploads}))


def get(base: str, path: str, session: str) -> float:
    request = urllib.request.Request(base + path, headers={"Cookie": f"sessionid={session}"})  # noqa: S310
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310 (loopback)
            response.read()
            assert response.status == 200, f"{path}: {response.status}"
    except (TimeoutError, urllib.error.URLError):
        return REQUEST_TIMEOUT
    return min(time.perf_counter() - started, REQUEST_TIMEOUT)


def p95(base: str, plan: dict, count: int) -> float:
    paths = [plan["pages"][i % len(plan["pages"])] for i in range(count)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        times = sorted(pool.map(lambda p: get(base, p, plan["judge"]), paths))
    return times[min(len(times) - 1, int(0.95 * len(times)))]


class Drip:
    """``count`` tus PATCHes sending their body one byte a second until stopped."""

    def __init__(self, port: int, uploads: list[dict]) -> None:
        self.port = port
        self.uploads = uploads
        self.sockets: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        for upload in self.uploads:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            head = (
                f"PATCH {upload['url']} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                f"Content-Length: 10000000\r\nX-CSRFToken: {TOKEN}\r\n"
                f"Cookie: sessionid={upload['session']}; csrftoken={TOKEN}\r\n\r\n"
            )
            sock.sendall(head.encode())
            self.sockets.append(sock)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(1.0):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"x")

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def run_setup(setup: str, *, env: dict[str, str], plan: dict, requests: int, log: Path) -> tuple[float, float]:
    workers, threads = setup.split("x")
    port = free_port()
    argv = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "festival.wsgi",
        *shlex.split(f"-w {workers} -k gthread --threads {threads} --timeout 600 -b 127.0.0.1:{port}"),
    ]
    with log.open("ab") as handle:
        server = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get(base, plan["pages"][0], plan["judge"]) >= REQUEST_TIMEOUT or server.poll() is not None:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.5)
        p95(base, plan, 20)  # warm every worker
        quiet = p95(base, plan, requests)
        drip = Drip(port, plan["uploads"])
        drip.start()
        try:
            time.sleep(3)  # every dripping request has reached a worker thread
            loaded = p95(base, plan, requests)
        finally:
            drip.close()
        return quiet, loaded
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--requests", type=int, default=120)
    parser.add_argument("--setups", default="4x4,4x32", help="comma-separated workers x threads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="laurel-slow-") as folder:
        var = Path(folder)
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LAUREL_", "DATABASE", "REDIS"))}
        env = {
            **keep,
            "DJANGO_SETTINGS_MODULE": "festival.settings",
            "DJANGO_DEBUG": "false",
            "LAUREL_VAR_DIR": str(var),
            "LAUREL_UPLOAD_MAX_CONCURRENT": str(args.slow + 1),
            "CELERY_BROKER_URL": "filesystem://",
            "LAUREL_LOG_LEVEL": "WARNING",
        }
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        plan_path = var / "plan.json"
        subprocess.run(
            [PY, __file__, "--seed", str(plan_path), "--slow", str(args.slow)], cwd=ROOT, env=env, check=True
        )
        plan = json.loads(plan_path.read_text())
        for setup in args.setups.split(","):
            quiet, loaded = run_setup(setup, env=env, plan=plan, requests=args.requests, log=var / "gunicorn.log")
            print(
                f"gthread {setup} (workers x threads), {args.slow} PATCHes dripping 1 byte/s: judge pages p95 "
                f"{quiet * 1000:.1f} ms without, {loaded * 1000:.1f} ms with; ratio {loaded / quiet:.2f} "
                f"(target <= 2.0)",
                flush=True,
            )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--seed":
        seed(Path(sys.argv[2]), int(sys.argv[4]))
    else:
        main()
