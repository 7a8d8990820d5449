"""Every write to ``Upload`` rows: create, append a PATCH body, finish, terminate, purge.

Receiving a body can take minutes, so ``append_to_upload`` deliberately does not hold a
transaction while bytes stream in (on SQLite that would lock every writer out; on
PostgreSQL it would pin a row lock for the whole transfer). The bytes are stored by the
storage's assembly (``submissions.uploads.assembly``: appended in place on local storage,
S3 multipart parts on S3); then one short compare-and-set on ``offset`` decides whether
they count. The loser of a race has its bytes undone and answers 409. The last PATCH only
finishes the assembly (no copy of the file), whatever its size.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from festival.deadlines import SubmissionsClosed
from festival.models import User
from festival.services import audit_event, record_audit, record_audits
from media.models import Film
from media.probe import accepted_containers
from submissions import audit_actions
from submissions.models import Submission, Upload, UploadState
from submissions.selectors import is_editable
from submissions.services.errors import SubmissionError
from submissions.services.lifecycle import attach_uploaded_film, mark_upload_started
from submissions.uploads import assembly, storage
from submissions.uploads.protocol import (
    CHECKSUM_MISMATCH,
    Checksum,
    TusError,
    file_extension,
    sanitize_filename,
    sanitize_filetype,
    sniff_containers,
)

logger = logging.getLogger(__name__)

# File extensions each edition container name stands for (the probe has the last word).
CONTAINER_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "mp4": ("mp4", "m4v"),
    "mov": ("mov",),
    "webm": ("webm",),
    "mkv": ("mkv",),
    "avi": ("avi",),
}
UNFINISHED_STATES = (UploadState.RECEIVING, UploadState.ASSEMBLING)
# An upload still assembling this long after its last byte lost the request finishing it.
STALLED_AFTER = timedelta(minutes=10)


def allowed_extensions(containers: list[str]) -> list[str]:
    return sorted({ext for name in containers for ext in CONTAINER_EXTENSIONS.get(name, ())})


def _ensure_window_open(submission: Submission, now: datetime) -> None:
    try:
        submission.edition.window.ensure_accepting(now, what="Uploads")
    except SubmissionsClosed as exc:
        raise TusError(403, exc.message, code="deadline") from None


def format_bytes(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - loop always returns


def _expiry(now: datetime) -> datetime:
    expiry: datetime = now + settings.LAUREL_UPLOAD_EXPIRY
    return expiry


@transaction.atomic
def create_upload(
    *, user: User, submission_id: int, length: int, metadata: dict[str, str], now: datetime | None = None
) -> Upload:
    """tus creation: check everything that can be checked before a byte moves."""
    now = now or timezone.now()
    submission = Submission.objects.select_related("edition").filter(pk=submission_id, entrant=user).first()
    if submission is None:
        raise TusError(404, "No such submission.", code="not_found")
    if not is_editable(submission):
        raise TusError(409, "This submission can no longer take a new film.", code="locked")
    _ensure_window_open(submission, now)
    edition = submission.edition
    if length == 0:
        raise TusError(400, "The file is empty.", code="empty")
    if length > edition.max_file_size_bytes:
        raise TusError(
            413,
            f"The file is {format_bytes(length)}; this festival takes files up to "
            f"{format_bytes(edition.max_file_size_bytes)}.",
            code="too_large",
        )
    filename = sanitize_filename(metadata.get("filename", "") or metadata.get("name", ""))
    extensions = allowed_extensions(list(edition.allowed_containers or []))
    extension = file_extension(filename)
    if extensions and extension and extension not in extensions:
        raise TusError(
            415,
            f"Files of type .{extension} are not accepted; use one of: {', '.join('.' + e for e in extensions)}.",
            code="type",
        )

    # Serialize uploads of one user so two parallel creations cannot both squeeze under
    # the quota (a row lock on PostgreSQL; SQLite's IMMEDIATE transactions already do).
    User.objects.select_for_update().filter(pk=user.pk).first()
    # Choosing a new file for the same submission abandons the old, unfinished one.
    _discard(
        list(
            Upload.objects.filter(submission=submission, state__in=UNFINISHED_STATES).select_related(
                "submission__edition"
            )
        ),
        actor=user,
        reason="superseded",
    )
    in_flight = Upload.objects.filter(owner=user, state__in=UNFINISHED_STATES, expires_at__gt=now).aggregate(
        count=Count("pk"), size=Sum("length")
    )
    if in_flight["count"] >= settings.LAUREL_UPLOAD_MAX_CONCURRENT:
        raise TusError(
            403,
            f"You already have {in_flight['count']} uploads in progress; finish or cancel one first.",
            code="quota",
        )
    quota: int = settings.LAUREL_UPLOAD_QUOTA_BYTES
    if (in_flight["size"] or 0) + length > quota:
        raise TusError(
            403,
            f"Your unfinished uploads would exceed your upload quota of {format_bytes(quota)}; "
            "finish or cancel one first.",
            code="quota",
        )

    upload = Upload.objects.create(
        submission=submission,
        owner=user,
        length=length,
        original_filename=filename,
        filetype=sanitize_filetype(metadata.get("filetype", "")),
        expires_at=_expiry(now),
    )
    try:
        mark_upload_started(submission_id=submission.pk, actor=user)
    except SubmissionError as exc:
        raise TusError(exc.status, exc.message, code=exc.code) from None
    record_audit(
        actor=user,
        action=audit_actions.UPLOAD_CREATE,
        target=upload,
        after={"submission": submission.pk, "length": length, "filename": filename},
    )
    return upload


def get_upload(*, upload_id: UUID, user: User, now: datetime | None = None) -> Upload:
    """The user's upload, or the tus answer for a missing (404) or expired (410) one."""
    now = now or timezone.now()
    upload = Upload.objects.select_related("submission__edition").filter(pk=upload_id, owner=user).first()
    if upload is None:
        raise TusError(404, "No such upload.", code="not_found")
    if upload.state != UploadState.COMPLETE and upload.expires_at <= now:
        raise TusError(410, "This upload has expired; please start again.", code="expired")
    return upload


