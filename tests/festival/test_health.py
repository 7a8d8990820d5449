from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from festival import health
from tests.conftest import WorkerProcess
from tests.factories import UserFactory

pytestmark = pytest.mark.services


@pytest.fixture(autouse=True)
def _fresh_health_cache() -> None:
    cache.delete(health.CACHE_KEY)


def test_healthz_reports_a_missing_worker_as_failing(transactional_db: None, ffmpeg: str) -> None:
    response = Client().get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["worker"]["ok"] is False
    assert {name: check["ok"] for name, check in body["checks"].items() if name != "worker"} == {
        "database": True,
        "broker": True,
        "ffmpeg": True,
        "ffprobe": True,
        "storage": True,
    }


def test_healthz_is_ok_with_a_live_worker(celery_worker: WorkerProcess, ffmpeg: str) -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ok"


def test_healthz_hides_details_from_the_public_but_shows_them_to_staff(
    celery_worker: WorkerProcess, ffmpeg: str, settings: object
) -> None:
    public = Client().get("/healthz").json()
    staff = Client()
    staff.force_login(UserFactory.create(is_staff=True))
    detailed = staff.get("/healthz").json()

    assert "detail" not in public["checks"]["worker"]
    assert "w1-" in detailed["checks"]["worker"]["detail"]
    assert detailed["checks"]["ffmpeg"]["detail"].startswith("ffmpeg version")


def test_healthcheck_command_fails_without_a_worker(transactional_db: None) -> None:
    with pytest.raises(CommandError, match="unhealthy: worker"):
        call_command("healthcheck")


def test_healthz_answers_from_the_shared_cache_within_its_window(transactional_db: None, monkeypatch) -> None:
    runs: list[int] = []
    real = health.run_checks

    def counted() -> list[health.CheckResult]:
        runs.append(1)
        return real()

    monkeypatch.setattr(health, "run_checks", counted)
    first = Client().get("/healthz").json()
    second = Client().get("/healthz").json()

    assert first == second
    assert len(runs) == 1
    cache.delete(health.CACHE_KEY)
    Client().get("/healthz")
    assert len(runs) == 2
