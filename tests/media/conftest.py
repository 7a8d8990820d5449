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
        "vfr.mp4", "160x90", post=",select='lt(t\\,0.5)+not(mod(n\\,3))+eq(mod(n\\,7)\\,1)'", extra=("-fps_mode", "vfr")
    )
    yield out


@pytest.fixture(scope="session")
def bad_inputs(clips: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each bad input of issue 4 as a real file (generated once per session)."""
    if not clips:
        return {}
    import struct
    import zlib

    root = tmp_path_factory.mktemp("bad")
    out: dict[str, Path] = {}

    def write(name: str, data: bytes) -> None:
        (root / name).write_bytes(data)
        out[name] = root / name

    write("empty.mp4", b"")
    write("text.mp4", b"This is not a film, just some text renamed to .mp4.\n" * 20)
    # Truncated: the default MP4 keeps its index at the end, which the cut removes.
    whole = clips["horizontal.mp4"].read_bytes()
    write("truncated.mp4", whole[: len(whole) // 2])
    # Truncated with the index at the front: probing works, the decode stops early.
    faststart = root / "faststart.mp4"
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=8", "-c:v", "libx264", "-preset", "ultrafast",
        "-movflags", "+faststart", str(faststart),
    )  # fmt: skip
    data = faststart.read_bytes()
    write("cut_faststart.mp4", data[: len(data) // 3])
    playlist = (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:2.0,\n{clips['square.mp4']}\n#EXTINF:2.0,\nfile:///etc/passwd\n#EXTINF:2.0,\n/etc/passwd\n"
        "#EXT-X-ENDLIST\n"
    ).encode()
    write("playlist.avi", playlist)
    write("playlist.mp4", playlist)
    write("playlist", playlist)
    write("concat.mp4", f"ffconcat version 1.0\nfile '{clips['square.mp4']}'\nfile '/etc/passwd'\n".encode())
    still = root / "still.jpg"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90", "-frames:v", "1", str(still))
    out["still.jpg"] = still
    audio = root / "audio.m4a"
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", str(audio))
    out["audio.m4a"] = audio
    png = root / "tiny.png"
    _ffmpeg("-f", "lavfi", "-i", "color=red:size=32x32", "-frames:v", "1", str(png))
    raw = bytearray(png.read_bytes())
    at = raw.find(b"IHDR")
    raw[at + 4 : at + 12] = struct.pack(">II", 20000, 20000)
    raw[at + 17 : at + 21] = struct.pack(">I", zlib.crc32(bytes(raw[at : at + 17])))
    write("bomb.mp4", bytes(raw))
    many = root / "streams.mkv"
    maps = ["-map", "0:v"] + [arg for _ in range(49) for arg in ("-map", "1:a")]
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=1", "-f", "lavfi", "-i", "sine=duration=1",
        *maps, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "pcm_s16le", str(many),
    )  # fmt: skip
    out["streams.mkv"] = many
    # Issue 13: an MKV that declares 2 minutes and puts its last frame at 10 hours (a CFR
    # rendition would repeat one frame ~900,000 times), and the same file declaring 10 hours.
    declared_10h = root / "declares_10h.mkv"
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2.04",
        "-vf", "setpts='if(eq(N,50),36000/TB,PTS)'", "-fps_mode", "passthrough",
        "-c:v", "libx264", "-preset", "ultrafast", str(declared_10h),
    )  # fmt: skip
    out["declares_10h.mkv"] = declared_10h
    raw_mkv = bytearray(declared_10h.read_bytes())
    at = raw_mkv.find(b"\x44\x89\x88")  # the Segment's Duration (float64, milliseconds)
    raw_mkv[at + 3 : at + 11] = struct.pack(">d", 120_000.0)
    write("jump.mkv", bytes(raw_mkv))
    return out