@dataclass(frozen=True)
class AppendResult:
    upload: Upload
    film: Film | None


def append_to_upload(
    *,
    upload_id: UUID,
    user: User,
    offset: int,
    content_length: int,
    read: Callable[[int], bytes],
    checksum: Checksum | None = None,
    now: datetime | None = None,
) -> AppendResult:
    """tus PATCH: store the body as a new part at ``offset``; finish the upload when full."""
    now = now or timezone.now()
    upload = get_upload(upload_id=upload_id, user=user, now=now)
    _ensure_window_open(upload.submission, now)
    if upload.state != UploadState.RECEIVING or offset != upload.offset:
        raise TusError(
            409, f"Upload-Offset {offset} does not match the server's offset {upload.offset}.", code="offset"
        )
    if offset + content_length > upload.length:
        raise TusError(413, "The request goes past the upload's declared length.", code="too_long")
    if content_length == 0:
        return AppendResult(upload=upload, film=None)

    def record(appended: assembly.Appended) -> None:
        """The body counts: one short compare-and-set on the offset records its parts."""
        if not appended.checksum_ok:
            raise TusError(
                CHECKSUM_MISMATCH, "The checksum of the data does not match Upload-Checksum.", code="checksum"
            )
        if appended.size == 0:
            raise _NothingReceived
        if offset == 0:
            _check_type_of_extensionless(upload, appended.head)
        new_offset = offset + appended.size
        with transaction.atomic():
            moved = Upload.objects.filter(pk=upload.pk, offset=offset, state=UploadState.RECEIVING).update(
                offset=new_offset,
                parts=appended.parts,
                state=UploadState.ASSEMBLING if new_offset == upload.length else UploadState.RECEIVING,
                expires_at=_expiry(now),
                updated_at=now,
            )
        if not moved:
            raise TusError(409, "Another request changed this upload; ask for its offset and resume.", code="offset")

    def still_at() -> bool:
        return Upload.objects.filter(pk=upload.pk, offset=offset, state=UploadState.RECEIVING).exists()

    try:
        appended = assembly.assembly_for().append(
            upload_id=upload.pk,
            parts=list(upload.parts),
            offset=offset,
            length=upload.length,
            read=read,
            limit=content_length,
            checksum=checksum,
            record=record,
            still_at=still_at,
        )
    except _NothingReceived:
        return AppendResult(upload=upload, film=None)
    except assembly.AssemblyConflict:
        raise TusError(
            409, "Another request changed this upload; ask for its offset and resume.", code="offset"
        ) from None
    new_offset = offset + appended.size
    if new_offset != upload.length:
        upload.offset, upload.parts, upload.expires_at = new_offset, appended.parts, _expiry(now)
        return AppendResult(upload=upload, film=None)
    film = complete_upload(upload_id=upload.pk, now=now)
    upload.refresh_from_db()
    return AppendResult(upload=upload, film=film)


class _NothingReceived(Exception):
    """The body brought no bytes (the client went away before sending any)."""


def _check_type_of_extensionless(upload: Upload, head: bytes) -> None:
    """A file named without an extension is checked by its first bytes (415 if not an accepted video)."""
    containers = list(upload.submission.edition.allowed_containers or [])
    if not containers or file_extension(upload.original_filename):
        return
    if sniff_containers(head) & set(containers):
        return
    raise TusError(
        415,
        f"The file has no extension and is not a video of a type this festival takes "
        f"({accepted_containers(containers)}); name it with its type, e.g. film.{containers[0]}.",
        code="type",
    )


