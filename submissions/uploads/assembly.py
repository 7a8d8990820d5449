"""How the PATCHes of one upload become the film's source without copying it again at 100 %.

The storage-capability seam: ``assembly_for(storage)`` picks what the configured storage can
do, so each path is explicit and every byte still goes through the storage API.

- ``LocalAppend`` (``FileSystemStorage``): every PATCH appends to the one source object in
  place (under an exclusive lock, after cutting back bytes a killed request wrote past the
  acknowledged offset). Finishing is nothing: the object already is the file.
- ``S3Multipart`` (``S3Storage``): the upload is an S3 multipart upload of the source key;
  each PATCH body is cut into parts of ``LAUREL_UPLOAD_S3_PART_BYTES`` (≥ 5 MiB, S3's minimum)
  and a short remainder is kept as a tail object of its own, prepended to the next PATCH.
  Finishing is ``CompleteMultipartUpload``: S3 joins the parts without the bytes moving.
  A part is numbered by its first byte (``1 + start // part size``), so two requests racing on
  one offset write the same part numbers and the loser's parts are never listed.
- ``SeparateObjects`` (any other storage): one object per PATCH, concatenated at the end.

A body that is the whole file (one PATCH from byte 0) is stored under the source name with
its SHA-256 taken on the way, whatever the storage; files of several PATCHes get their
SHA-256 from the worker, which reads the source once anyway.

An ``Upload.parts`` list is owned by the assembly that wrote it; entries: local
``{"name", "offset", "size", "sha256"}`` (one entry); S3 ``{"kind": "multipart", "name",
"upload_id"}``, then ``{"kind": "part", "number", "etag", "offset", "size"}`` and at most one
``{"kind": "tail", "name", "offset", "size"}``; separate objects one ``{"name", "offset",
"size", "sha256"}`` per PATCH.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

from submissions.uploads import storage as objects
from submissions.uploads.protocol import Checksum

logger = logging.getLogger(__name__)

S3_MIN_PART_BYTES = 5 * 1024 * 1024


class AssemblyError(Exception):
    """The stored bytes disagree with the acknowledged offset (storage lost data)."""


class AssemblyConflict(Exception):
    """Another request moved the upload on while this one waited for the source object."""


@dataclass(frozen=True)
class Appended:
    """What one PATCH body stored: the upload's new part list (written only if it wins the offset)."""

    parts: list[dict[str, Any]]
    size: int  # bytes of the body received
    interrupted: bool
    checksum_ok: bool
    head: bytes  # the body's first bytes (type check of extensionless files)
    written: list[str] = field(default_factory=list)  # objects this body created
    replaced: list[str] = field(default_factory=list)  # objects to delete once the parts are recorded


Record = Callable[[Appended], None]  # stores the new part list if the body counts; raises if not
StillAt = Callable[[], bool]  # is the upload still receiving at this offset (read from the database)


class Assembly(Protocol):
    def append(
        self,
        *,
        upload_id: Any,
        parts: list[dict[str, Any]],
        offset: int,
        length: int,
        read: Callable[[int], bytes],
        limit: int,
        checksum: Checksum | None,
        record: Record,
        still_at: StillAt,
    ) -> Appended:
        """Store one PATCH body and hand it to ``record``; what ``record`` refuses is undone."""

    def finish(self, *, upload_id: Any, parts: list[dict[str, Any]]) -> objects.AssembledSource:
        """The finished source of a full upload (idempotent)."""

    def discard(self, *, parts: list[dict[str, Any]]) -> None:
        """Release what the storage holds for an abandoned upload besides its folder's objects."""


class _CheckedBody(objects.IncomingBody):
    """A PATCH body read in pieces, checked against the client's checksum (when it sent one)."""

    def __init__(self, read: Callable[[int], bytes], *, limit: int, checksum: Checksum | None) -> None:
        self._checksum = checksum
        self._verify = hashlib.new(checksum.algorithm) if checksum is not None else None
        super().__init__(read, limit=limit, hashers=[self._verify] if self._verify is not None else [])

    def appended(
        self, parts: list[dict[str, Any]], *, written: list[str], replaced: list[str] | None = None
    ) -> Appended:
        """What the body, read to its end, stored: the new part list and the objects made or superseded."""
        checksum_ok = self._checksum is None or (
            not self.interrupted and self._verify is not None and self._verify.digest() == self._checksum.digest
        )
        return Appended(
            parts=parts,
            size=self.received,
            interrupted=self.interrupted,
            checksum_ok=checksum_ok,
            head=self.head,
            written=written,
            replaced=replaced if replaced is not None else [],
        )


