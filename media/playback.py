"""Serving a film's outputs to players, behind the caller's own permission checks.

Judging, submissions and the organizer pages mount ``serve_film_asset`` under a URL of
their own (after checking who may watch) and render ``templates/media/player.html`` with
``playback_for(film_id, base_url=<that mount>)``. Playlists and the thumbnails track use
relative URIs, so everything they reference resolves under the same mount and passes the
same check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, cast

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)

from media.assets import TEXT_SUFFIXES, content_type_of, is_safe_asset_name, storage_name
from media.models import FilmOutput, OutputKind, Shot

if TYPE_CHECKING:
    from storages.backends.s3 import S3Storage

CHUNK_SIZE = 256 * 1024
# ASCII digits only (``\d`` takes any Unicode digit) and at most 19 of them (a 64-bit size).
_RANGE = re.compile(r"bytes=([0-9]{0,19})-([0-9]{0,19})", re.ASCII)


@dataclass(frozen=True)
class Playback:
    """URLs (under the caller's mount) and facts a player needs."""

    hls_url: str
    mp4_url: str
    poster_url: str
    poster_webp_url: str
    storyboard_url: str  # WebVTT thumbnails track; "" when there is none
    duration_seconds: float
    width: int
    height: int


def playback_for(film_id: int, *, base_url: str) -> Playback | None:
    """What to play for a film, or None while it has nothing playable (processing or failed)."""
    if not base_url.endswith("/"):
        base_url += "/"
    outputs = {row.kind: row for row in FilmOutput.objects.filter(film_id=film_id).order_by("key")}
    master = outputs.get(OutputKind.HLS_MASTER)
    mp4 = outputs.get(OutputKind.MP4)
    if master is None or mp4 is None:
        return None
    poster = outputs.get(OutputKind.POSTER)
    storyboard = outputs.get(OutputKind.STORYBOARD)

    def pick(row: FilmOutput | None, suffix: str) -> str:
        names = [name for name in (row.files if row else []) if name.endswith(suffix)]
        # The 1280-wide poster suits an inline player; otherwise the first (largest) one.
        preferred = [name for name in names if name.rsplit("/", 1)[-1].startswith("1280.")]
        chosen = (preferred or names)[:1]
        return base_url + chosen[0] if chosen else ""

    return Playback(
        hls_url=base_url + master.files[0],
        mp4_url=base_url + mp4.files[0],
        poster_url=pick(poster, ".jpg"),
        poster_webp_url=pick(poster, ".webp"),
        storyboard_url=pick(storyboard, ".vtt"),
        duration_seconds=float(master.meta.get("duration", 0.0)),
        width=master.width or 0,
        height=master.height or 0,
    )


def _recorded_assets(film_id: int) -> set[str]:
    names: set[str] = set()
    for files in FilmOutput.objects.filter(film_id=film_id).values_list("files", flat=True):
        names.update(files)
    return names


def _is_recorded(film_id: int, asset: str) -> bool:
    """An output file of the film, or one of its shot thumbnails (the AI-usage shot list)."""
    if asset in _recorded_assets(film_id):
        return True
    return Shot.objects.filter(film_id=film_id, thumbnail=storage_name(film_id, asset)).exists()


def _is_object_storage() -> bool:
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages is a dependency
        return False
    return isinstance(default_storage, S3Storage)


def _iter_file(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(start, end inclusive) for one satisfiable range; None to serve it all; False if unsatisfiable."""
    match = _RANGE.fullmatch(header.strip()) if len(header) <= 64 else None
    if match is None:
        return None  # multiple ranges or another unit: the whole file is a valid answer
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0:
            return False
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return False
    return start, min(end, size - 1)


def serve_film_asset(request: HttpRequest, *, film_id: int, asset: str) -> HttpResponse:
    """Serve one recorded asset of a film; anything not recorded for it is a 404.

    Local storage streams the file with HTTP Range support (seeking needs 206); object
    storage redirects to a short-lived presigned URL, except playlists and the thumbnails
    track, which are small and must keep the caller's mount as their base URL.
    """
    if not is_safe_asset_name(asset) or not _is_recorded(film_id, asset):
        raise Http404("No such asset.")
    name = storage_name(film_id, asset)
    content_type = content_type_of(asset)
    if _is_object_storage() and not asset.endswith(TEXT_SUFFIXES):
        storage = cast("S3Storage", default_storage)
        url = storage.url(
            name,
            parameters={"ResponseContentType": content_type, "ResponseCacheControl": "private, max-age=300"},
            expire=settings.LAUREL_MEDIA_URL_EXPIRE,
        )
        redirect = HttpResponseRedirect(url)
        redirect["Cache-Control"] = "private, no-store"
        return redirect
    try:
        size = default_storage.size(name)
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("No such asset.") from exc

    byte_range = _parse_range(request.headers.get("Range", ""), size) if "Range" in request.headers else None
    if byte_range is False:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        refused["Cache-Control"] = "private"
        return refused
    if isinstance(byte_range, tuple):
        start, end = byte_range
        response = StreamingHttpResponse(_iter_file(handle, start, end - start + 1), status=206)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = StreamingHttpResponse(_iter_file(handle, 0, size))
        response["Content-Length"] = str(size)
    response["Content-Type"] = content_type
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    # A streaming response: callers' views are typed as returning HttpResponse, and Django
    # serves any HttpResponseBase, so the contract keeps that type (read streaming_content).
    return cast(HttpResponse, response)
