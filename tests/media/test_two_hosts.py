"""Two hosts, no shared disk: the web process and a worker each with a local disk of their own
(LAUREL_VAR_DIR, TMPDIR, work folder), sharing only PostgreSQL, Redis and an S3-compatible
server (moto's). A film goes from a tus upload to ready while the web host's disk is gone by
the time the worker runs, and neither disk keeps a byte of the film."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from tusclient import client as tus_client

from media.models import FilmOutput, JobState
from submissions.models import Submission, Upload, UploadState
from tests.conftest import _database_url_for_worker, service_missing, start_worker
from tests.factories import SubmissionFactory, UserFactory
from tests.media.test_worker import wait_for
from tests.submissions.conftest import GunicornServer, session_headers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BUCKET = "laurel-two-hosts"
S3_PORT, WEB_PORT = 8188, 8184  # this stream's port range


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_film_goes_from_upload_to_ready_across_two_hosts_sharing_no_disk(
    redis_url: str, ffmpeg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        service_missing("the two hosts share PostgreSQL: DATABASE_URL does not point at it")
    import boto3
    from moto.server import ThreadedMotoServer

    film = tmp_path / "film.mp4"
    subprocess.run(
        [ffmpeg, "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=4",
         "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(film)],
        check=True,
    )  # fmt: skip
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    s3_server = ThreadedMotoServer(ip_address="127.0.0.1", port=S3_PORT, verbose=False)
    s3_server.start()
    endpoint = f"http://127.0.0.1:{S3_PORT}"
    web_root, worker_root = tmp_path / "web-host", tmp_path / "worker-host"
    web: GunicornServer | None = None
    worker = None
    try:
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))  # noqa: S310
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        s3.create_bucket(Bucket=BUCKET)
        shared = {
            "DJANGO_SETTINGS_MODULE": "festival.settings",
            "DATABASE_URL": _database_url_for_worker(),
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }

        def host(root: Path) -> dict[str, str]:
            for folder in ("var", "tmp"):
                (root / folder).mkdir(parents=True, exist_ok=True)
            return {
                **shared,
                "LAUREL_VAR_DIR": str(root / "var"),
                "LAUREL_MEDIA_WORK_DIR": str(root / "var" / "media-work"),
                "TMPDIR": str(root / "tmp"),
            }

        submission = SubmissionFactory.create(
            entrant=UserFactory.create(), edition__min_short_side_px=64, edition__runtime_min_seconds=1
        )
        web = GunicornServer(port=WEB_PORT, env={**os.environ, **host(web_root)}, log_path=tmp_path / "web.log")
        web.start()
        client = tus_client.TusClient(f"{web.url}/api/uploads/", headers=session_headers(submission.entrant))
        size = film.stat().st_size
        uploader = client.uploader(
            file_path=str(film),
            chunk_size=size // 3 + 1,  # three PATCHes: two kept as tails on S3, then the last part
            metadata={"submission": str(submission.pk), "filename": "film.mp4"},
        )
        uploader.upload()
        upload = Upload.objects.get()
        assert (upload.state, upload.offset) == (UploadState.COMPLETE, size)
        web.stop()
        # The web host is gone, disk and all, before any worker touches the film.
        shutil.rmtree(web_root)

        started = time.monotonic()
        worker = start_worker(tmp_path, extra_env=host(worker_root), name="far")
        film_row = Submission.objects.get(pk=submission.pk).film
        assert film_row is not None
        job = wait_for(film_row, (JobState.READY, JobState.FAILED), timeout=90)
        print(f"\nworker on its own disk: film ready {time.monotonic() - started:.1f} s after it started")
        assert (job.state, job.failure_reason) == (JobState.READY, "")

        keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
        recorded = {
            name for files in FilmOutput.objects.filter(film=film_row).values_list("files", flat=True) for name in files
        }
        assert film_row.source_name in keys
        assert {f"films/{film_row.pk}/{name}" for name in recorded} <= keys
        assert s3.get_object(Bucket=BUCKET, Key=film_row.source_name)["Body"].read() == film.read_bytes()
        # Nothing of the film stayed on the worker's disk (its work folder is emptied, and no
        # upload or output was ever written to a local media root).
        leftovers = [name for name in _files(worker_root) if not name.startswith(("var/broker", "tmp/"))]
        assert [name for name in leftovers if "media" in name or "uploads" in name] == []
        assert not web_root.exists()

        # A new web host with an empty disk answers for the finished upload from the database.
        fresh_root = tmp_path / "web-host-2"
        web = GunicornServer(port=WEB_PORT, env={**os.environ, **host(fresh_root)}, log_path=tmp_path / "web2.log")
        web.start()
        import requests

        answer = requests.head(
            f"{web.url}/api/uploads/{upload.pk}",
            headers={"Tus-Resumable": "1.0.0", **session_headers(submission.entrant)},
            timeout=10,
        )
        assert (answer.status_code, answer.headers["Upload-Offset"]) == (200, str(size))
    finally:
        if worker is not None:
            worker.stop()
        if web is not None:
            web.stop()
        s3_server.stop()
    assert settings.STORAGES["default"]["BACKEND"] != "storages.backends.s3.S3Storage"  # this process kept its own
