"""Uploads on S3-compatible storage (moto's in-process S3): parts, assembly and clean-up go
through the storage API only, as when web processes on several hosts share a bucket."""

from __future__ import annotations

import hashlib
import io
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


def test_parts_are_assembled_in_the_bucket(
    s3: Any, entrant: User, submission: Submission, django_capture_on_commit_callbacks: Any
) -> None:
    upload = services.create_upload(user=entrant, submission_id=submission.pk, length=len(DATA), metadata={})
    with django_capture_on_commit_callbacks(execute=True):
        for start in (0, 6000, 12000):
            body = DATA[start : start + 6000]
            services.append_to_upload(
                upload_id=upload.pk, user=entrant, offset=start, content_length=len(body), read=io.BytesIO(body).read
            )
    film = Film.objects.get()
    assert film.sha256 == hashlib.sha256(DATA).hexdigest()
    assert keys(s3) == {film.source_name: DATA}
    assert Upload.objects.get().state == UploadState.COMPLETE


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
