"""Fixtures for the AI-usage tests: tiny generated clips, a throw-away C2PA signing chain,
and ``AnalysisInputs`` built the way the pipeline's analysing stage builds them.

Import the fixtures a test module uses from here (mpipe owns tests/media/conftest.py).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from media.ai_usage.signing import (
    TRAINED_ALGORITHMIC_MEDIA,
    SigningChain,
    manifest_definition,
    sign_mp4,
    throwaway_chain,
)
from media.analysis import AnalysisInputs

__all__ = ["manifest_definition"]  # re-exported for the tests

TRAINED = TRAINED_ALGORITHMIC_MEDIA
DIGITAL_CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"


@dataclass(frozen=True)
class FixtureChain:
    chain: SigningChain
    ca_path: Path  # the CA alone, as a trust-anchor file a test may configure


@pytest.fixture(scope="session")
def c2pa_chain(tmp_path_factory: pytest.TempPathFactory) -> FixtureChain:
    """One throw-away EC P-256 chain for the session (made offline with ``cryptography``)."""
    chain = throwaway_chain(organization="Generative Studio")
    ca_path = tmp_path_factory.mktemp("c2pa") / "ca.pem"
    ca_path.write_bytes(chain.ca_pem)
    return FixtureChain(chain, ca_path)


def sign_clip(chain: FixtureChain, source: Path, dest: Path, definition: dict[str, Any]) -> Path:
    return sign_mp4(source, dest, definition=definition, chain=chain.chain)


def make_clip(
    ffmpeg: str,
    dest: Path,
    *,
    sources: tuple[str, ...] = ("testsrc", "smptebars", "rgbtestsrc"),
    size: str = "160x90",
    seconds_each: float = 1.0,
    metadata: dict[str, str] | None = None,
) -> Path:
    """A tiny MP4 made of one lavfi source per shot (so the cuts are real), optionally tagged."""
    argv = [ffmpeg, "-nostdin", "-v", "error", "-y"]
    for source in sources:
        argv += ["-f", "lavfi", "-t", str(seconds_each), "-i", f"{source}=size={size}:rate=10"]
    concat = "".join(f"[{i}:v]" for i in range(len(sources))) + f"concat=n={len(sources)}:v=1:a=0[v]"
    argv += ["-filter_complex", concat, "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    for key, value in (metadata or {}).items():
        argv += ["-metadata", f"{key}={value}"]
    argv.append(str(dest))
    subprocess.run(argv, check=True, timeout=60)
    return dest


def reencode(ffmpeg: str, source: Path, dest: Path, *, size: str = "128x72") -> Path:
    w, h = size.split("x")
    argv = [ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(source), "-vf", f"scale={w}:{h}"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "35", "-pix_fmt", "yuv420p", str(dest)]
    subprocess.run(argv, check=True, timeout=60)
    return dest


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    ).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def analysis_inputs(
    film_id: int, source: Path, workdir: Path, *, scene_cuts: list[float], fps: float = 4.0
) -> AnalysisInputs:
    """What the analysing stage hands over: probe JSON, cuts, and frames sampled every 1/fps s."""
    frames_dir = workdir / "frames"
    frames_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-vf",
            f"fps={fps}",
            str(frames_dir / "%04d.jpg"),
        ],
        check=True,
        timeout=60,
    )
    # fps filter frame n (1-based) stands for the interval starting at (n - 1) / fps.
    frames = [((int(p.stem) - 1) / fps, p) for p in sorted(frames_dir.glob("*.jpg"))]
    return AnalysisInputs(
        film_id=film_id,
        source=source,
        probe=probe(source),
        scene_cuts=scene_cuts,
        sampled_frames=frames,
        workdir=workdir,
    )


@pytest.fixture
def ai_storage(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Generated files go to a folder of this test's own, through the storage API."""
    root = tmp_path / "storage"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    yield root


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local S3-compatible server (moto in server mode); yields its endpoint URL."""
    import socket
    import sys
    import time
    import urllib.request

    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint, timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto server did not start (exit {process.poll()})")
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def s3_storage(settings: Any, s3_server: str) -> str:
    """Default storage on a fresh bucket of the local S3 server, as a worker on another host would use it."""
    import uuid

    import boto3

    bucket = f"laurel-{uuid.uuid4().hex[:12]}"
    options = {
        "bucket_name": bucket,
        "endpoint_url": s3_server,
        "access_key": "testing",
        "secret_key": "testing",
        "region_name": "us-east-1",
        "file_overwrite": False,
        "default_acl": None,
    }
    boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    return bucket
