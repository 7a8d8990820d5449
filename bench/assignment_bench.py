"""Assignment at the AI Film Festival's third-year size: 6,000 entries x 60 judges, k = 3.

Run: ``.venv/bin/python bench/assignment_bench.py [entries] [judges]``. Prints the time to
plan in memory and to write the rows (SQLite in a temporary database unless DATABASE_URL
says otherwise), and the plan's properties. Not a timed test.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")

import django

django.setup()

from judging.services.assignment import EntryInput, JudgeInput, plan_assignments  # noqa: E402


def main() -> None:
    n_entries = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    n_judges = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    k = 3
    rng = random.Random(0)
    entries = [EntryInput(submission_id=i, category_id=i % 4) for i in range(1, n_entries + 1)]
    judges = [
        JudgeInput(judge_id=j, preferred=frozenset({j % 4}) if j % 3 == 0 else frozenset())
        for j in range(1, n_judges + 1)
    ]
    conflicts = {sid: {rng.randint(1, n_judges)} for sid in rng.sample(range(1, n_entries + 1), n_entries // 20)}
    cap = (n_entries * k) // n_judges + 10
    started = time.perf_counter()
    plan = plan_assignments(entries, judges, k=k, cap=cap, conflicts=conflicts, seed=1)
    planned = time.perf_counter() - started
    again = plan_assignments(entries, judges, k=k, cap=cap, conflicts=conflicts, seed=1)
    loads = Counter(j for _, j in plan.pairs)
    print(f"entries={n_entries} judges={n_judges} k={k} cap={cap}")
    print(f"plan: {planned:.2f} s for {len(plan.pairs)} assignments ({len(plan.pairs) / planned:,.0f}/s)")
    print(f"short entries: {len(plan.short)}; load min/max: {min(loads.values())}/{max(loads.values())}")
    print(f"deterministic: {plan.pairs == again.pairs}")
    bad = sum(1 for s, j in plan.pairs if j in conflicts.get(s, set()))
    print(f"conflicted pairs: {bad}")


if __name__ == "__main__":
    main()
