"""Where a film's outputs live in storage and what they are served as."""

from __future__ import annotations

import posixpath

FILMS_PREFIX = "films"

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".vtt": "text/vtt; charset=utf-8",
}
# Small text files whose relative URIs must resolve under the caller's mount: always served
# by us, never redirected to object storage (players resolve against the final URL).
TEXT_SUFFIXES = (".m3u8", ".vtt")


def film_prefix(film_id: int) -> str:
    return f"{FILMS_PREFIX}/{film_id}"


def storage_name(film_id: int, asset: str) -> str:
    """Storage name of a film's asset; ``asset`` must be a recorded, normalised relative name."""
    return f"{film_prefix(film_id)}/{asset}"


def is_safe_asset_name(asset: str) -> bool:
    """A relative name without traversal or odd characters (names come from our own writer)."""
    if not asset or asset.startswith("/") or "\\" in asset or posixpath.normpath(asset) != asset:
        return False
    return all(part not in ("", ".", "..") for part in asset.split("/")) and asset.isascii()


def content_type_of(asset: str) -> str:
    return CONTENT_TYPES.get(posixpath.splitext(asset)[1], "application/octet-stream")
