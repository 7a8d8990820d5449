"""Benchmark: the duplicate check of one processed film against editions of 1,000 / 10,000 /
100,000 entries (60 frame hashes each: 6 million at 100,000).

For each size it prints the median time of three runs (and the first run's), the queries
and the peak Python memory (tracemalloc, numpy included) of ``detect_duplicates`` (indexed
band look-ups, each hit compared exactly with the frame it was looked up for; on
PostgreSQL in one query that returns only the matching films), the same for reading and
comparing every stored hash of the edition (the check before the band index), and the
growth ratio 100,000 / 1,000 of both.

    DATABASE_URL=postgres://... .venv/bin/python bench/ai_duplicates.py [--sizes 1000,10000,100000]

It seeds a throw-away test database (PostgreSQL through INSERT ... unnest; SQLite through bulk inserts).
``--keep`` keeps it seeded for the next ``--keep`` run, which then measures straight away at
the sizes it does not have to shrink (seeding 100,000 entries takes minutes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")

FRAMES = 60
GROUP = "edition:bench"


def measured(call: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """(result, median seconds of three runs, the first run's seconds, peak MiB): timed on its
    own, then run again under tracemalloc for the memory (tracemalloc slows every allocation
    down, so it never runs while timing). The first run is printed too: it pays for a fresh
    connection's catalogue look-ups and for index pages not yet in PostgreSQL's buffers."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    tracemalloc.start()
    call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, times[0], peak / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the seeded test database")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from media.ai_usage.phash import BAND_BITS, BAND_SHIFTS, as_uint64, match_against_group
    from media.ai_usage.services import detect_duplicates
    from media.models import Film, FrameHash

    rng = np.random.default_rng(7)
    total = sizes[-1]
    hashes = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(total, FRAMES), dtype=np.int64)
    # Film 0 is a re-encode of film 1: every frame a few bits off.
    flips = np.int64(1) << rng.integers(0, 63, size=FRAMES).astype(np.int64)
    hashes[0] = hashes[1] ^ flips
    band_values = [(hashes >> shift) & ((1 << bits) - 1) for shift, bits in zip(BAND_SHIFTS, BAND_BITS, strict=True)]

    def read_everything(film_id: int) -> int:
        """The check before the band index: every hash of the edition read and compared."""
        query = FrameHash.objects.filter(group_key=GROUP).exclude(film_id=film_id).values_list("film_id", "phash")
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            data = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
        own = list(FrameHash.objects.filter(film_id=film_id).values_list("phash", flat=True))
        matches = match_against_group(
            as_uint64(own), data[:, 1].view(np.uint64), data[:, 0], max_distance=settings.LAUREL_DUPLICATE_MAX_DISTANCE
        )
        return len(matches)

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keep)
    ids = np.array(Film.objects.filter(group_key=GROUP).order_by("pk").values_list("pk", flat=True), np.int64)
    if ids.size not in (0, total):  # kept for another largest size: seeded again
        connection.creation.destroy_test_db(old_name, verbosity=0)
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        ids = ids[:0]
    results: dict[int, tuple[float, float, float, float]] = {}
    try:
        seeded = FrameHash.objects.filter(group_key=GROUP).count() // FRAMES
        if ids.size == 0:
            films = Film.objects.bulk_create(
                (Film(source_name=f"bench/{i}", size_bytes=1, group_key=GROUP, rules={}) for i in range(total)),
                batch_size=5000,
            )
            ids = np.array([film.pk for film in films], dtype=np.int64)
        # A kept database holds its largest edition: smaller ones cannot be measured in it.
        sizes = [size for size in sizes if size >= seeded]
        for size in sizes:
            start = time.perf_counter()
            table = FrameHash._meta.db_table
            for low in range(seeded, size, 20_000):
                chunk = slice(low, min(size, low + 20_000))
                columns = [
                    np.repeat(ids[chunk], FRAMES),
                    np.tile(np.arange(FRAMES, dtype=np.float64), chunk.stop - chunk.start),
                    hashes[chunk].ravel(),
                    *(band[chunk].ravel() for band in band_values),
                ]
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"INSERT INTO {table} (film_id, group_key, at_seconds, phash, band0, band1, band2) "  # noqa: S608
                            "SELECT f, %s, a, h, b0, b1, b2 FROM unnest(%s::int[], %s::float8[], %s::bigint[], "
                            "%s::int[], %s::int[], %s::int[]) AS t(f, a, h, b0, b1, b2)",
                            [GROUP, *(column.tolist() for column in columns)],
                        )
                else:
                    FrameHash.objects.bulk_create(
                        (
                            FrameHash(film_id=f, group_key=GROUP, at_seconds=a, phash=h, band0=b0, band1=b1, band2=b2)
                            for f, a, h, b0, b1, b2 in zip(*(column.tolist() for column in columns), strict=True)
                        ),
                        batch_size=5000,
                    )
            if connection.vendor == "postgresql":
                # What autovacuum does to a table after a bulk load (the visibility map lets
                # the covering band indexes answer without visiting the table).
                with connection.cursor() as cursor:
                    cursor.execute(f"VACUUM ANALYZE {table}")
            seeded = size
            print(f"seeded {size:,} entries ({size * FRAMES:,} frame hashes) in {time.perf_counter() - start:.1f} s")
            pairs, seconds, first, peak = measured(lambda: detect_duplicates(film_id=int(ids[0])))
            with CaptureQueriesContext(connection) as queries:
                detect_duplicates(film_id=int(ids[0]))
            assert [(p.film_a_id, p.film_b_id) for p in pairs] == [(int(ids[0]), int(ids[1]))], pairs
            found, old_seconds, _, old_peak = measured(lambda: read_everything(int(ids[0])))
            assert found >= 1
            results[size] = (seconds, peak, old_seconds, old_peak)
            print(
                f"{size:>7,} entries on {connection.vendor}: band index {seconds:.3f} s "
                f"(first run {first:.3f} s), {peak:.1f} MiB peak, "
                f"{len(queries)} queries | "
                f"reading every hash {old_seconds:.3f} s, {old_peak:.1f} MiB peak"
            )
    finally:
        if args.keep:
            connection.settings_dict["NAME"] = old_name
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    low, high = sizes[0], sizes[-1]
    if high != low:
        new_ratio = results[high][0] / results[low][0]
        old_ratio = results[high][2] / results[low][2]
        new_memory, old_memory = results[high][1] / results[low][1], results[high][3] / results[low][3]
        print(
            f"growth {high:,} / {low:,}: band index time x{new_ratio:.1f}, memory x{new_memory:.1f}"
            f" | reading every hash time x{old_ratio:.1f}, memory x{old_memory:.1f}"
        )
        print(f"at {high:,} entries the band index is {results[high][2] / results[high][0]:.0f}x faster")


if __name__ == "__main__":
    main()
