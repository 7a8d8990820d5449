"""The tus 1.0.0 wire format: header values in, typed values out. Pure functions.

Every function raises ``TusError`` with the HTTP status and a message the entrant can read,
so the view turns bad input into a clear response instead of a 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = ("creation", "expiration", "checksum", "termination")
CHECKSUM_ALGORITHMS = ("sha1", "sha256")
UPLOAD_CONTENT_TYPE = "application/offset+octet-stream"
CHECKSUM_MISMATCH = 460  # tus checksum extension: "Checksum Mismatch"

FILENAME_MAX = 255
FILETYPE_MAX = 100
METADATA_MAX = 4096  # the whole Upload-Metadata header; a filename fits many times over

_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+\-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+\-]{0,62}$")
_DIGITS = re.compile(r"^[0-9]{1,19}$")


class TusError(Exception):
    """A request the server refuses, with the status to answer and a readable reason."""

    def __init__(self, status: int, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code  # short machine-readable reason for the upload page (X-Laurel-Error)


def parse_int_header(value: str | None, header: str) -> int:
    """A non-negative integer header (Upload-Length, Upload-Offset, Content-Length)."""
    if value is None or value.strip() == "":
        raise TusError(400, f"{header} is required.")
    value = value.strip()
    if not _DIGITS.match(value):
        raise TusError(400, f"{header} must be a non-negative integer.")
    return int(value)


def parse_metadata(value: str | None) -> dict[str, str]:
    """Upload-Metadata: comma-separated ``key base64value`` pairs (the value may be absent).

    Values are decoded as UTF-8 with errors replaced: metadata is only ever displayed, and
    a client's odd encoding must not stop the upload.
    """
    if not value:
        return {}
    if len(value) > METADATA_MAX:
        raise TusError(400, "Upload-Metadata is too long.")
    result: dict[str, str] = {}
    for pair in value.split(","):
        pieces = pair.strip().split(" ")
        if len(pieces) > 2 or not _KEY.match(pieces[0]):
            raise TusError(400, "Upload-Metadata is malformed.")
        key = pieces[0]
        if key in result:
            raise TusError(400, f"Upload-Metadata repeats the key {key!r}.")
        raw = b""
        if len(pieces) == 2:
            try:
                raw = base64.b64decode(pieces[1], validate=True)
            except (binascii.Error, ValueError):
                raise TusError(400, f"Upload-Metadata value for {key!r} is not base64.") from None
        result[key] = raw.decode("utf-8", errors="replace")
    return result


def sanitize_filename(value: str) -> str:
    """The entrant's file name as display-only metadata: never a path, never a storage name.

    NFKC folds look-alike and full-width characters; control, format (bidi overrides,
    zero-width) and unassigned characters go; only the last path component survives, so
    ``../../etc/passwd`` becomes ``passwd``; the length is capped keeping the extension.
    """
    text = unicodedata.normalize("NFKC", value)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in {"C"})
    text = text.replace("\\", "/")
    text = posixpath.basename(text).strip().lstrip(".").strip()
    if len(text) > FILENAME_MAX:
        stem, dot, ext = text.rpartition(".")
        text = stem[: FILENAME_MAX - len(ext) - 1] + "." + ext if dot and 0 < len(ext) <= 16 else text[:FILENAME_MAX]
    return text


def sanitize_filetype(value: str) -> str:
    text = value.strip().lower()
    return text if len(text) <= FILETYPE_MAX and _MEDIA_TYPE.match(text) else ""


def file_extension(filename: str) -> str:
    _, dot, ext = filename.rpartition(".")
    return ext.lower() if dot else ""


SNIFF_BYTES = 12
_ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}


def sniff_containers(head: bytes) -> set[str]:
    """The containers a file's first bytes can start (edition container names); empty if none.

    Used for files without an extension (the probe has the last word on every file).
    """
    if head[4:8] in _ISO_BOXES:
        return {"mp4", "mov"}
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML
        return {"mkv", "webm"}
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return {"avi"}
    return set()


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


def parse_checksum(value: str | None) -> Checksum | None:
    """Upload-Checksum: ``<algorithm> <base64 digest>``."""
    if value is None:
        return None
    pieces = value.strip().split(" ")
    if len(pieces) != 2:
        raise TusError(400, "Upload-Checksum must be '<algorithm> <base64 digest>'.")
    algorithm, encoded = pieces[0].lower(), pieces[1]
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise TusError(400, f"Unsupported checksum algorithm; use one of {', '.join(CHECKSUM_ALGORITHMS)}.")
    try:
        digest = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise TusError(400, "Upload-Checksum digest is not base64.") from None
    if len(digest) != hashlib.new(algorithm).digest_size:
        raise TusError(400, f"Upload-Checksum digest has the wrong length for {algorithm}.")
    return Checksum(algorithm=algorithm, digest=digest)


def http_date(moment: datetime) -> str:
    """RFC 9110 date, as Upload-Expires wants it."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)
