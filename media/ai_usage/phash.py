"""Perceptual hashes of sampled frames, the band index that finds near ones, their comparison.

Multi-index hashing: each 64-bit hash is stored with its three bands (bits 0-20, 21-41,
42-63). Two hashes within ``d`` bits of each other differ in at most ``d // 3`` bits in at
least one band (pigeonhole), so a film's candidates are the stored frames whose band equals
one of the few values within ``d // 3`` bits of a band of the film's own frames: indexed
look-ups that never read the rest of the edition (at ``d`` = 8, 232-254 values per band and
frame; a random hash passes with probability ~3e-4 per frame looked up). Each candidate is
then compared exactly (XOR + popcount) with the frame it was looked up for, so the answer is
the same as comparing everything: by PostgreSQL beside the index (which XORs the film's bands
with :func:`band_flip_masks` itself), or by numpy over the candidates (:func:`band_keys`,
:func:`match_against_group`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import combinations
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


BAND_SHIFTS = (0, 21, 42)
BAND_BITS = (21, 21, 22)


def bands(value: int) -> tuple[int, int, int]:
    """The three band values of a (signed) 64-bit hash, as stored beside it."""
    low, middle, high = (
        (value >> shift) & ((1 << bits) - 1) for shift, bits in zip(BAND_SHIFTS, BAND_BITS, strict=True)
    )
    return low, middle, high


def band_fields(value: int) -> dict[str, int]:
    """``band0``-``band2`` of a FrameHash row for this hash."""
    return {f"band{index}": band for index, band in enumerate(bands(value))}


@cache
def band_flip_masks(bits: int, radius: int) -> NDArray[np.int64]:
    """XOR masks of every flip of at most ``radius`` of ``bits`` bits (0 included)."""
    masks = [0]
    for flips in range(1, radius + 1):
        masks += [sum(1 << position for position in positions) for positions in combinations(range(bits), flips)]
    return np.array(masks, dtype=np.int64)


def band_keys(
    values: list[int], *, max_distance: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Per band, the sorted distinct values a stored hash within ``max_distance`` bits of one of ``values`` may have."""
    radius = max_distance // len(BAND_BITS)
    own = np.array([bands(value) for value in values], dtype=np.int64).reshape(-1, len(BAND_BITS))
    low, middle, high = (
        np.unique((own[:, index, None] ^ band_flip_masks(bits, radius)[None, :]).ravel())
        for index, bits in enumerate(BAND_BITS)
    )
    return low, middle, high


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
