"""Fixtures of the judging tests: a film with playable outputs in a temporary storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from media.assets import storage_name
from media.models import Film, FilmOutput, JobState, OutputKind
from tests.factories import FilmFactory

MP4_BYTES = bytes(range(256)) * 8


@pytest.fixture
def judging_storage(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "storage"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    return root


@pytest.fixture
def playable_film(judging_storage: Path) -> Film:
    """A processed film (as media records it) of 40 s, without running ffmpeg."""
    film = FilmFactory.create(job__state=JobState.READY)
    files = {"hls/master.m3u8": b"#EXTM3U\n", "mp4/720p.mp4": MP4_BYTES}
    for asset, content in files.items():
        default_storage.save(storage_name(film.pk, asset), ContentFile(content))
    FilmOutput.objects.create(
        film=film, kind=OutputKind.HLS_MASTER, key="hls/master", files=["hls/master.m3u8"], meta={"duration": 40.0}
    )
    FilmOutput.objects.create(film=film, kind=OutputKind.MP4, key="mp4", files=["mp4/720p.mp4"], width=160, height=90)
    return film
