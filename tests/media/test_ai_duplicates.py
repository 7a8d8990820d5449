"""The band index of frame hashes: candidates found without reading the edition, and the same
answer as comparing every stored frame."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from numpy.typing import NDArray

from media.ai_usage.phash import (
    as_uint64,
    band_fields,
    band_flip_masks,
    band_keys,
    bands,
    is_duplicate,
    match_against_group,
)
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


def test_the_flip_masks_are_every_flip_within_the_radius() -> None:
    assert band_flip_masks(21, 0).tolist() == [0]
    assert band_flip_masks(3, 2).tolist() == [0, 1, 2, 4, 3, 5, 6]
    assert len(set(band_flip_masks(22, 2).tolist())) == 1 + 22 + 231


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


def _store(films: list[Any], hashes: Sequence[NDArray[np.int64]] | NDArray[np.int64], *, group_key: str) -> None:
    FrameHash.objects.bulk_create(
        FrameHash(film=film, group_key=group_key, at_seconds=j, phash=int(h), **band_fields(int(h)))
        for film, row in zip(films, hashes, strict=True)
        for j, h in enumerate(row)
    )


def _spread_flips(rng: np.random.Generator, value: int, per_band: tuple[int, int, int]) -> int:
    """``value`` with ``per_band[i]`` bits flipped in band ``i`` (bits 0-20, 21-41, 42-63)."""
    positions: list[int] = []
    for (start, stop), flips in zip(((0, 21), (21, 42), (42, 64)), per_band, strict=True):
        positions += [int(p) for p in rng.choice(range(start, stop), flips, replace=False)]
    return _flip(value, positions)


def _pairs() -> list[tuple[int, int, int, int]]:
    return list(
        DuplicatePair.objects.order_by("film_a", "film_b").values_list(
            "film_a_id", "film_b_id", "matched_frames", "compared_frames"
        )
    )


@pytest.mark.django_db
def test_a_reencoded_copy_with_its_bits_spread_over_every_band_is_found(settings: Any) -> None:
    settings.LAUREL_DUPLICATE_MAX_DISTANCE = MAX_DISTANCE
    rng = np.random.default_rng(21)
    films = FilmFactory.create_batch(12, group_key="edition:7")
    hashes = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(12, 30), dtype=np.int64)
    # The worst re-encode the bands allow: 8 bits off, only one band within 2 bits (which one
    # changes from frame to frame), so every frame is found through a single band.
    patterns = [(3, 3, 2), (3, 2, 3), (2, 3, 3)]
    hashes[1] = [_spread_flips(rng, int(h), patterns[j % 3]) for j, h in enumerate(hashes[0])]
    _store(films, hashes, group_key="edition:7")

    pairs = detect_duplicates(film_id=films[1].pk)

    assert [(p.film_a_id, p.film_b_id, p.matched_frames, p.compared_frames) for p in pairs] == [
        (films[0].pk, films[1].pk, 30, 30)
    ]
    assert _pairs() == [(films[0].pk, films[1].pk, 30, 30)]


@pytest.mark.django_db
def test_a_different_film_or_one_just_past_the_distance_is_not_flagged(settings: Any) -> None:
    settings.LAUREL_DUPLICATE_MAX_DISTANCE = MAX_DISTANCE
    rng = np.random.default_rng(22)
    films = FilmFactory.create_batch(10, group_key="edition:7")
    hashes = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(10, 30), dtype=np.int64)
    # Film 1: every frame 9 bits off film 0's (one past the distance); film 2: 2 frames exact
    # (under the 3 frames a duplicate needs); the rest are other films.
    hashes[1] = [_spread_flips(rng, int(h), (3, 3, 3)) for h in hashes[0]]
    hashes[2, :2] = hashes[0, :2]
    _store(films, hashes, group_key="edition:7")

    assert detect_duplicates(film_id=films[0].pk) == []
    assert detect_duplicates(film_id=films[1].pk) == []
    assert DuplicatePair.objects.count() == 0


@pytest.mark.django_db
def test_a_copy_in_another_edition_is_never_compared(settings: Any) -> None:
    settings.LAUREL_DUPLICATE_MAX_DISTANCE = MAX_DISTANCE
    rng = np.random.default_rng(23)
    here = FilmFactory.create_batch(3, group_key="edition:7")
    elsewhere = FilmFactory.create_batch(2, group_key="edition:8")
    hashes = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(3, 20), dtype=np.int64)
    _store(here, hashes, group_key="edition:7")
    # The same frames in another edition (another festival's, or this festival's next year).
    _store(elsewhere, np.stack([hashes[0], hashes[0]]), group_key="edition:8")

    assert detect_duplicates(film_id=here[0].pk) == []
    # Within the other edition its own copy is found, and nothing of edition 7.
    assert [(p.film_a_id, p.film_b_id) for p in detect_duplicates(film_id=elsewhere[1].pk)] == [
        (elsewhere[0].pk, elsewhere[1].pk)
    ]
    assert [(a, b) for a, b, *_ in _pairs()] == [(elsewhere[0].pk, elsewhere[1].pk)]


@pytest.mark.django_db
def test_a_reprocessed_film_never_matches_itself_and_keeps_its_one_pair(settings: Any) -> None:
    settings.LAUREL_DUPLICATE_MAX_DISTANCE = MAX_DISTANCE
    rng = np.random.default_rng(24)
    films = FilmFactory.create_batch(4, group_key="edition:7")
    hashes = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(4, 20), dtype=np.int64)
    hashes[2] = hashes[0]
    _store(films, hashes, group_key="edition:7")

    # Every one of its frames is at distance 0 from itself: none of them may count.
    assert detect_duplicates(film_id=films[1].pk) == []
    first = detect_duplicates(film_id=films[0].pk)
    again = detect_duplicates(film_id=films[0].pk)

    expected = [(films[0].pk, films[2].pk, 20, 20)]
    assert [(p.film_a_id, p.film_b_id, p.matched_frames, p.compared_frames) for p in first] == expected
    assert [(p.film_a_id, p.film_b_id, p.matched_frames, p.compared_frames) for p in again] == expected
    assert _pairs() == expected


@pytest.mark.django_db
def test_every_film_gets_the_same_pairs_as_comparing_every_stored_frame(settings: Any) -> None:
    settings.LAUREL_DUPLICATE_MAX_DISTANCE = MAX_DISTANCE
    rng = np.random.default_rng(25)
    films = FilmFactory.create_batch(16, group_key="edition:7")
    counts = [24, 24, 24, 8, 24, 24, 6, 24, 24, 24, 24, 24, 24, 24, 24, 24]
    hashes = [rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=n, dtype=np.int64) for n in counts]
    near = [(a, b, c) for a in range(4) for b in range(4) for c in range(4) if a + b + c <= MAX_DISTANCE]
    # 1 is a re-encode of 0 at every spread of up to 8 bits; 3 an 8-frame excerpt of 0 (so
    # it matches from its own side only); 4 shares 12 of 0's 24 frames (exactly the ratio),
    # 5 shares 11 (one under it); 6 is six copies of one frame of 7 (6 of its frames match
    # one of 7's: from 6's side, not from 7's).
    hashes[1] = np.array([_spread_flips(rng, int(h), near[j % len(near)]) for j, h in enumerate(hashes[0])])
    hashes[3] = np.array([_spread_flips(rng, int(h), (1, 1, 1)) for h in hashes[0][5:13]])
    hashes[4][:12] = hashes[0][:12]
    hashes[5][:11] = hashes[0][12:23]
    hashes[6][:] = hashes[7][3]
    _store(films, hashes, group_key="edition:7")
    ids = [film.pk for film in films]

    def everything(index: int) -> set[tuple[int, int, int, int]]:
        """The pairs of film ``index`` from comparing its frames with every other stored frame."""
        others = [j for j in range(len(films)) if j != index]
        owners = np.concatenate([np.full(counts[j], ids[j]) for j in others])
        matches = match_against_group(
            as_uint64(hashes[index]),
            as_uint64(np.concatenate([hashes[j] for j in others])),
            owners,
            max_distance=MAX_DISTANCE,
        )
        return {
            (min(ids[index], m.film_id), max(ids[index], m.film_id), m.matched_frames, counts[index])
            for m in matches
            if is_duplicate(m, new_frames=counts[index], min_frames=3, min_ratio=0.5)
        }

    linked: set[tuple[int, int]] = set()
    for index in range(len(films)):
        pairs = detect_duplicates(film_id=ids[index])
        assert {(p.film_a_id, p.film_b_id, p.matched_frames, p.compared_frames) for p in pairs} == everything(index)
        linked |= {(p.film_a_id, p.film_b_id) for p in pairs}
    assert {(ids[0], ids[1]), (ids[0], ids[3]), (ids[0], ids[4]), (ids[6], ids[7])} <= linked
    assert (ids[0], ids[5]) not in linked


@pytest.mark.django_db
def test_one_check_makes_the_same_queries_in_a_small_and_a_ten_times_larger_edition(settings: Any) -> None:
    settings.LAUREL_DUPLICATE_MAX_DISTANCE = MAX_DISTANCE
    rng = np.random.default_rng(26)

    def queries_of_one_check(size: int, group_key: str) -> int:
        films = FilmFactory.create_batch(size, group_key=group_key)
        hashes = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(size, 40), dtype=np.int64)
        hashes[1] = [_flip(int(h), [3, 30, 50]) for h in hashes[0]]
        _store(films, hashes, group_key=group_key)
        detect_duplicates(film_id=films[0].pk)  # the audit chain's first row is made once, not measured
        with CaptureQueriesContext(connection) as queries:
            pairs = detect_duplicates(film_id=films[0].pk)
        assert [(p.film_a_id, p.film_b_id, p.matched_frames) for p in pairs] == [(films[0].pk, films[1].pk, 40)]
        return len(queries)

    small, large = queries_of_one_check(6, "edition:7"), queries_of_one_check(60, "edition:8")
    assert small == large, (small, large)
    # Savepoints, the film, its hashes, the old pairs' delete, the look-ups (one query on
    # PostgreSQL; on SQLite 7 IN lists of at most 5,000 band values and the frame counts),
    # the insert and the audit row with its hash chain.
    assert small == (13 if connection.vendor == "postgresql" else 20)
