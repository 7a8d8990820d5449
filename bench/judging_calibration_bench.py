"""Calibration benchmark: quality per method on the AI Film Festival's size, and speed at 100,000 scores.

    .venv/bin/python bench/judging_calibration_bench.py

Runs ``manage.py simulate_judging --entries 6000 --judges 60 --k 2,3 --seeds 3 --worlds textbook``
(in memory, no database; the full table over every world and 100,000 entries is
``simulate_judging --sizes 6000x60,100000x600``), then times the calibration (raw mean,
z-scores, the judge model with its judge x category term, rankings and disagreement flags) of
100,000 simulated scores, best of three runs. Target: under 1 s.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")


def main() -> None:
    import django
    import numpy as np

    django.setup()
    from django.core.management import call_command

    from judging.results.calibration import calibrate
    from judging.results.calibration.simulation import simulate_edition

    call_command("simulate_judging", entries=6000, judges=60, k="2,3", seeds=3, worlds="textbook")

    edition = simulate_edition(n_entries=33_334, n_judges=300, k=3, seed=7)
    table = edition.table.with_groups(np.random.default_rng(7).integers(0, 4, edition.table.n_entries))
    timings, cpu = [], []
    for _ in range(3):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = calibrate(table, bounds=(1.0, 10.0), resolution=1.0)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    best = min(timings)
    print(
        f"calibrating {len(table)} scores ({table.n_entries} entries, {table.n_judges} judges): "
        f"best {best * 1000:.0f} ms of 3 (target < 1000 ms; ratio to target {best:.2f}), "
        f"best CPU {min(cpu) * 1000:.0f} ms; "
        f"model iterations {result.model.iterations}, converged {result.model.converged}, "
        f"judge x category sd {result.model.category_sd:.3f}"
    )


if __name__ == "__main__":
    main()
