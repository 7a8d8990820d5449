"""Upload bytes through Django's storage API only (never ``.path``), so web processes and
workers on several hosts share nothing but the storage and the database.

Layout, one folder per upload: ``uploads/<uuid>/source-<random>`` is the finished file;
``uploads/<uuid>/part-<offset>-<random>`` holds the bytes of one accepted PATCH while the
upload is unfinished. A PATCH that carries the whole file from byte 0 (the usual case) is
written straight to a ``source`` name, so finishing it costs no copy.
"""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import UnreadablePostError

from submissions.uploads.protocol import SNIFF_BYTES, Checksum

logger = logging.getLogger(__name__)


def upload_folder(upload_id: Any) -> str:
    return f"uploads/{upload_id}"


# Every object gets a fresh random suffix: two requests racing on the same offset then
# never write, or clean up, each other's object.
def source_name(upload_id: Any) -> str:
    return f"{upload_folder(upload_id)}/source-{secrets.token_hex(4)}"


def part_name(upload_id: Any, offset: int) -> str:
    return f"{upload_folder(upload_id)}/part-{offset:016d}-{secrets.token_hex(4)}"


class IncomingBody(io.RawIOBase):
    """A request body as a read-once file for ``Storage.save``.

    Reads the source at most ``settings.LAUREL_UPLOAD_CHUNK_BYTES`` at a time and never
    more than ``limit`` bytes in all, hashing as it goes. A client that vanishes mid-body
    is not an error here: the bytes that arrived are kept (tus says the server should keep
    them) and ``interrupted`` is set.
    """

    name = "upload-part"

    def __init__(self, source: Callable[[int], bytes], *, limit: int, hashers: Iterable[Any] = ()) -> None:
        super().__init__()
        self._source = source
        self._remaining = limit
        self._hashers = list(hashers)
        self.chunk_size: int = settings.LAUREL_UPLOAD_CHUNK_BYTES
        self.received = 0
        self.interrupted = False
        self.head = b""  # the first bytes of the body (a file type check of extensionless files)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def _read_piece(self, size: int) -> bytes:
        if self._remaining <= 0:
            return b""
        try:
            data = self._source(min(size, self.chunk_size, self._remaining))
        except (UnreadablePostError, OSError):
            data = b""
        if not data:
            self.interrupted = self._remaining > 0
            self._remaining = 0
            return b""
        if len(self.head) < SNIFF_BYTES:
            self.head += data[: SNIFF_BYTES - len(self.head)]
        self._remaining -= len(data)
        self.received += len(data)
        for hasher in self._hashers:
            hasher.update(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        if size is None or size < 0:
            return self._read_piece(self.chunk_size)
        pieces: list[bytes] = []
        wanted = size
        while wanted > 0 and self._remaining > 0:
            piece = self._read_piece(wanted)
            if not piece:
                break
            pieces.append(piece)
            wanted -= len(piece)
        return b"".join(pieces)

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        while piece := self._read_piece(self.chunk_size):
            yield piece


@dataclass(frozen=True)
class ReceivedPart:
    name: str  # the storage name actually written (storage may pick a free variant)
    size: int
    interrupted: bool
    checksum_ok: bool
    sha256: str  # hex digest of this part, or "" when not computed
    head: bytes = b""  # its first SNIFF_BYTES bytes


def receive_part(
    source: Callable[[int], bytes],
    *,
    name: str,
    limit: int,
    checksum: Checksum | None,
    want_sha256: bool,
) -> ReceivedPart:
    """Stream up to ``limit`` bytes into a new storage object; nothing is left behind on error."""
    sha256 = hashlib.sha256() if want_sha256 else None
    verify = None
    if checksum is not None:
        verify = sha256 if (checksum.algorithm == "sha256" and sha256 is not None) else hashlib.new(checksum.algorithm)
    hashers = list({id(h): h for h in (sha256, verify) if h is not None}.values())
    body = IncomingBody(source, limit=limit, hashers=hashers)
    try:
        stored = default_storage.save(name, cast(IO[bytes], body))
    except BaseException:
        # A storage error or a killed request must not leave a half-written object behind
        # that a later PATCH could mistake for data. The name is ours alone (fresh folder).
        _delete_quietly([name])
        raise
    checksum_ok = True
    if checksum is not None and verify is not None:
        # A body cut short cannot match the digest of the whole body the client meant.
        checksum_ok = not body.interrupted and verify.digest() == checksum.digest
    return ReceivedPart(
        name=stored,
        size=body.received,
        interrupted=body.interrupted,
        checksum_ok=checksum_ok,
        sha256=sha256.hexdigest() if sha256 is not None else "",
        head=body.head,
    )


class _Concatenation(io.RawIOBase):
    """The parts, in order, as one read-once file for ``Storage.save``, hashed on the way."""

    name = "source"

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self._names = names
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.chunk_size: int = settings.LAUREL_UPLOAD_CHUNK_BYTES
        self._pieces = self._iterate()
        self._buffer = b""

    def _iterate(self) -> Iterator[bytes]:
        for name in self._names:
            with default_storage.open(name, "rb") as handle:
                while piece := handle.read(self.chunk_size):
                    self.sha256.update(piece)
                    self.size += len(piece)
                    yield piece

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        yield from self._pieces

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.chunk_size
        while len(self._buffer) < size:
            piece = next(self._pieces, b"")
            if not piece:
                break
            self._buffer += piece
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


@dataclass(frozen=True)
class AssembledSource:
    name: str
    size: int
    sha256: str


def assemble(upload_id: Any, parts: list[dict[str, Any]]) -> AssembledSource:
    """Make the finished file from the parts, streaming through the storage API.

    A single part that starts at byte 0 already is the file (its hash was taken while it
    arrived); otherwise the parts are concatenated into ``source`` and hashed on the way.
    """
    if len(parts) == 1 and parts[0]["offset"] == 0 and parts[0].get("sha256"):
        part = parts[0]
        return AssembledSource(name=part["name"], size=int(part["size"]), sha256=part["sha256"])
    content = _Concatenation([part["name"] for part in parts])
    name = source_name(upload_id)
    try:
        stored = default_storage.save(name, cast(IO[bytes], content))
    except BaseException:
        _delete_quietly([name])
        raise
    return AssembledSource(name=stored, size=content.size, sha256=content.sha256.hexdigest())


def _delete_quietly(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.warning("could not delete upload object %s", name, exc_info=True)


def clear_folder(upload_id: Any, *, keep: str = "") -> None:
    """Delete every object in the upload's folder but ``keep`` (the film's source).

    Listing the folder, not trusting the part list, also removes what a request killed
    mid-body left behind: it wrote an object but never got to record it.
    """
    folder = upload_folder(upload_id)
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    _delete_quietly(name for name in (f"{folder}/{file}" for file in files) if name != keep)


def delete_objects(names: Iterable[str]) -> None:
    """Delete storage objects that belong to no film any more (parts, abandoned uploads)."""
    _delete_quietly(names)
