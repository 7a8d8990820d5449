"""Fixtures of the media tests: storage in a temporary folder, tiny generated clips."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings


@pytest.fixture
def media_storage(settings: Any, tmp_path: Path) -> Path:
    """Files of this test only, in a folder of their own (the storage API is reset by Django)."""
    root = tmp_path / "storage"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    settings.LAUREL_MEDIA_WORK_DIR = str(tmp_path / "work")
    return root


def _ffmpeg(*args: str) -> None:
    subprocess.run([settings.FFMPEG_BINARY, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Tiny real films and bad inputs, generated once per session (lavfi, 2-3 s, 160x90 or so)."""
    if shutil.which(settings.FFMPEG_BINARY) is None:
        yield {}
        return
    root = tmp_path_factory.mktemp("clips")
    out: dict[str, Path] = {}

    def film(
        name: str,
        size: str,
        *,
        seconds: float = 2,
        audio: bool = True,
        pix_fmt: str = "yuv420p",
        post: str = "",
        extra: tuple[str, ...] = (),
    ) -> None:
        path = root / name
        # Two different test pictures make one scene cut at 1 s.
        video = (
            f"testsrc2=size={size}:rate=25:duration=1[a];smptebars=size={size}:rate=25:duration={seconds - 1}[b];"
            f"[a][b]concat=n=2:v=1:a=0,format={pix_fmt}{post}[v]"
        )
        args = ["-filter_complex", video]
        if audio:
            args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=48000"]
        args += ["-map", "[v]"] + (["-map", "0:a"] if audio else [])
        args += ["-c:v", "libx264", "-preset", "ultrafast", *extra]
        if audio:
            args += ["-c:a", "aac", "-shortest"]
        _ffmpeg(*args, str(path))
        out[name] = path

    film("horizontal.mp4", "160x90")
    film("vertical.mp4", "90x160")
    film("square.mp4", "120x120")
    film("odd.mkv", "161x91", pix_fmt="yuv444p")
    film("silent.mp4", "160x90", audio=False)
    # Variable frame rate: irregular frames dropped, timestamps kept.
    film(
        "vfr.mkv", "160x90", post=",select='lt(t\\,0.5)+not(mod(n\\,3))+eq(mod(n\\,7)\\,1)'", extra=("-fps_mode", "vfr")
    )
    yield out
