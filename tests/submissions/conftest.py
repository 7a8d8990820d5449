"""Fixtures for the upload tests: a private media storage, an entrant with a draft, tus helpers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from festival.models import User
from submissions.models import Submission
from tests.factories import SubmissionFactory, UserFactory

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Files go to a folder of this test's own, through the storage API as in production."""
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    assert Path(default_storage.location) == root  # type: ignore[attr-defined]
    yield root


def stored_files(root: Path) -> dict[str, bytes]:
    """Every object under the media root, by storage name."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def entrant(db: None) -> User:
    return UserFactory.create()


@pytest.fixture
def submission(entrant: User) -> Submission:
    return SubmissionFactory.create(entrant=entrant)


@pytest.fixture
def entrant_client(client: Client, entrant: User) -> Client:
    client.force_login(entrant)
    return client


def metadata(**values: Any) -> str:
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in values.items())
