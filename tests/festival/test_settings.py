"""Settings come from the environment; a malformed value stops start-up and names itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from festival.config import StrictEnv

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "LAUREL_ENV": "production",
    "DJANGO_SECRET_KEY": "p" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
    "DJANGO_ALLOWED_HOSTS": "festival.example.org",
    "DATABASE_URL": "postgres://laurel@db.internal:5432/laurel",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


def strict(**values: str) -> StrictEnv:
    env = StrictEnv()
    env.ENVIRON = dict(values)
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LAUREL_", "DATABASE", "REDIS"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "LAUREL_VAR_DIR": str(ROOT / "var" / "settings-test"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("raw, expected", [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False)])
def test_booleans_are_read_strictly(raw: str, expected: bool) -> None:
    assert strict(FLAG=raw).bool("FLAG") is expected


def test_a_malformed_boolean_names_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_DEBUG: expected true/false \(or 1/0\), got 'maybe'$"):
        strict(DJANGO_DEBUG="maybe").bool("DJANGO_DEBUG", default=False)


def test_a_malformed_integer_names_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^CELERY_TASK_TIME_LIMIT: cannot read 'soon'"):
        strict(CELERY_TASK_TIME_LIMIT="soon").positive_int("CELERY_TASK_TIME_LIMIT", default=10)


def test_a_non_positive_integer_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^LIMIT: must be a positive whole number, got 0$"):
        strict(LIMIT="0").positive_int("LIMIT", default=10)


@pytest.mark.parametrize("url", ["nonsense", "mysql://db/laurel", "postgres://"])
def test_an_unusable_database_url_names_the_variable(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_URL: "):
        strict(DATABASE_URL=url).database("DATABASE_URL", default="sqlite:////tmp/x.sqlite3")


def test_database_urls_are_parsed() -> None:
    env = strict(DATABASE_URL="postgres://laurel:secret@db.internal:5433/festival")
    config = env.database("DATABASE_URL", default="")
    assert (config["ENGINE"], config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        5433,
        "festival",
        "laurel",
    )


def test_a_broker_url_with_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^CELERY_BROKER_URL: expected a URL starting with"):
        strict(CELERY_BROKER_URL="kafka://x").url_value("CELERY_BROKER_URL", default="", schemes=("redis",))


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^LAUREL_TIME_ZONE: unknown time zone 'Mars/Olympus'$"):
        strict(LAUREL_TIME_ZONE="Mars/Olympus").time_zone("LAUREL_TIME_ZONE", default="UTC")


def test_start_up_fails_with_the_variable_named() -> None:
    result = run_manage("check", env={"DJANGO_DEBUG": "perhaps"})

    assert result.returncode == 1
    assert "ImproperlyConfigured: DJANGO_DEBUG: expected true/false (or 1/0), got 'perhaps'" in result.stderr


def test_production_requires_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = run_manage("check", env=env)

    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_production_profile_passes_check_deploy() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_embedded_default_needs_no_server(settings: object) -> None:
    result = run_manage("shell", "--no-imports", "-c", _PRINT_BACKENDS, env={})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "django.core.files.storage.FileSystemStorage",
        "notifications.backends.MailFolderBackend",
    ]


def test_services_are_switched_on_by_the_environment() -> None:
    env = {
        "DATABASE_URL": "postgres://laurel@db.internal/laurel",
        "REDIS_URL": "redis://cache.internal:6379/2",
        "AWS_STORAGE_BUCKET_NAME": "films",
        "AWS_S3_ENDPOINT_URL": "http://s3.internal:9000",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    }
    result = run_manage("shell", "--no-imports", "-c", _PRINT_BACKENDS, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://cache.internal:6379/2",
        "storages.backends.s3.S3Storage",
        "django.core.mail.backends.smtp.EmailBackend",
    ]


def test_a_provider_is_chosen_through_anymail() -> None:
    env = {"EMAIL_URL": "anymail://postmark", "ANYMAIL": '{"POSTMARK_SERVER_TOKEN": "token"}'}
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.ANYMAIL)",
        env=env,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "anymail.backends.postmark.EmailBackend {'POSTMARK_SERVER_TOKEN': 'token'}"


_PRINT_BACKENDS = (
    "from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE']); print(s.CELERY_BROKER_URL); "
    "print(s.STORAGES['default']['BACKEND']); print(s.EMAIL_BACKEND)"
)
