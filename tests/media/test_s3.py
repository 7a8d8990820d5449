"""The pipeline and playback against a real S3-compatible server (moto in server mode)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import RequestFactory

from media.models import FilmOutput, JobState, ProcessingJob
from media.pipeline import process_film
from media.playback import serve_film_asset
from tests.conftest import service_missing
from tests.media.helpers import register

pytestmark = [pytest.mark.django_db, pytest.mark.services]

BUCKET = "laurel-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def moto_server(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if binary is None:
        service_missing("moto_server (moto[server]) is not installed")
    assert binary is not None
    port = _free_port()
    log = (tmp_path / "moto.log").open("wb")
    process = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    service_missing("moto_server did not start")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_storage(moto_server: str, settings: Any, tmp_path: Path) -> str:
    import boto3

    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
    boto3.client("s3", endpoint_url=moto_server, **credentials).create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": moto_server,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
            },
        },
    }
    settings.LAUREL_MEDIA_WORK_DIR = str(tmp_path / "work")
    return moto_server


def test_pipeline_and_playback_on_object_storage(ffmpeg: str, clips: dict[str, Path], s3_storage: str) -> None:
    import boto3

    film = register(clips["square.mp4"])
    assert process_film(film.pk) == JobState.READY, ProcessingJob.objects.get(film=film).failure_reason
    client = boto3.client(
        "s3", endpoint_url=s3_storage, aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1"
    )
    keys = sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET, Prefix=f"films/{film.pk}/")["Contents"])
    recorded = sorted(
        f"films/{film.pk}/{name}"
        for files in FilmOutput.objects.filter(film=film).values_list("files", flat=True)
        for name in files
    )
    assert [key for key in keys if f"films/{film.pk}/ai/" not in key] == recorded

    factory = RequestFactory()
    # Playlists come from us (their relative URIs must resolve under the caller's mount).
    master = serve_film_asset(factory.get("/"), film_id=film.pk, asset="hls/master.m3u8")
    assert master.status_code == 200
    assert b"120p/index.m3u8" in b"".join(master.streaming_content)  # type: ignore[attr-defined]
    # Media goes straight from object storage through a short-lived presigned URL.
    mp4 = serve_film_asset(factory.get("/"), film_id=film.pk, asset="mp4/120p.mp4")
    assert mp4.status_code == 302
    location = mp4["Location"]
    assert location.startswith(f"{s3_storage}/{BUCKET}/films/{film.pk}/mp4/120p.mp4?")
    assert "Expires=" in location or "X-Amz-Expires=300" in location
    fetched = requests.get(location, headers={"Range": "bytes=0-7"}, timeout=10)
    assert (fetched.status_code, fetched.content[4:8]) == (206, b"ftyp")
