"""Shared fixtures: real services, a real Celery worker process, and the CI flag.

Under ``LAUREL_REQUIRE_SERVICES=1`` (set by ``.ci/run``) a test whose service is missing
fails instead of skipping, so CI can never go green by skipping what it should test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


def service_missing(reason: str) -> None:
    """Skip the test, or fail it when CI says every service must be there."""
    if settings.LAUREL_REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: the embedded default's file cache outlives a test
    run, and row ids repeat between runs, so a cached count of one test's user 7 would answer
    another's (unread notifications, health, ranking-refresh locks)."""
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache

    if isinstance(cache, RedisCache):
        # CI's cache shares its Redis database with the broker: delete only the cache's keys.
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        for key in client.scan_iter(match=cache.make_key("*")):
            client.delete(key)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2's deliberate slowness is for attackers, not for the test suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], datetime]:
    """Stop the clock the code reads at ``moment``: ``django.utils.timezone.now``, hence the views,
    services and ``auto_now`` fields too. For tests whose outcome depends on the day or the hour
    (CI runs at any hour, including just after midnight UTC); returns the moment."""
    from django.utils import timezone

    def freeze(moment: datetime) -> datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return freeze


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run ``.delay()`` in the calling process (e.g. the on-commit hand-off of a notification)."""
    from festival.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


@pytest.fixture
def ffmpeg() -> str:
    path = shutil.which(settings.FFMPEG_BINARY)
    if path is None or shutil.which(settings.FFPROBE_BINARY) is None:
        service_missing("ffmpeg/ffprobe not installed")
    assert path is not None
    return path


@pytest.fixture
def postgres_db(db: None) -> None:
    if connections["default"].vendor != "postgresql":
        service_missing("DATABASE_URL does not point at PostgreSQL")


@pytest.fixture
def redis_url() -> str:
    url: str = settings.REDIS_URL
    if not url:
        service_missing("REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {url} does not answer: {exc}")
    return url


def _database_url_for_worker() -> str:
    """The URL of the database the test process is using right now (the test database)."""
    conf: dict[str, Any] = connections["default"].settings_dict
    if conf["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{conf['NAME']}"
    auth = conf["USER"] or ""
    if conf.get("PASSWORD"):
        auth += f":{conf['PASSWORD']}"
    host = conf["HOST"] or "localhost"
    port = f":{conf['PORT']}" if conf.get("PORT") else ""
    return f"postgres://{auth + '@' if auth else ''}{host}{port}/{conf['NAME']}"


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill_tree(self) -> None:
        """kill -9 the main process and its pool processes, as when the host dies."""
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout
        for pid in [self.process.pid, *(int(line) for line in out.split())]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_worker(
    tmp_path: Path,
    *,
    queues: str = "default,media",
    extra_env: dict[str, str] | None = None,
    name: str = "w1",
    extra_args: tuple[str, ...] = (),
) -> WorkerProcess:
    """Start ``celery worker`` as a separate process on the test database; wait until it answers."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(),
        "DJANGO_SETTINGS_MODULE": "festival.settings",
        **(extra_env or {}),
    }
    log_path = tmp_path / f"worker-{name}.log"
    handle = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "festival",
            "worker",
            "-Q",
            queues,
            "-c",
            "1",
            "-n",
            f"{name}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
            *extra_args,
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    worker = WorkerProcess(process=process, log_path=log_path)
    from festival.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited with {process.returncode}:\n{worker.log()}")
        replies = app.control.ping(timeout=1) or []
        if any(f"{name}-{os.getpid()}@" in key for reply in replies for key in reply):
            return worker
    worker.stop(signal.SIGKILL)
    raise RuntimeError(f"worker did not answer a ping within 60 s:\n{worker.log()}")


@pytest.fixture
def celery_worker(transactional_db: None, tmp_path: Path) -> Iterator[WorkerProcess]:
    """A real worker process sharing the test database and broker (data must be committed)."""
    worker = start_worker(tmp_path)
    try:
        yield worker
    finally:
        worker.stop()
