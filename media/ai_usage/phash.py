"""Perceptual hashes of sampled frames and their bulk comparison within a group.

A film's frames are compared with every stored frame of its group at once with numpy
(XOR + popcount over uint64 arrays), one row of the new film at a time so memory stays
O(frames in the group): 6,000 films x 60 frames is 360,000 integers, compared in well under
a second per new film.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import imagehash
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageStat

# Frames with almost no detail (black, a flat colour, a fade) hash alike in every film.
MIN_DETAIL_STDDEV = 8.0
_SIGN = 1 << 63
_WRAP = 1 << 64


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as the signed value a BIGINT column holds."""
    return value - _WRAP if value >= _SIGN else value


def frame_hash(path: Path) -> int | None:
    """The 64-bit DCT perceptual hash of a sampled frame (signed), or None for a frame without detail."""
    with Image.open(path, formats=["JPEG", "PNG", "WEBP"]) as image:
        gray = image.convert("L")
        gray.thumbnail((64, 64))
        if ImageStat.Stat(gray).stddev[0] < MIN_DETAIL_STDDEV:
            return None
        bits = imagehash.phash(image).hash.flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return to_signed(value)


def as_uint64(values: list[int] | NDArray[np.int64]) -> NDArray[np.uint64]:
    return np.asarray(values, dtype=np.int64).view(np.uint64)


@dataclass(frozen=True)
class GroupMatch:
    film_id: int
    matched_frames: int  # frames of the new film with a near match among the other film's frames
    other_frames: int
    other_matched: int = 0  # frames of the other film with a near match among the new film's frames


def match_against_group(
    new: NDArray[np.uint64],
    others: NDArray[np.uint64],
    owners: NDArray[np.int64],
    *,
    max_distance: int,
) -> list[GroupMatch]:
    """For each other film, how many of ``new``'s frames are within ``max_distance`` bits of one of its frames.

    ``others`` and ``owners`` are parallel arrays (a hash and its film id), any order.
    """
    if new.size == 0 or others.size == 0:
        return []
    order = np.argsort(owners, kind="stable")
    others, owners = others[order], owners[order]
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    film_ids = owners[starts]
    frame_counts = np.diff(np.r_[starts, owners.size])
    matched = np.zeros(film_ids.size, dtype=np.int64)
    other_hit = np.zeros(others.size, dtype=bool)
    for value in new:
        close = np.bitwise_count(others ^ value) <= max_distance
        matched += np.logical_or.reduceat(close, starts)
        other_hit |= close
    other_matched = np.add.reduceat(other_hit.astype(np.int64), starts)
    return [
        GroupMatch(film_id=int(film_id), matched_frames=int(count), other_frames=int(frames), other_matched=int(hit))
        for film_id, count, frames, hit in zip(film_ids, matched, frame_counts, other_matched, strict=True)
        if count > 0
    ]


def is_duplicate(match: GroupMatch, *, new_frames: int, min_frames: int, min_ratio: float) -> bool:
    """Most of either film's frames appear in the other: a duplicate, a re-encode, or an excerpt.

    Judged from both sides, so the answer is the same whichever of the two films is
    processed (or re-processed) last.
    """

    def enough(hits: int, frames: int) -> bool:
        return hits >= max(min_frames, int(np.ceil(min_ratio * frames)))

    return enough(match.matched_frames, new_frames) or enough(match.other_matched, match.other_frames)
