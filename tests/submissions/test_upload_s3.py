"""Uploads on S3-compatible storage (moto's in-process S3): parts, assembly and clean-up go
through the storage API only, as when web processes on several hosts share a bucket."""

from __future__ import annotations

import hashlib
import io
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import default_storage

from festival.models import User
from media.models import Film
from submissions.models import Submission, Upload, UploadState
from submissions.uploads import services

pytestmark = pytest.mark.django_db

BUCKET = "laurel-uploads-test"
DATA = (b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 64)[: 256 * 64]  # 16 KiB, starts like an MP4


@pytest.fixture
def s3(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import boto3
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": BUCKET, "region_name": "us-east-1", "file_overwrite": False},
            },
        }
        yield client


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("media.services.enqueue_processing", lambda *, film_id: None)


def keys(client: Any) -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in listing}


MiB = 1024 * 1024


@pytest.fixture
def moto_server(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's S3 server on a port of this stream (a real HTTP endpoint, as a shared bucket is)."""
    import boto3
    from moto.server import ThreadedMotoServer

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=8187, verbose=False)
    server.start()
    try:
        endpoint = "http://127.0.0.1:8187"
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))  # noqa: S310
        client = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "us-east-1",
                    "endpoint_url": endpoint,
                    "file_overwrite": False,
                },
            },
        }
        settings.LAUREL_UPLOAD_S3_PART_BYTES = 5 * MiB
        yield client
    finally:
        server.stop()


def test_patches_become_parts_of_one_multipart_upload(
    moto_server: Any, entrant: User, submission: Submission, django_capture_on_commit_callbacks: Any
) -> None:
    data = (b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * (48 * 1024))[: 12 * MiB]
    upload = services.create_upload(user=entrant, submission_id=submission.pk, length=len(data), metadata={})
    # 3 MiB (kept as a tail object), 6 MiB (tail + body: one 5 MiB part, a 4 MiB tail), then
    # the last 3 MiB (tail + body: a 5 MiB part and the short last part).
    bodies = [(0, 3 * MiB), (3 * MiB, 9 * MiB), (9 * MiB, 12 * MiB)]
    seen: list[list[tuple[Any, ...]]] = []
    with django_capture_on_commit_callbacks(execute=True):
        for start, end in bodies:
            services.append_to_upload(
                upload_id=upload.pk,
                user=entrant,
                offset=start,
                content_length=end - start,
                read=io.BytesIO(data[start:end]).read,
            )
            parts = Upload.objects.get().parts
            seen.append([(p.get("kind"), p.get("number"), p.get("offset"), p.get("size")) for p in parts])
            if end < len(data):
                # No finished object yet: only the tail is an object of its own.
                tails = [p["name"] for p in parts if p.get("kind") == "tail"]
                assert sorted(keys(moto_server)) == sorted(tails)
    assert seen == [
        [("multipart", None, None, None), ("tail", None, 0, 3 * MiB)],
        [("multipart", None, None, None), ("part", 1, 0, 5 * MiB), ("tail", None, 5 * MiB, 4 * MiB)],
        [
            ("multipart", None, None, None),
            ("part", 1, 0, 5 * MiB),
            ("part", 2, 5 * MiB, 5 * MiB),
            ("part", 3, 10 * MiB, 2 * MiB),  # the last part may be short
        ],
    ]
    film = Film.objects.get()
    assert keys(moto_server) == {film.source_name: data}  # tails deleted, the parts joined by S3
    assert Upload.objects.get().state == UploadState.COMPLETE
    assert moto_server.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_a_terminated_multipart_upload_is_aborted(moto_server: Any, entrant: User, submission: Submission) -> None:
    data = bytes(8 * MiB)
    upload = services.create_upload(
        user=entrant, submission_id=submission.pk, length=len(data) + 1, metadata={"filename": "a.mp4"}
    )
    services.append_to_upload(
        upload_id=upload.pk, user=entrant, offset=0, content_length=len(data), read=io.BytesIO(data).read
    )
    assert len(moto_server.list_multipart_uploads(Bucket=BUCKET)["Uploads"]) == 1
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.terminate_upload(upload_id=upload.pk, user=entrant)
    assert moto_server.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    assert keys(moto_server) == {}


def test_one_patch_needs_no_copy_and_a_bad_checksum_leaves_nothing(
    s3: Any, entrant: User, submission: Submission, django_capture_on_commit_callbacks: Any
) -> None:
    upload = services.create_upload(user=entrant, submission_id=submission.pk, length=len(DATA), metadata={})
    wrong = services.Checksum(algorithm="sha1", digest=hashlib.sha1(b"other").digest())  # noqa: S324 - tus's sha1
    with pytest.raises(services.TusError):
        services.append_to_upload(
            upload_id=upload.pk,
            user=entrant,
            offset=0,
            content_length=len(DATA),
            read=io.BytesIO(DATA).read,
            checksum=wrong,
        )
    assert keys(s3) == {}
    with django_capture_on_commit_callbacks(execute=True):
        services.append_to_upload(
            upload_id=upload.pk, user=entrant, offset=0, content_length=len(DATA), read=io.BytesIO(DATA).read
        )
    film = Film.objects.get()
    assert film.source_name.startswith(f"uploads/{upload.pk}/source-")
    assert keys(s3) == {film.source_name: DATA}
    with default_storage.open(film.source_name, "rb") as handle:
        assert handle.read() == DATA
