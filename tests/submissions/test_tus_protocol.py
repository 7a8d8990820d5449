"""tus 1.0.0 through the Django test client: every answer exact, stored bytes checked."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from festival.models import AuditEvent, User
from media.models import Film, JobState
from submissions.models import Submission, SubmissionState, Upload, UploadState
from submissions.uploads import services
from tests.factories import EditionFactory, SubmissionFactory, UserFactory
from tests.submissions.conftest import TUS, metadata, stored_files

pytestmark = pytest.mark.django_db

CREATE_URL = "/api/uploads/"
# 10 240 bytes that start like an MP4 (an upload named without an extension is checked by
# its first bytes).
DATA = (b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)[:10240]


@pytest.fixture(autouse=True)
def _storage(media_root: Path) -> None:
    """Every test here stores into its own media root."""


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Films handed to the media queue (captured instead of sent to a broker)."""
    sent: list[int] = []
    monkeypatch.setattr("media.services.enqueue_processing", lambda *, film_id: sent.append(film_id))
    return sent


def pieces(data: bytes) -> Callable[[int], bytes]:
    """A request body as the service reads it: ``read(size)`` until it returns nothing."""
    stream = io.BytesIO(data)
    return stream.read


def create(client: Client, submission: Submission, length: int = len(DATA), **extra: Any) -> Any:
    headers = {**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(submission=submission.pk, **extra)}
    return client.post(CREATE_URL, headers=headers)


def patch(client: Client, url: str, body: bytes, offset: int, **headers: str) -> Any:
    return client.generic(
        "PATCH",
        url,
        data=body,
        content_type="application/offset+octet-stream",
        headers={**TUS, "Upload-Offset": str(offset), **headers},
    )


def upload_url(response: Any) -> str:
    location: str = response["Location"]
    assert location.startswith("http://testserver/api/uploads/")
    return location.removeprefix("http://testserver")


def b64digest(algorithm: str, data: bytes) -> str:
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def test_options_announces_version_extensions_and_algorithms(client: Client, settings: Any) -> None:
    response = client.options(CREATE_URL)
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Tus-Version"] == "1.0.0"
    assert response["Tus-Extension"] == "creation,expiration,checksum,termination"
    assert response["Tus-Max-Size"] == str(settings.LAUREL_UPLOAD_QUOTA_BYTES)
    assert response["Tus-Checksum-Algorithm"] == "sha1,sha256"


def test_create_binds_the_upload_to_the_submission(
    entrant_client: Client, submission: Submission, entrant: User
) -> None:
    response = create(entrant_client, submission, filename="My film.mp4", filetype="video/mp4")
    assert response.status_code == 201
    assert response["Tus-Resumable"] == "1.0.0"
    upload = Upload.objects.get()
    assert upload_url(response) == f"/api/uploads/{upload.pk}"
    assert (upload.submission_id, upload.owner_id, upload.length, upload.offset) == (
        submission.pk,
        entrant.pk,
        len(DATA),
        0,
    )
    assert (upload.original_filename, upload.filetype, upload.state) == ("My film.mp4", "video/mp4", "receiving")
    assert response["Upload-Expires"].endswith(" GMT")
    submission.refresh_from_db()
    assert submission.state == SubmissionState.UPLOADING
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "submission.upload_started",
        "upload.create",
    ]


@pytest.mark.parametrize("version", [None, "0.2.2", "1.0"])
def test_missing_or_wrong_tus_resumable_is_412(entrant_client: Client, submission: Submission, version: Any) -> None:
    headers = {"Upload-Length": "10", "Upload-Metadata": metadata(submission=submission.pk)}
    if version:
        headers["Tus-Resumable"] = version
    response = entrant_client.post(CREATE_URL, headers=headers)
    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"
    assert Upload.objects.count() == 0


def test_anonymous_cannot_create(client: Client, submission: Submission) -> None:
    response = create(client, submission)
    assert response.status_code == 403
    assert Upload.objects.count() == 0


def test_another_users_submission_is_404(client: Client, submission: Submission) -> None:
    client.force_login(UserFactory.create())
    response = create(client, submission)
    assert response.status_code == 404
    assert Upload.objects.count() == 0


