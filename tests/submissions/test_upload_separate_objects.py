"""Uploads on a storage that can neither append nor do multipart (Django's in-memory storage):
one object per PATCH, concatenated once the upload is full."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.files.storage import default_storage

from festival.models import User
from media.models import Film
from submissions.models import Submission, Upload, UploadState
from submissions.uploads import assembly, services

pytestmark = pytest.mark.django_db

DATA = (b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 64)[: 256 * 64]  # 16 KiB, starts like an MP4


@pytest.fixture(autouse=True)
def memory_storage(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    monkeypatch.setattr("media.services.enqueue_processing", lambda *, film_id: None)


def test_the_storage_gets_separate_objects() -> None:
    assert isinstance(assembly.assembly_for(), assembly.SeparateObjects)


def test_each_patch_is_an_object_and_the_full_upload_is_their_concatenation(
    entrant: User, submission: Submission, django_capture_on_commit_callbacks: Any
) -> None:
    upload = services.create_upload(user=entrant, submission_id=submission.pk, length=len(DATA), metadata={})
    wrong = services.Checksum(algorithm="sha1", digest=hashlib.sha1(b"other").digest())  # noqa: S324 - tus's sha1
    with pytest.raises(services.TusError):
        services.append_to_upload(
            upload_id=upload.pk, user=entrant, offset=0, content_length=4096, read=io.BytesIO(DATA).read, checksum=wrong
        )
    assert Upload.objects.get().parts == []
    with django_capture_on_commit_callbacks(execute=True):
        for start, end in ((0, 4096), (4096, 10_000), (10_000, len(DATA))):
            services.append_to_upload(
                upload_id=upload.pk,
                user=entrant,
                offset=start,
                content_length=end - start,
                read=io.BytesIO(DATA[start:end]).read,
            )
            if end < len(DATA):
                parts = Upload.objects.get().parts
                assert [(p["offset"], p["size"], p["sha256"]) for p in parts][-1] == (start, end - start, "")
    film = Film.objects.get()
    assert Upload.objects.get().state == UploadState.COMPLETE
    assert film.sha256 == hashlib.sha256(DATA).hexdigest()
    with default_storage.open(film.source_name, "rb") as handle:
        assert handle.read() == DATA


def test_one_patch_of_the_whole_file_is_the_source_hashed_on_the_way(
    entrant: User, submission: Submission, django_capture_on_commit_callbacks: Any
) -> None:
    upload = services.create_upload(user=entrant, submission_id=submission.pk, length=len(DATA), metadata={})
    with django_capture_on_commit_callbacks(execute=True):
        services.append_to_upload(
            upload_id=upload.pk, user=entrant, offset=0, content_length=len(DATA), read=io.BytesIO(DATA).read
        )
    film = Film.objects.get()
    assert film.source_name.startswith(f"uploads/{upload.pk}/source-")
    assert film.sha256 == hashlib.sha256(DATA).hexdigest()
    with default_storage.open(film.source_name, "rb") as handle:
        assert handle.read() == DATA
