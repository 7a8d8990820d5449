"""Benchmark: duplicate detection of one new film against a whole edition (6,000 films x 60 frames).

Prints the time of the numpy comparison against a plain Python loop over the same data
(the loop is timed on a slice and scaled), and the end-to-end ``detect_duplicates`` call
including loading the edition's 360,000 hashes from a throw-away test database.

    .venv/bin/python bench/ai_duplicates.py [--films 6000] [--frames 60]

With DATABASE_URL pointing at PostgreSQL it measures PostgreSQL; otherwise SQLite.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=6000)
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from media.ai_usage.phash import as_uint64, match_against_group
    from media.ai_usage.services import detect_duplicates
    from media.models import Film, FrameHash

    rng = np.random.default_rng(7)
    films, frames = args.films, args.frames
    hashes = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(films, frames), dtype=np.int64)
    # Film 0 is a re-encode of film 1: every frame a few bits off.
    flips = np.int64(1) << rng.integers(0, 63, size=frames).astype(np.int64)
    hashes[0] = hashes[1] ^ flips
    owners = np.repeat(np.arange(films, dtype=np.int64), frames)
    new, others, others_owners = as_uint64(hashes[0]), hashes[1:].ravel().view(np.uint64), owners[frames:]

    start = time.perf_counter()
    matches = match_against_group(new, others, others_owners, max_distance=settings.LAUREL_DUPLICATE_MAX_DISTANCE)
    numpy_seconds = time.perf_counter() - start
    assert [m.film_id for m in matches if m.matched_frames == frames] == [1]

    sample = 20_000  # the Python loop on a slice, scaled to the whole group
    start = time.perf_counter()
    other_list = [int(v) for v in others[:sample]]
    for value in (int(v) for v in new):
        for other in other_list:
            _ = (value ^ other).bit_count() <= settings.LAUREL_DUPLICATE_MAX_DISTANCE
    loop_seconds = (time.perf_counter() - start) * others.size / sample

    print(f"group: {films} films x {frames} frames = {films * frames} hashes")
    print(f"numpy comparison of one new film: {numpy_seconds:.3f} s")
    print(
        f"python loop (scaled from {sample} hashes): {loop_seconds:.1f} s; "
        f"ratio loop/numpy = {loop_seconds / numpy_seconds:.0f}x"
    )

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        film_rows = Film.objects.bulk_create(
            Film(source_name=f"bench/{i}", size_bytes=1, group_key="edition:bench", rules={}) for i in range(films)
        )
        ids = np.array([f.pk for f in film_rows], dtype=np.int64)
        FrameHash.objects.bulk_create(
            (
                FrameHash(film_id=int(ids[i]), group_key="edition:bench", at_seconds=j, phash=int(hashes[i, j]))
                for i in range(films)
                for j in range(frames)
            ),
            batch_size=5000,
        )
        start = time.perf_counter()
        pairs = detect_duplicates(film_id=int(ids[0]))
        db_seconds = time.perf_counter() - start
        assert [(p.film_a_id, p.film_b_id) for p in pairs] == [(int(ids[0]), int(ids[1]))]
        print(
            f"detect_duplicates end to end on {connection.vendor} "
            f"(load {films * frames} hashes + compare): {db_seconds:.2f} s"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