def test_upload_length_over_the_edition_limit_is_413_before_any_byte(
    entrant_client: Client, entrant: User, media_root: Path
) -> None:
    submission = SubmissionFactory.create(entrant=entrant, edition=EditionFactory.create(max_file_size_bytes=1000))
    response = create(entrant_client, submission, length=1001)
    assert response.status_code == 413
    assert response["X-Laurel-Error"] == "too_large"
    assert response.content.decode() == "The file is 1001 bytes; this festival takes files up to 1000 bytes."
    assert Upload.objects.count() == 0
    assert stored_files(media_root) == {}
    assert create(entrant_client, submission, length=1000).status_code == 201


def test_after_the_deadline_is_403_with_the_closing_time(entrant_client: Client, entrant: User) -> None:
    edition = EditionFactory.create(
        submissions_open_at=timezone.now() - timedelta(days=30),
        submissions_close_at=timezone.now() - timedelta(days=2),
        grace_period=timedelta(hours=1),
        time_zone="UTC",
    )
    submission = SubmissionFactory.create(entrant=entrant, edition=edition)
    response = create(entrant_client, submission)
    assert response.status_code == 403
    assert response["X-Laurel-Error"] == "deadline"
    local = edition.submissions_close_at.astimezone(edition.zone)
    assert response.content.decode() == f"Uploads closed on {local:%-d %B %Y, %H:%M} (UTC)."


def test_a_file_type_the_edition_does_not_take_is_415(entrant_client: Client, submission: Submission) -> None:
    response = create(entrant_client, submission, filename="slides.pdf")
    assert response.status_code == 415
    assert (
        response.content.decode() == "Files of type .pdf are not accepted; use one of: .m4v, .mkv, .mov, .mp4, .webm."
    )


def test_quota_of_bytes_in_flight(entrant_client: Client, entrant: User, settings: Any) -> None:
    settings.LAUREL_UPLOAD_QUOTA_BYTES = 1500
    first, second = SubmissionFactory.create_batch(2, entrant=entrant)
    assert create(entrant_client, first, length=1000).status_code == 201
    response = create(entrant_client, second, length=501)
    assert response.status_code == 403
    assert response["X-Laurel-Error"] == "quota"
    assert response.content.decode() == (
        "Your unfinished uploads would exceed your upload quota of 1.5 KiB; finish or cancel one first."
    )
    assert create(entrant_client, second, length=500).status_code == 201


def test_concurrent_upload_limit(entrant_client: Client, entrant: User, settings: Any) -> None:
    settings.LAUREL_UPLOAD_MAX_CONCURRENT = 2
    subs = SubmissionFactory.create_batch(3, entrant=entrant)
    assert [create(entrant_client, s).status_code for s in subs] == [201, 201, 403]
    # A new file for the same submission replaces its unfinished upload instead of counting twice.
    assert create(entrant_client, subs[0]).status_code == 201
    assert Upload.objects.filter(submission=subs[0]).count() == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.mp4", "boot.mp4"),
        ("evil\x00name.mp4", "evilname.mp4"),
        ("ｆｉｌｍ\u202egpj.mp4", "filmgpj.mp4"),
        ("..", ""),
        ("a" * 300 + ".mp4", "a" * 251 + ".mp4"),
    ],
)
def test_filenames_are_sanitized_metadata_never_storage_names(
    entrant_client: Client, submission: Submission, raw: str, expected: str, media_root: Path
) -> None:
    response = create(entrant_client, submission, filename=raw)
    assert response.status_code == 201
    upload = Upload.objects.get()
    assert upload.original_filename == expected
    assert patch(entrant_client, upload_url(response), DATA, 0).status_code == 204
    upload.refresh_from_db()
    assert upload.source_name.startswith(f"uploads/{upload.pk}/source-")
    assert list(stored_files(media_root)) == [upload.source_name]


def test_malformed_metadata_is_400(entrant_client: Client, submission: Submission) -> None:
    headers = {**TUS, "Upload-Length": "10", "Upload-Metadata": "submission !!notbase64"}
    response = entrant_client.post(CREATE_URL, headers=headers)
    assert response.status_code == 400
    assert response.content.decode() == "Upload-Metadata value for 'submission' is not base64."


def test_head_reports_offset_length_and_expiry(entrant_client: Client, submission: Submission) -> None:
    url = upload_url(create(entrant_client, submission, filename="a.mp4"))
    assert patch(entrant_client, url, DATA[:1000], 0).status_code == 204
    response = entrant_client.head(url, headers=TUS)
    assert response.status_code == 200
    assert (response["Upload-Offset"], response["Upload-Length"], response["Cache-Control"]) == (
        "1000",
        str(len(DATA)),
        "no-store",
    )
    assert response["Upload-Metadata"] == metadata(filename="a.mp4")
    assert response["Upload-Expires"].endswith(" GMT")


