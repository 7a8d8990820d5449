"""Health of every dependency Laurel needs: database, broker, a live worker, ffmpeg, storage.

Used by ``/healthz`` (for load balancers and monitors) and ``manage.py healthcheck``.
Each check is independent and bounded in time, so one dead dependency is reported
instead of hanging the others.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from festival.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 2
# A ping returns as soon as one worker answers (``limit=1``); a worker that has not answered in
# this long is as good as absent for a load balancer's health probe.
WORKER_PING_TIMEOUT_SECONDS = 0.4
# /healthz is polled by load balancers and monitors every few seconds on every web host: its
# answer is kept this long in the shared cache, so polling costs one check run per window.
CACHE_SECONDS = 5
CACHE_KEY = "laurel:healthz"


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def check_database() -> CheckResult:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return CheckResult("database", True, connection.vendor)


def check_broker() -> CheckResult:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        return CheckResult("broker", True, conn.as_uri())  # as_uri() masks the password


def check_worker() -> CheckResult:
    replies = celery_app.control.ping(timeout=WORKER_PING_TIMEOUT_SECONDS, limit=1) or []
    names = sorted(name for reply in replies for name in reply)
    if not names:
        return CheckResult("worker", False, "no worker answered a ping")
    return CheckResult("worker", True, ", ".join(names))


def _tool_version(binary: str) -> CheckResult:
    path = shutil.which(binary)
    if path is None:
        return CheckResult(binary, False, f"{binary} not found on PATH (install Debian's ffmpeg)")
    out = subprocess.run(
        [path, "-version"], capture_output=True, text=True, timeout=5, check=False, stdin=subprocess.DEVNULL
    )
    first_line = out.stdout.splitlines()[0] if out.stdout else ""
    return CheckResult(binary, out.returncode == 0, first_line or f"exit {out.returncode}")


def check_ffmpeg() -> CheckResult:
    return _tool_version(settings.FFMPEG_BINARY)


def check_ffprobe() -> CheckResult:
    return _tool_version(settings.FFPROBE_BINARY)


def check_storage() -> CheckResult:
    """Write, read back and delete a small file through the storage API."""
    probe = f"healthz/{uuid.uuid4().hex}.txt"
    payload = b"laurel"
    name = default_storage.save(probe, ContentFile(payload))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != payload:
                return CheckResult("storage", False, "read back different bytes")
    finally:
        default_storage.delete(name)
    return CheckResult("storage", True, type(default_storage).__name__)


CHECKS: tuple[Callable[[], CheckResult], ...] = (
    check_database,
    check_broker,
    check_worker,
    check_ffmpeg,
    check_ffprobe,
    check_storage,
)
CHECK_NAMES = ("database", "broker", "worker", "ffmpeg", "ffprobe", "storage")


def cached_checks() -> list[CheckResult]:
    """``run_checks``, answered from the shared cache for ``CACHE_SECONDS`` (``/healthz``)."""
    stored = cache.get(CACHE_KEY)
    if stored is not None:
        return [CheckResult(*row) for row in stored]
    results = run_checks()
    cache.set(CACHE_KEY, [(r.name, r.ok, r.detail) for r in results], CACHE_SECONDS)
    return results


def run_checks() -> list[CheckResult]:
    results = []
    for name, check in zip(CHECK_NAMES, CHECKS, strict=True):
        try:
            results.append(check())
        except Exception as exc:  # a failing dependency is a result, not a crash
            results.append(CheckResult(name, False, f"{type(exc).__name__}: {exc}"))
    return results