def _stored_object(
    read: Callable[[int], bytes],
    *,
    name: str,
    offset: int,
    parts: list[dict[str, Any]],
    limit: int,
    checksum: Checksum | None,
    record: Record,
    want_sha256: bool,
) -> Appended:
    """One PATCH body stored as an object of its own and recorded (the object is deleted if refused)."""
    part = objects.receive_part(read, name=name, limit=limit, checksum=checksum, want_sha256=want_sha256)
    entry = {"name": part.name, "offset": offset, "size": part.size, "sha256": "" if part.interrupted else part.sha256}
    appended = Appended(
        parts=[*parts, entry],
        size=part.size,
        interrupted=part.interrupted,
        checksum_ok=part.checksum_ok,
        head=part.head,
        written=[part.name],
    )
    return _record_or_undo(appended, record, lambda: objects.delete_objects(appended.written))


def _whole_file(
    upload_id: Any, read: Callable[[int], bytes], limit: int, checksum: Checksum | None, record: Record
) -> Appended:
    """One PATCH carrying the whole file: stored under the source name, hashed on the way, recorded."""
    return _stored_object(
        read,
        name=objects.source_name(upload_id),
        offset=0,
        parts=[],
        limit=limit,
        checksum=checksum,
        record=record,
        want_sha256=True,
    )


def _record_or_undo(appended: Appended, record: Record, undo: Callable[[], None]) -> Appended:
    try:
        record(appended)
    except BaseException:
        undo()
        raise
    objects.delete_objects(appended.replaced)
    return appended


class SeparateObjects:
    """Any storage: one object per PATCH, concatenated (one copy) when the upload is full."""

    def append(
        self,
        *,
        upload_id: Any,
        parts: list[dict[str, Any]],
        offset: int,
        length: int,
        read: Callable[[int], bytes],
        limit: int,
        checksum: Checksum | None,
        record: Record,
        still_at: StillAt,
    ) -> Appended:
        if offset == 0 and limit == length:
            return _whole_file(upload_id, read, limit, checksum, record)
        return _stored_object(
            read,
            name=objects.part_name(upload_id, offset),
            offset=offset,
            parts=parts,
            limit=limit,
            checksum=checksum,
            record=record,
            want_sha256=False,
        )

    def finish(self, *, upload_id: Any, parts: list[dict[str, Any]]) -> objects.AssembledSource:
        return objects.assemble(upload_id, parts)

    def discard(self, *, parts: list[dict[str, Any]]) -> None:
        return None


