"""Assignment at the AI Film Festival's third-year size: 6,000 entries x 60 judges, k = 3.

Run: ``.venv/bin/python bench/assignment_bench.py [entries] [judges]``. Prints the time to
plan in memory, then the whole ``assign_round`` service (load inputs and conflicts from the
database, plan, bulk_create) against a throw-away test database (SQLite in memory unless
DATABASE_URL points elsewhere), and the properties of the result. Not a timed test.
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

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from judging.services.assignment import EntryInput, JudgeInput, plan_assignments  # noqa: E402


def bench_plan(n_entries: int, n_judges: int, k: int) -> None:
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
    bad = sum(1 for s, j in plan.pairs if j in conflicts.get(s, set()))
    print(f"in memory: entries={n_entries} judges={n_judges} k={k} cap={cap} conflicts={len(conflicts)}")
    print(f"  plan: {planned:.2f} s for {len(plan.pairs)} assignments ({len(plan.pairs) / planned:,.0f}/s)")
    print(f"  short entries: {len(plan.short)}; load min/max: {min(loads.values())}/{max(loads.values())}")
    print(f"  deterministic: {plan.pairs == again.pairs}; conflicted pairs: {bad}")


def bench_service(n_entries: int, n_judges: int, k: int) -> None:
    from festival.models import Category, JudgeMembership, User
    from judging.models import Assignment, RoundEntry
    from judging.services.assignment import assign_round
    from judging.services.rounds import create_default_rounds
    from submissions.models import Credit, Submission, SubmissionState
    from submissions.names import normalize_name
    from tests.factories import EditionFactory

    edition = EditionFactory.create()
    categories = Category.objects.bulk_create(
        Category(edition=edition, name=f"C{i}", slug=f"c{i}", position=i) for i in range(4)
    )
    users = User.objects.bulk_create(
        User(email=f"judge{j}@bench.test", full_name=f"Judge Number {j}") for j in range(n_judges)
    )
    JudgeMembership.objects.bulk_create(JudgeMembership(edition=edition, user=u) for u in users)
    entrant = User.objects.create_user(email="entrant@bench.test")
    now = timezone.now()
    submissions = Submission.objects.bulk_create(
        (
            Submission(
                edition=edition,
                entrant=entrant,
                category=categories[i % 4],
                title=f"Film {i}",
                state=SubmissionState.SUBMITTED,
                submitted_at=now,
            )
            for i in range(n_entries)
        ),
        batch_size=2000,
    )
    # Every 50th film credits a judge: the service must find those conflicts itself.
    names = [f"Judge Number {i % n_judges}" if i % 50 == 0 else f"Crew {i}" for i in range(len(submissions))]
    Credit.objects.bulk_create(
        (
            Credit(submission=s, name=name, normalized_name=normalize_name(name), role="director")
            for name, s in zip(names, submissions, strict=True)
        ),
        batch_size=2000,
    )
    round_ = create_default_rounds(edition=edition, actor=None)[0]
    round_.judges_per_entry = k
    round_.save()
    RoundEntry.objects.bulk_create((RoundEntry(round=round_, submission=s) for s in submissions), batch_size=2000)
    started = time.perf_counter()
    result = assign_round(round_=round_, actor=None, seed=1)
    elapsed = time.perf_counter() - started
    per_entry = Counter(Assignment.objects.filter(round=round_).values_list("submission_id", flat=True))
    print(f"assign_round on {connection.vendor}: {elapsed:.2f} s for {result.created} assignments")
    print(f"  entries with {k} judges: {sum(1 for n in per_entry.values() if n == k)} of {n_entries}")


def main() -> None:
    n_entries = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    n_judges = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    k = 3
    bench_plan(n_entries, n_judges, k)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        bench_service(n_entries, n_judges, k)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
