"""The band index of frame hashes: candidates found without reading the edition, and the same
answer as comparing every stored frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from media.ai_usage.phash import as_uint64, band_fields, band_keys, bands, is_duplicate, match_against_group
from media.ai_usage.services import detect_duplicates
from media.models import DuplicatePair, FrameHash
from tests.factories import FilmFactory

MAX_DISTANCE = 8


def _flip(value: int, positions: list[int]) -> int:
    unsigned = value % (1 << 64)
    for position in positions:
        unsigned ^= 1 << position
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def test_bands_cover_the_64_bits() -> None:
    assert bands(-1) == ((1 << 21) - 1, (1 << 21) - 1, (1 << 22) - 1)
    assert bands(0) == (0, 0, 0)
    assert bands(1 << 21) == (0, 1, 0)
    assert bands(-(1 << 63)) == (0, 0, 1 << 21)
    assert band_fields(1 << 42) == {"band0": 0, "band1": 0, "band2": 1}


def test_every_hash_within_the_distance_shares_a_band_key() -> None:
    rng = np.random.default_rng(13)
    for _ in range(2000):
        value = int(rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max))
        flips = int(rng.integers(0, MAX_DISTANCE + 1))
        # Worst cases too: every flipped bit crowded into as few bands as possible.
        pool = range(64) if rng.random() < 0.5 else range(int(rng.integers(0, 3)) * 21, 64)
        near = _flip(value, [int(p) for p in rng.choice(list(pool), size=flips, replace=False)])
        keys = band_keys([value], max_distance=MAX_DISTANCE)
        assert any(band in set(keys[i].tolist()) for i, band in enumerate(bands(near)))
    # 1 + 21 + 210 values for each 21-bit band, 1 + 22 + 231 for the 22-bit one.
    assert [len(k) for k in band_keys([12345], max_distance=MAX_DISTANCE)] == [232, 232, 254]
    assert band_keys([5], max_distance=2)[0].tolist() == [5]  # radius 0: the band itself


@pytest.mark.django_db
def test_detect_duplicates_reads_only_candidates_and_agrees_with_comparing_everything(
    settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.LAUREL_DUPLICATE_MAX_DISTANCE = MAX_DISTANCE
    rng = np.random.default_rng(5)
    films = FilmFactory.create_batch(40, group_key="edition:7")
    hashes = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(40, 20), dtype=np.int64)
    # Film 1 is a re-encode of film 0 (every frame 8 bits off, bits crowded in one band);
    # film 2 shares 4 of its 20 frames with film 0 (an excerpt, under the 50 % ratio).
    hashes[1] = [_flip(int(h), [int(p) for p in rng.choice(range(42, 64), 8, replace=False)]) for h in hashes[0]]
    hashes[2, :4] = hashes[0, :4]
    FrameHash.objects.bulk_create(
        FrameHash(film=film, group_key="edition:7", at_seconds=j, phash=int(h), **band_fields(int(h)))
        for film, row in zip(films, hashes, strict=True)
        for j, h in enumerate(row)
    )
    # Constant in the edition's size: the film, its hashes, the old pairs, the band look-ups
    # (4 IN lists on SQLite, 1 query on PostgreSQL), the frame counts, the insert, and the
    # audit row with its hash chain (~9 queries).
    with django_assert_max_num_queries(20):
        pairs = detect_duplicates(film_id=films[0].pk)
    assert [(p.film_a_id, p.film_b_id, p.matched_frames, p.compared_frames) for p in pairs] == [
        (films[0].pk, films[1].pk, 20, 20)
    ]
    # Comparing every stored frame gives the same matches.
    owners = np.repeat(np.array([f.pk for f in films[1:]]), 20)
    everything = match_against_group(
        as_uint64(hashes[0]), hashes[1:].ravel().view(np.uint64), owners, max_distance=MAX_DISTANCE
    )
    assert sorted((m.film_id, m.matched_frames, m.other_frames, m.other_matched) for m in everything) == [
        (films[1].pk, 20, 20, 20),
        (films[2].pk, 4, 20, 4),
    ]
    assert [m.film_id for m in everything if is_duplicate(m, new_frames=20, min_frames=3, min_ratio=0.5)] == [
        films[1].pk
    ]
    assert DuplicatePair.objects.count() == 1
