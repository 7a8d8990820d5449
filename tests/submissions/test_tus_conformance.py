"""Conformance with the official Python tus client (tuspy) against gunicorn in another process."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.files.storage import default_storage
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError

from media.models import Film
from submissions.models import Submission, SubmissionState, Upload, UploadState
from tests.factories import SubmissionFactory, UserFactory
from tests.submissions.conftest import GunicornServer, session_headers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CHUNK = 64 * 1024


@pytest.fixture
def film_bytes(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(os.urandom(5 * CHUNK + 1234))  # the last chunk is a short one
    return path


@pytest.fixture
def submission() -> Submission:
    return SubmissionFactory.create(entrant=UserFactory.create())


@pytest.fixture
def sent_patches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(Upload-Offset, body length) of every PATCH the client sends."""
    sent: list[tuple[int, int]] = []
    original = requests.patch

    def recording_patch(url: str, data: bytes = b"", headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        sent.append((int((headers or {})["upload-offset"]), len(data)))
        return original(url, data=data, headers=headers, **kwargs)

    monkeypatch.setattr("tusclient.request.requests.patch", recording_patch)
    return sent


def make_client(server: GunicornServer, submission: Submission) -> tus_client.TusClient:
    return tus_client.TusClient(f"{server.url}/api/uploads/", headers=session_headers(submission.entrant))


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        data: bytes = handle.read()
        return data


def test_tuspy_checksum_upload_becomes_the_film(
    gunicorn_server: GunicornServer, submission: Submission, film_bytes: Path, sent_patches: list[tuple[int, int]]
) -> None:
    client = make_client(gunicorn_server, submission)
    uploader = client.uploader(
        str(film_bytes),
        chunk_size=CHUNK,
        metadata={"submission": str(submission.pk), "filename": "clip.mp4"},
        upload_checksum=True,  # tuspy sends sha1 digests
    )
    uploader.upload()
    size = film_bytes.stat().st_size
    assert sent_patches == [(i, min(CHUNK, size - i)) for i in range(0, size, CHUNK)]
    film = Film.objects.get()
    submission.refresh_from_db()
    assert (submission.state, submission.film_id) == (SubmissionState.UPLOADED, film.pk)
    assert film.sha256 == ""  # several PATCHes: the worker hashes the source it reads anyway
    assert stored_bytes(film.source_name) == film_bytes.read_bytes()
    assert Upload.objects.get().state == UploadState.COMPLETE


def test_interrupted_upload_resumes_from_the_servers_offset_after_a_restart(
    gunicorn_server: GunicornServer, submission: Submission, film_bytes: Path, sent_patches: list[tuple[int, int]]
) -> None:
    data = film_bytes.read_bytes()
    metadata = {"submission": str(submission.pk), "filename": "clip.mp4"}
    uploader = make_client(gunicorn_server, submission).uploader(str(film_bytes), chunk_size=CHUNK, metadata=metadata)
    uploader.upload(stop_at=2 * CHUNK)
    assert sent_patches == [(0, CHUNK), (CHUNK, CHUNK)]

    # A third PATCH is cut off mid-body by the server dying: its bytes were never acknowledged.
    url = uploader.url
    assert url is not None
    headers = {**session_headers(submission.entrant), "Tus-Resumable": "1.0.0"}
    with socket_patch(url, headers, offset=2 * CHUNK, body=data[2 * CHUNK : 3 * CHUNK], send=CHUNK // 2) as sock:
        gunicorn_server.stop(signal.SIGKILL)
        sock.close()
    with pytest.raises(TusCommunicationError):
        uploader.get_offset()
    gunicorn_server.start()

    resumed = make_client(gunicorn_server, submission).uploader(
        str(film_bytes), url=url, chunk_size=CHUNK, metadata=metadata
    )
    assert resumed.offset == 2 * CHUNK  # from the server's HEAD, not from the client's memory
    resumed.upload()
    size = len(data)
    assert sent_patches[2:] == [(i, min(CHUNK, size - i)) for i in range(2 * CHUNK, size, CHUNK)]
    film = Film.objects.get()
    assert film.sha256 == ""  # several PATCHes: the worker hashes the source it reads anyway
    assert stored_bytes(film.source_name) == data
    # The killed request's half-written part is gone with the acknowledged parts.
    folder, _, source = film.source_name.rpartition("/")
    assert default_storage.listdir(folder) == ([], [source])


class socket_patch:
    """A raw PATCH that sends only part of its declared body, then waits."""

    def __init__(self, url: str, headers: dict[str, str], *, offset: int, body: bytes, send: int) -> None:
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        head = [
            f"PATCH {parts.path} HTTP/1.1",
            f"Host: {parts.hostname}:{parts.port}",
            "Content-Type: application/offset+octet-stream",
            f"Content-Length: {len(body)}",
            f"Upload-Offset: {offset}",
            *(f"{key}: {value}" for key, value in headers.items()),
        ]
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[:send])

    def __enter__(self) -> Any:
        return self.sock

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