class LocalAppend:
    """Local storage: the bytes of every PATCH are appended to the source object in place."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def append(
        self,
        *,
        upload_id: Any,
        parts: list[dict[str, Any]],
        offset: int,
        length: int,
        read: Callable[[int], bytes],
        limit: int,
        checksum: Checksum | None,
        record: Record,
        still_at: StillAt,
    ) -> Appended:
        if not parts:
            if limit == length:
                return _whole_file(upload_id, read, limit, checksum, record)
            # The first PATCH creates the source object (the storage picks its folders).
            created = self.storage.save(objects.source_name(upload_id), ContentFile(b""))
            parts = [{"name": created, "offset": 0, "size": 0, "sha256": ""}]
        name = parts[0]["name"]
        body = _CheckedBody(read, limit=limit, checksum=checksum)
        with self.storage.open(name, "r+b") as handle:
            raw = handle.file
            assert raw is not None
            # One appender at a time, from the offset check to the recorded offset (closing releases it).
            fcntl.flock(raw.fileno(), fcntl.LOCK_EX)
            if not still_at():
                raise AssemblyConflict
            size = raw.seek(0, 2)
            if size < offset:
                raise AssemblyError(f"{name} holds {size} bytes; {offset} were acknowledged")
            raw.truncate(offset)  # bytes past the offset were never acknowledged (a killed request)
            raw.seek(offset)
            while piece := body.read(body.chunk_size):
                raw.write(piece)
            raw.flush()
            appended = body.appended(
                [{"name": name, "offset": 0, "size": offset + body.received, "sha256": ""}],
                written=[name] if offset == 0 else [],
            )

            def undo() -> None:
                if offset == 0:
                    objects.delete_objects([name])
                else:
                    raw.truncate(offset)

            return _record_or_undo(appended, record, undo)

    def finish(self, *, upload_id: Any, parts: list[dict[str, Any]]) -> objects.AssembledSource:
        entry = parts[0]
        return objects.AssembledSource(
            name=entry["name"], size=self.storage.size(entry["name"]), sha256=entry["sha256"]
        )

    def discard(self, *, parts: list[dict[str, Any]]) -> None:
        return None


class S3Multipart:
    """S3-compatible storage: an S3 multipart upload, one or more parts per PATCH."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage
        self.part_bytes = max(S3_MIN_PART_BYTES, int(settings.LAUREL_UPLOAD_S3_PART_BYTES))

    @property
    def client(self) -> Any:
        return self.storage.connection.meta.client

    def _key(self, name: str) -> str:
        # django-storages' own mapping of a storage name to a key (AWS_LOCATION prefix).
        key: str = self.storage._normalize_name(name)
        return key

    def append(
        self,
        *,
        upload_id: Any,
        parts: list[dict[str, Any]],
        offset: int,
        length: int,
        read: Callable[[int], bytes],
        limit: int,
        checksum: Checksum | None,
        record: Record,
        still_at: StillAt,
    ) -> Appended:
        if not parts and limit == length:
            return _whole_file(upload_id, read, limit, checksum, record)
        entries = list(parts)
        if not entries:
            name = objects.source_name(upload_id)
            started = self.client.create_multipart_upload(Bucket=self.storage.bucket_name, Key=self._key(name))
            entries = [{"kind": "multipart", "name": name, "upload_id": started["UploadId"]}]
        multipart = entries[0]
        buffer = bytearray()
        start = offset
        replaced: list[str] = []
        if entries[-1].get("kind") == "tail":
            tail = entries.pop()
            with self.storage.open(tail["name"], "rb") as handle:
                buffer += handle.read()
            start = int(tail["offset"])
            replaced.append(tail["name"])
        body = _CheckedBody(read, limit=limit, checksum=checksum)
        while piece := body.read(body.chunk_size):
            buffer += piece
            while len(buffer) >= self.part_bytes:
                entries.append(self._upload_part(multipart, start, bytes(buffer[: self.part_bytes])))
                start += self.part_bytes
                del buffer[: self.part_bytes]
        written: list[str] = []
        if offset + body.received == length:
            if buffer or len(entries) == 1:
                entries.append(self._upload_part(multipart, start, bytes(buffer)))  # the last part may be short
        elif buffer:
            tail_name = self.storage.save(objects.part_name(upload_id, start), ContentFile(bytes(buffer)))
            entries.append({"kind": "tail", "name": tail_name, "offset": start, "size": len(buffer)})
            written.append(tail_name)
        appended = body.appended(entries, written=written, replaced=replaced)
        # Parts not recorded are never listed at completion (and a retry rewrites their numbers).
        return _record_or_undo(appended, record, lambda: objects.delete_objects(written))

    def _upload_part(self, multipart: dict[str, Any], start: int, data: bytes) -> dict[str, Any]:
        number = 1 + start // self.part_bytes
        answer = self.client.upload_part(
            Bucket=self.storage.bucket_name,
            Key=self._key(multipart["name"]),
            UploadId=multipart["upload_id"],
            PartNumber=number,
            Body=data,
        )
        return {"kind": "part", "number": number, "etag": answer["ETag"], "offset": start, "size": len(data)}

    def finish(self, *, upload_id: Any, parts: list[dict[str, Any]]) -> objects.AssembledSource:
        multipart = parts[0]
        if multipart.get("kind") != "multipart":  # one PATCH of the whole file
            return objects.AssembledSource(
                name=multipart["name"], size=int(multipart["size"]), sha256=multipart["sha256"]
            )
        listed = [{"PartNumber": p["number"], "ETag": p["etag"]} for p in parts if p.get("kind") == "part"]
        from botocore.exceptions import ClientError

        try:
            self.client.complete_multipart_upload(
                Bucket=self.storage.bucket_name,
                Key=self._key(multipart["name"]),
                UploadId=multipart["upload_id"],
                MultipartUpload={"Parts": listed},
            )
        except ClientError as error:
            # Completed already by a request that died before recording it: the object is there.
            if error.response.get("Error", {}).get("Code") != "NoSuchUpload":
                raise
        return objects.AssembledSource(name=multipart["name"], size=self.storage.size(multipart["name"]), sha256="")

    def discard(self, *, parts: list[dict[str, Any]]) -> None:
        if not parts or parts[0].get("kind") != "multipart":
            return
        try:
            self.client.abort_multipart_upload(
                Bucket=self.storage.bucket_name, Key=self._key(parts[0]["name"]), UploadId=parts[0]["upload_id"]
            )
        except Exception:  # already completed or aborted; a lifecycle rule sweeps the rest
            logger.warning("could not abort multipart upload %s", parts[0]["upload_id"], exc_info=True)


def assembly_for(storage: Storage | None = None) -> Assembly:
    """The assembly the storage is capable of (the configured default storage if none is given)."""
    target = storage or storages["default"]  # the backend itself (default_storage is a lazy wrapper)
    if isinstance(target, FileSystemStorage):
        return LocalAppend(target)
    with contextlib.suppress(ImportError):
        from storages.backends.s3 import S3Storage

        if isinstance(target, S3Storage):
            return S3Multipart(target)
    return SeparateObjects()