def test_another_users_upload_url_is_404_for_every_method(entrant_client: Client, submission: Submission) -> None:
    url = upload_url(create(entrant_client, submission))
    other = Client()
    other.force_login(UserFactory.create())
    assert other.head(url, headers=TUS).status_code == 404
    assert patch(other, url, DATA, 0).status_code == 404
    assert other.delete(url, headers=TUS).status_code == 404
    assert Upload.objects.get().offset == 0


def test_whole_file_in_one_patch_becomes_the_film(
    entrant_client: Client,
    submission: Submission,
    media_root: Path,
    enqueued: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = upload_url(create(entrant_client, submission, filename="clip.mp4"))
    with django_capture_on_commit_callbacks(execute=True):
        response = patch(entrant_client, url, DATA, 0, **{"Upload-Checksum": f"sha256 {b64digest('sha256', DATA)}"})
    assert response.status_code == 204
    assert response["Upload-Offset"] == str(len(DATA))
    assert "Upload-Expires" not in response
    upload = Upload.objects.get()
    film = Film.objects.get()
    submission.refresh_from_db()
    assert (upload.state, upload.sha256, upload.source_name) == (
        UploadState.COMPLETE,
        hashlib.sha256(DATA).hexdigest(),
        film.source_name,
    )
    assert (film.size_bytes, film.sha256, film.original_filename, film.group_key) == (
        len(DATA),
        hashlib.sha256(DATA).hexdigest(),
        "clip.mp4",
        f"edition:{submission.edition_id}",
    )
    assert film.job.state == JobState.QUEUED
    assert (submission.state, submission.film_id) == (SubmissionState.UPLOADED, film.pk)
    assert enqueued == [film.pk]
    assert stored_files(media_root) == {film.source_name: DATA}


def test_parts_are_appended_in_place(
    entrant_client: Client,
    submission: Submission,
    media_root: Path,
    enqueued: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = upload_url(create(entrant_client, submission))
    with django_capture_on_commit_callbacks(execute=True):
        offsets = [patch(entrant_client, url, DATA[i : i + 4000], i)["Upload-Offset"] for i in (0, 4000, 8000)]
    assert offsets == ["4000", "8000", str(len(DATA))]
    film = Film.objects.get()
    # One object all along, appended to by each PATCH: nothing was copied at 100 %. Its
    # SHA-256 is taken by the worker, which reads the file anyway.
    assert film.sha256 == ""
    assert stored_files(media_root) == {film.source_name: DATA}
    assert Upload.objects.get().parts == [{"name": film.source_name, "offset": 0, "size": len(DATA), "sha256": ""}]
    assert enqueued == [film.pk]
    # Finished: the offset still answers, so a client resuming it learns it is done.
    head = entrant_client.head(url, headers=TUS)
    assert (head.status_code, head["Upload-Offset"]) == (200, str(len(DATA)))


def test_wrong_offset_is_409_and_stored_bytes_unchanged(
    entrant_client: Client, submission: Submission, media_root: Path
) -> None:
    url = upload_url(create(entrant_client, submission))
    assert patch(entrant_client, url, DATA[:1000], 0).status_code == 204
    before = stored_files(media_root)
    for offset in (0, 999, 1001):
        response = patch(entrant_client, url, DATA[1000:2000], offset)
        assert response.status_code == 409
        assert response.content.decode() == f"Upload-Offset {offset} does not match the server's offset 1000."
    assert stored_files(media_root) == before
    assert Upload.objects.get().offset == 1000


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_checksum_mismatch_is_460_and_the_chunk_is_discarded(
    entrant_client: Client, submission: Submission, media_root: Path, algorithm: str
) -> None:
    url = upload_url(create(entrant_client, submission))
    assert (
        patch(
            entrant_client,
            url,
            DATA[:1000],
            0,
            **{"Upload-Checksum": f"{algorithm} {b64digest(algorithm, DATA[:1000])}"},
        ).status_code
        == 204
    )
    before = stored_files(media_root)
    wrong = f"{algorithm} {b64digest(algorithm, b'something else')}"
    response = patch(entrant_client, url, DATA[1000:2000], 1000, **{"Upload-Checksum": wrong})
    assert response.status_code == 460
    assert response["X-Laurel-Error"] == "checksum"
    assert stored_files(media_root) == before
    assert Upload.objects.get().offset == 1000


def test_unknown_checksum_algorithm_is_400(entrant_client: Client, submission: Submission) -> None:
    url = upload_url(create(entrant_client, submission))
    response = patch(entrant_client, url, DATA, 0, **{"Upload-Checksum": "md5 " + b64digest("md5", DATA)})
    assert response.status_code == 400
    assert response.content.decode() == "Unsupported checksum algorithm; use one of sha1, sha256."


def test_patch_past_the_declared_length_stores_nothing(
    entrant_client: Client, submission: Submission, media_root: Path
) -> None:
    url = upload_url(create(entrant_client, submission, length=100))
    response = patch(entrant_client, url, DATA[:101], 0)
    assert response.status_code == 413
    assert response.content.decode() == "The request goes past the upload's declared length."
    assert stored_files(media_root) == {}
    assert Upload.objects.get().offset == 0


def test_patch_needs_the_tus_content_type(entrant_client: Client, submission: Submission) -> None:
    url = upload_url(create(entrant_client, submission))
    response = entrant_client.generic(
        "PATCH", url, data=DATA, content_type="application/octet-stream", headers={**TUS, "Upload-Offset": "0"}
    )
    assert response.status_code == 415
    assert Upload.objects.get().offset == 0


def test_a_racing_request_that_loses_the_compare_and_set_gets_409_and_leaves_nothing(
    entrant: User, submission: Submission, media_root: Path
) -> None:
    upload = services.create_upload(user=entrant, submission_id=submission.pk, length=len(DATA), metadata={})
    source = iter([DATA[:500], DATA[500:1000]])

    def read(size: int) -> bytes:
        piece = next(source, b"")
        if piece and piece[:1] == DATA[500:501]:
            # Another web process accepts its PATCH at the same offset meanwhile.
            Upload.objects.filter(pk=upload.pk).update(offset=1000, parts=[{"name": "x", "offset": 0, "size": 1000}])
        return piece

    with pytest.raises(services.TusError) as error:
        services.append_to_upload(upload_id=upload.pk, user=entrant, offset=0, content_length=1000, read=read)
    assert (error.value.status, error.value.code) == (409, "offset")
    assert stored_files(media_root) == {}


def test_a_body_cut_short_keeps_the_bytes_that_arrived(entrant: User, submission: Submission, media_root: Path) -> None:
    upload = services.create_upload(user=entrant, submission_id=submission.pk, length=len(DATA), metadata={})
    source = iter([DATA[:700]])
    result = services.append_to_upload(
        upload_id=upload.pk, user=entrant, offset=0, content_length=len(DATA), read=lambda size: next(source, b"")
    )
    assert result.upload.offset == 700
    assert list(stored_files(media_root).values()) == [DATA[:700]]


def test_a_body_cut_short_with_a_checksum_is_discarded(entrant: User, submission: Submission, media_root: Path) -> None:
    upload = services.create_upload(user=entrant, submission_id=submission.pk, length=len(DATA), metadata={})
    source = iter([DATA[:700]])
    checksum = services.Checksum(algorithm="sha256", digest=hashlib.sha256(DATA).digest())
    with pytest.raises(services.TusError) as error:
        services.append_to_upload(
            upload_id=upload.pk,
            user=entrant,
            offset=0,
            content_length=len(DATA),
            read=lambda size: next(source, b""),
            checksum=checksum,
        )
    assert error.value.status == 460
    assert stored_files(media_root) == {}
    assert Upload.objects.get().offset == 0


def test_expired_upload_is_410_then_404_once_purged(
    entrant_client: Client, submission: Submission, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    url = upload_url(create(entrant_client, submission))
    assert patch(entrant_client, url, DATA[:1000], 0).status_code == 204
    Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert entrant_client.head(url, headers=TUS).status_code == 410
    response = patch(entrant_client, url, DATA[1000:2000], 1000)
    assert (response.status_code, response["X-Laurel-Error"]) == (410, "expired")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.purge_expired_uploads() == 1
    assert entrant_client.head(url, headers=TUS).status_code == 404
    assert stored_files(media_root) == {}


def test_purge_keeps_live_uploads(entrant: User, media_root: Path, django_capture_on_commit_callbacks: Any) -> None:
    live, old = SubmissionFactory.create_batch(2, entrant=entrant)
    keep = services.create_upload(user=entrant, submission_id=live.pk, length=10, metadata={})
    services.create_upload(user=entrant, submission_id=old.pk, length=10, metadata={})
    Upload.objects.exclude(pk=keep.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.purge_expired_uploads() == 1
    assert list(Upload.objects.values_list("pk", flat=True)) == [keep.pk]


def test_termination_deletes_the_upload_and_its_parts(
    entrant_client: Client, submission: Submission, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    url = upload_url(create(entrant_client, submission))
    assert patch(entrant_client, url, DATA[:1000], 0).status_code == 204
    assert len(stored_files(media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = entrant_client.delete(url, headers=TUS)
    assert response.status_code == 204
    assert Upload.objects.count() == 0
    assert stored_files(media_root) == {}
    assert entrant_client.head(url, headers=TUS).status_code == 404


def test_method_override_tunnels_patch_through_post(entrant_client: Client, submission: Submission) -> None:
    url = upload_url(create(entrant_client, submission))
    response = entrant_client.post(
        url,
        data=DATA[:100],
        content_type="application/offset+octet-stream",
        headers={**TUS, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"},
    )
    assert (response.status_code, response["Upload-Offset"]) == (204, "100")


def test_csrf_token_is_required_with_a_session(entrant: User, submission: Submission) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(entrant)
    assert create(client, submission).status_code == 403
    assert Upload.objects.count() == 0


def test_submitted_submission_takes_no_new_upload(entrant_client: Client, entrant: User) -> None:
    submission = SubmissionFactory.create(entrant=entrant, state=SubmissionState.SUBMITTED)
    response = create(entrant_client, submission)
    assert response.status_code == 409
    assert response.content.decode() == "This submission can no longer take a new film."


def test_head_and_patch_query_counts(
    entrant_client: Client, submission: Submission, django_assert_max_num_queries: Any
) -> None:
    url = upload_url(create(entrant_client, submission))
    with django_assert_max_num_queries(4):
        assert entrant_client.head(url, headers=TUS).status_code == 200
    # (the 7th: the offset checked again under the source object's lock, local storage)
    with django_assert_max_num_queries(7):
        assert patch(entrant_client, url, DATA[:100], 0).status_code == 204


def test_the_purge_task_is_scheduled_and_purges(
    entrant: User, submission: Submission, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from submissions.tasks import purge_expired_uploads

    assert settings.CELERY_BEAT_SCHEDULE["submissions.purge_expired_uploads"]["task"] == (
        "submissions.purge_expired_uploads"
    )
    services.create_upload(user=entrant, submission_id=submission.pk, length=10, metadata={})
    Upload.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_uploads.apply().get() == 1
    assert Upload.objects.count() == 0


def test_patch_after_the_deadline_is_403_and_keeps_the_offset(
    entrant_client: Client, submission: Submission, media_root: Path
) -> None:
    url = upload_url(create(entrant_client, submission))
    assert patch(entrant_client, url, DATA[:1000], 0).status_code == 204
    edition = submission.edition
    type(edition).objects.filter(pk=edition.pk).update(
        submissions_open_at=timezone.now() - timedelta(days=10),
        submissions_close_at=timezone.now() - timedelta(days=1),
        grace_period=timedelta(0),
    )
    before = stored_files(media_root)
    response = patch(entrant_client, url, DATA[1000:2000], 1000)
    assert (response.status_code, response["X-Laurel-Error"]) == (403, "deadline")
    assert response.content.decode().startswith("Uploads closed on ")
    assert stored_files(media_root) == before
    assert Upload.objects.get().offset == 1000


def test_an_upload_whose_finishing_request_died_is_finished_by_the_scheduled_task(
    entrant: User,
    submission: Submission,
    media_root: Path,
    enqueued: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from submissions.tasks import purge_expired_uploads

    upload = services.create_upload(user=entrant, submission_id=submission.pk, length=len(DATA), metadata={})
    services.append_to_upload(
        upload_id=upload.pk, user=entrant, offset=0, content_length=4000, read=pieces(DATA[:4000])
    )

    # The last PATCH was stored and counted, then the server died before finishing.
    def counted(appended: Any) -> None:
        Upload.objects.filter(pk=upload.pk).update(
            offset=len(DATA),
            state=UploadState.ASSEMBLING,
            parts=appended.parts,
            updated_at=timezone.now() - timedelta(minutes=11),
        )

    services.assembly.assembly_for().append(
        upload_id=upload.pk,
        parts=Upload.objects.get(pk=upload.pk).parts,
        offset=4000,
        length=len(DATA),
        read=pieces(DATA[4000:]),
        limit=len(DATA) - 4000,
        checksum=None,
        record=counted,
        still_at=lambda: True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        purge_expired_uploads.apply()
    film = Film.objects.get()
    assert film.sha256 == ""  # several PATCHes: the worker hashes the source
    assert stored_files(media_root) == {film.source_name: DATA}
    assert Upload.objects.get().state == UploadState.COMPLETE
    assert enqueued == [film.pk]


def test_the_body_is_read_in_fixed_size_chunks_never_whole(
    entrant: User, submission: Submission, media_root: Path, settings: Any
) -> None:
    settings.LAUREL_UPLOAD_CHUNK_BYTES = 1024
    upload = services.create_upload(user=entrant, submission_id=submission.pk, length=len(DATA), metadata={})
    stream = io.BytesIO(DATA[:5000])
    asked: list[int] = []

    def read(size: int) -> bytes:
        asked.append(size)
        return stream.read(size)

    result = services.append_to_upload(upload_id=upload.pk, user=entrant, offset=0, content_length=5000, read=read)
    assert result.upload.offset == 5000
    assert asked == [1024, 1024, 1024, 1024, 904]


def test_anonymous_head_and_discovery_on_the_upload_url(entrant_client: Client, submission: Submission) -> None:
    url = upload_url(create(entrant_client, submission))
    anonymous = Client()
    assert anonymous.head(url, headers=TUS).status_code == 403
    response = anonymous.options(url)
    assert (response.status_code, response["Tus-Version"]) == (204, "1.0.0")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("sha256 AAAA", "Upload-Checksum digest has the wrong length for sha256."),
        ("sha256", "Upload-Checksum must be '<algorithm> <base64 digest>'."),
        ("sha1 !!!!", "Upload-Checksum digest is not base64."),
    ],
)
def test_malformed_checksum_header_is_400_and_nothing_is_stored(
    entrant_client: Client, submission: Submission, media_root: Path, header: str, message: str
) -> None:
    url = upload_url(create(entrant_client, submission))
    response = patch(entrant_client, url, DATA[:100], 0, **{"Upload-Checksum": header})
    assert (response.status_code, response.content.decode()) == (400, message)
    assert stored_files(media_root) == {}


@pytest.mark.parametrize("value", ["", "-1", "12abc", "99999999999999999999"])
def test_bad_upload_length_is_400(entrant_client: Client, submission: Submission, value: str) -> None:
    headers = {**TUS, "Upload-Length": value, "Upload-Metadata": metadata(submission=submission.pk)}
    assert entrant_client.post(CREATE_URL, headers=headers).status_code == 400
    assert Upload.objects.count() == 0


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"\x00\x00\x00\x18ftypisom", 204),  # MP4 / MOV
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81", 204),  # Matroska / WebM
        (b"RIFF\x00\x00\x00\x00AVI ", 415),  # AVI: not among this edition's containers
        (b"#EXTM3U\n#EXT-X-", 415),  # a playlist
    ],
)
def test_a_file_without_an_extension_is_checked_by_its_first_bytes(
    entrant_client: Client, submission: Submission, head: bytes, status: int
) -> None:
    body = head + bytes(100)
    url = upload_url(create(entrant_client, submission, length=len(body), filename="my film"))
    response = patch(entrant_client, url, body, 0)
    assert response.status_code == status
    upload = Upload.objects.get()
    if status == 415:
        assert response.content.decode() == (
            "The file has no extension and is not a video of a type this festival takes "
            "(MP4, MOV, WebM or MKV); name it with its type, e.g. film.mp4."
        )
        assert (upload.offset, upload.parts) == (0, [])
    else:
        assert upload.offset == len(body)


def test_bytes_a_killed_request_appended_past_the_offset_are_cut(
    entrant_client: Client, submission: Submission, media_root: Path, enqueued: list[int]
) -> None:
    url = upload_url(create(entrant_client, submission))
    assert patch(entrant_client, url, DATA[:4000], 0)["Upload-Offset"] == "4000"
    source = Upload.objects.get().parts[0]["name"]
    with (media_root / source).open("ab") as handle:
        handle.write(b"never acknowledged")  # a request killed after writing, before counting
    assert patch(entrant_client, url, DATA[4000:], 4000)["Upload-Offset"] == str(len(DATA))
    film = Film.objects.get()
    assert (film.source_name, stored_files(media_root)) == (source, {source: DATA})