def complete_upload(*, upload_id: UUID, now: datetime | None = None) -> Film | None:
    """Turn the parts of a full upload into the film's source and hand it to the pipeline.

    Idempotent: only an upload in ``assembling`` is finished, by whoever wins the
    compare-and-set; a crash before that leaves it ``assembling`` for a retry.
    """
    now = now or timezone.now()
    upload = Upload.objects.select_related("owner").filter(pk=upload_id, state=UploadState.ASSEMBLING).first()
    if upload is None:
        return None
    source = assembly.assembly_for().finish(upload_id=upload.pk, parts=list(upload.parts))
    if source.size != upload.length:
        storage.delete_objects([source.name] if source.name not in _part_names(upload) else [])
        raise TusError(500, "The stored upload is incomplete.", code="storage")
    try:
        with transaction.atomic():
            finished = Upload.objects.filter(pk=upload.pk, state=UploadState.ASSEMBLING).update(
                state=UploadState.COMPLETE,
                source_name=source.name,
                sha256=source.sha256,
                completed_at=now,
                expires_at=_expiry(now),
                updated_at=now,
            )
            if not finished:
                raise _Lost
            film = attach_uploaded_film(
                submission_id=upload.submission_id,
                actor=upload.owner,
                source_name=source.name,
                original_filename=upload.original_filename,
                size_bytes=source.size,
                sha256=source.sha256,
            )
            record_audit(
                actor=upload.owner,
                action=audit_actions.UPLOAD_COMPLETE,
                target=upload,
                after={"film": film.pk, "size": source.size, "sha256": source.sha256},
            )
            transaction.on_commit(lambda: storage.clear_folder(upload.pk, keep=source.name))
    except _Lost:
        if source.name not in _part_names(upload):
            storage.delete_objects([source.name])
        return None
    except SubmissionError as exc:
        raise TusError(exc.status, exc.message, code=exc.code) from None
    return film


class _Lost(Exception):
    """Someone else finished or removed the upload while we assembled it."""


def _part_names(upload: Upload) -> list[str]:
    return [part["name"] for part in upload.parts or []]


_DISCARD_ACTIONS = {
    "superseded": audit_actions.UPLOAD_SUPERSEDED,
    "terminate": audit_actions.UPLOAD_TERMINATE,
    "expire": audit_actions.UPLOAD_EXPIRE,
}


def _discard(uploads: Sequence[Upload], *, actor: User | None, reason: str) -> None:
    """Delete uploads' rows now and their bytes once that is committed (a film keeps its source).

    A constant number of queries however many (their audit in one append, their rows in one
    delete); give them with ``submission__edition`` loaded so their festival needs no query.
    """
    if not uploads:
        return
    record_audits(
        [
            audit_event(
                actor=actor,
                action=_DISCARD_ACTIONS[reason],
                target=upload,
                before={"offset": upload.offset, "length": upload.length},
            )
            for upload in uploads
        ]
    )
    Upload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
    for upload in uploads:
        transaction.on_commit(
            partial(_clear_stored, upload.pk, upload.state, list(upload.parts or []), upload.source_name)
        )


def _clear_stored(upload_id: UUID, state: str, parts: list[dict[str, Any]], source_name: str) -> None:
    """What a discarded upload left in storage: its parts, its folder (but a film's source)."""
    if state != UploadState.COMPLETE:
        assembly.assembly_for().discard(parts=parts)
    storage.clear_folder(upload_id, keep=source_name if state == UploadState.COMPLETE else "")


@transaction.atomic
def terminate_upload(*, upload_id: UUID, user: User) -> None:
    """tus termination: the entrant gives up this upload; its parts are deleted."""
    upload = Upload.objects.filter(pk=upload_id, owner=user).select_related("submission__edition").first()
    if upload is None:
        raise TusError(404, "No such upload.", code="not_found")
    _discard([upload], actor=user, reason="terminate")


def purge_expired_uploads(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Delete expired uploads and their bytes; the row goes first, so a late PATCH gets 404.

    In batches of ``batch_size``, each its own transaction costing the same few queries. A
    batch locks its rows and skips rows locked elsewhere (another purge, a PATCH in flight):
    two purges at once never discard the same upload twice.
    """
    now = now or timezone.now()
    purged = 0
    while True:
        with transaction.atomic():
            batch = list(
                Upload.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("submission__edition")
                .filter(expires_at__lte=now)
                .order_by("expires_at", "pk")[:batch_size]
            )
            _discard(batch, actor=None, reason="expire")
        purged += len(batch)
        if len(batch) < batch_size:
            return purged


def finish_stalled_uploads(*, now: datetime | None = None) -> int:
    """Finish uploads whose last byte arrived but whose finishing request died (server restart).

    The client already saw its offset reach the length and considers the upload done, so
    the server must finish it on its own. ``complete_upload`` is idempotent.
    """
    now = now or timezone.now()
    stalled = Upload.objects.filter(
        state=UploadState.ASSEMBLING, updated_at__lte=now - STALLED_AFTER, expires_at__gt=now
    ).values_list("pk", flat=True)
    finished = 0
    for upload_id in list(stalled[:100]):
        try:
            finished += complete_upload(upload_id=upload_id, now=now) is not None
        except TusError as error:
            logger.warning("could not finish upload %s: %s", upload_id, error.message)
    return finished
