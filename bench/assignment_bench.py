"""Assignment at the AI Film Festival's third-year size: 6,000 entries x 60 judges, k = 3.

Run: ``.venv/bin/python bench/assignment_bench.py [entries] [judges] [--plan-only] [--job]``.
Prints the time to plan in memory (and its ratio to the 5 s target), then the whole
``assign_round`` service (load inputs and conflicts from the database, plan, bulk_create)
against a throw-away test database (SQLite in memory unless DATABASE_URL points elsewhere),
the time of each of its phases, and the properties of the result. ``100000 600 --plan-only``
is the issue's planner target. ``--job`` runs it as the worker does instead: an open round
(its judges are told), requested and carried out by ``carry_out_assignment_run``; ``100000
600 --job`` on PostgreSQL is the "assignment as a job" target (under 30 s). Not a timed test.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from judging.assignment.services import EntryInput, JudgeInput, plan_assignments  # noqa: E402


def bench_plan(n_entries: int, n_judges: int, k: int) -> None:
    rng = random.Random(0)
    entries = [EntryInput(submission_id=i, category_id=i % 4) for i in range(1, n_entries + 1)]
    judges = [
        JudgeInput(judge_id=j, preferred=frozenset({j % 4}) if j % 3 == 0 else frozenset())
        for j in range(1, n_judges + 1)
    ]
    conflicts = {sid: {rng.randint(1, n_judges)} for sid in rng.sample(range(1, n_entries + 1), n_entries // 20)}
    cap = (n_entries * k) // n_judges + 10
    started, cpu_started = time.perf_counter(), time.process_time()
    plan = plan_assignments(entries, judges, k=k, cap=cap, conflicts=conflicts, seed=1)
    planned, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    again = plan_assignments(entries, judges, k=k, cap=cap, conflicts=conflicts, seed=1)
    loads = Counter(j for _, j in plan.pairs)
    bad = sum(1 for s, j in plan.pairs if j in conflicts.get(s, set()))
    print(f"in memory: entries={n_entries} judges={n_judges} k={k} cap={cap} conflicts={len(conflicts)}")
    print(
        f"  plan: {planned:.2f} s for {len(plan.pairs)} assignments ({len(plan.pairs) / planned:,.0f}/s); "
        f"ratio to the 5 s target {planned / 5:.2f}; CPU {cpu:.2f} s (ratio {cpu / 5:.2f}; wall time on a shared "
        "machine includes waiting for a core)"
    )
    print(f"  short entries: {len(plan.short)}; load min/max: {min(loads.values())}/{max(loads.values())}")
    print(f"  deterministic: {plan.pairs == again.pairs}; conflicted pairs: {bad}")


class Phases:
    """Wall time spent in each named step of ``assign_round`` (the module's functions wrapped)."""

    STEPS = (
        ("judging.assignment.services", "competing_entries"),
        ("judging.assignment.selectors", "round_judges"),
        ("judging.assignment.services", "_entry_inputs"),
        ("judging.assignment.services", "conflicts_among"),
        ("judging.assignment.services", "by_entry"),
        ("judging.assignment.services", "_judge_inputs"),
        ("judging.assignment.services", "plan_assignments"),
        ("judging.assignment.services", "write_plan"),
        ("judging.notices", "assignments_ready"),
        ("judging.assignment.services", "record_audit"),
        ("judging.assignment.runs", "enqueue_assignment_notices"),
    )

    def __init__(self) -> None:
        import importlib

        self.spent: dict[str, float] = {}
        for module_name, name in self.STEPS:
            module = importlib.import_module(module_name)
            setattr(module, name, self._timed(name, getattr(module, name)))

    def _timed(self, name: str, fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - started

        return timed

    def report(self, total: float) -> None:
        for name, seconds in self.spent.items():
            print(f"  {name:20} {seconds:6.2f} s")
        print(f"  {'(the rest)':20} {total - sum(self.spent.values()):6.2f} s")


def bench_service(n_entries: int, n_judges: int, k: int, *, job: bool) -> None:
    from festival.models import Category, JudgeMembership, User
    from judging.assignment import runs as assignment_runs
    from judging.assignment.runs import carry_out_assignment_run, request_assignment_run
    from judging.assignment.services import assign_round
    from judging.models import Assignment, RoundEntry, RunState
    from judging.rounds.services import create_default_rounds, open_round
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
    assignment_runs.enqueue_assignment_run = lambda *, run_id: None  # the bench is the worker
    if job:
        open_round(round_=round_, actor=None, at=now - timedelta(days=1))
    phases = Phases()
    requested = request_assignment_run(round_=round_, seed=1, actor=None) if job else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if requested is not None:
        run = carry_out_assignment_run(run_id=requested.pk)
        assert run is not None and run.state == RunState.DONE, run
        created, what = run.created, "carry_out_assignment_run"
    else:
        created, what = assign_round(round_=round_, actor=None, seed=1).created, "assign_round"
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    per_entry = Counter(Assignment.objects.filter(round=round_).values_list("submission_id", flat=True))
    print(
        f"{what} on {connection.vendor}: {elapsed:.2f} s for {created} assignments (ratio to the 30 s target "
        f"{elapsed / 30:.2f}); this process's CPU {cpu:.2f} s (the database's is not in it)"
    )
    phases.report(elapsed)
    print(f"  entries with {k} judges: {sum(1 for n in per_entry.values() if n == k)} of {n_entries}")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n_entries = int(args[0]) if args else 6000
    n_judges = int(args[1]) if len(args) > 1 else 60
    k = 3
    bench_plan(n_entries, n_judges, k)
    if "--plan-only" in sys.argv:
        return
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        bench_service(n_entries, n_judges, k, job="--job" in sys.argv)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
