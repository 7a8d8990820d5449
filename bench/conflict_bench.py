"""Conflicts at read time as the edition grows: a declaration, a judge's queue and autosave read.

Run: ``.venv/bin/python bench/conflict_bench.py [entries ...]`` (default 1000 10000). For each
size it seeds an edition through the project's models (bulk: entries with two credits each,
every 50th naming a judge; one judge per 167 entries, at least 10; k = 3 assignments per
entry), then prints the time and query count of: a judge declaring a conflict (the profile
POST's service), that judge's queue (``judge_queue``), the scoring page / autosave read
(``judge_assignment``), and the round's conflicts (``round_conflicts``, what results and the
round page read) — and the growth ratio largest / smallest size. Against a throw-away test
database (SQLite in memory unless DATABASE_URL points elsewhere). Not a timed test.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

K = 3


def measure(action: Callable[[], Any], *, repeat: int = 5) -> tuple[float, int]:
    """The median time of ``repeat`` calls after a warm-up one (imports, URL resolvers), and its queries."""
    if repeat > 1:
        action()
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
    return statistics.median(times), len(captured)


def seed(n_entries: int) -> tuple[Any, Any, int]:
    """An edition of ``n_entries`` submitted entries with a round fully assigned (k = 3)."""
    from festival.models import JudgeMembership, User
    from judging.models import Assignment, RoundEntry
    from judging.rounds.services import create_default_rounds
    from submissions.models import Credit, Submission, SubmissionState
    from submissions.names import normalize_name
    from tests.factories import EditionFactory

    n_judges = max(10, n_entries // 167)
    edition = EditionFactory.create()
    users = User.objects.bulk_create(
        User(email=f"judge{j}-{edition.pk}@bench.test", full_name=f"Judge Number {j} {edition.pk}")
        for j in range(n_judges)
    )
    judges = JudgeMembership.objects.bulk_create(JudgeMembership(edition=edition, user=u) for u in users)
    entrant = User.objects.create_user(email=f"entrant-{edition.pk}@bench.test")
    now = timezone.now()
    submissions = Submission.objects.bulk_create(
        (
            Submission(
                edition=edition, entrant=entrant, title=f"Film {i}", state=SubmissionState.SUBMITTED, submitted_at=now
            )
            for i in range(n_entries)
        ),
        batch_size=2000,
    )
    credits = []
    for i, submission in enumerate(submissions):
        # Names one of the other judges (the benched judge, index 1, starts conflict-free).
        crew = f"Judge Number {2 + (i // 50) % (n_judges - 2)} {edition.pk}" if i % 50 == 0 else f"Crew {i}"
        for name in (f"Director {i}", crew):
            credits.append(
                Credit(submission=submission, name=name, normalized_name=normalize_name(name), role="director")
            )
    Credit.objects.bulk_create(credits, batch_size=2000)
    round_ = create_default_rounds(edition=edition, actor=None)[0]
    RoundEntry.objects.bulk_create((RoundEntry(round=round_, submission=s) for s in submissions), batch_size=2000)
    Assignment.objects.bulk_create(
        (
            Assignment(round=round_, judge=judges[(i + step * 7) % n_judges], submission=s, position=i)
            for i, s in enumerate(submissions)
            for step in range(K)
        ),
        batch_size=2000,
    )
    return round_, judges[1], n_judges


def bench(n_entries: int) -> dict[str, tuple[float, int]]:
    from judging.assignment.conflict_check import round_conflicts
    from judging.assignment.conflict_services import declare_conflict
    from judging.models import Assignment, AssignmentState, ConflictKind
    from judging.scoring.selectors import judge_assignment, judge_queue
    from submissions.models import Credit

    round_, judge, n_judges = seed(n_entries)
    judge = type(judge).objects.select_related("user").get(pk=judge.pk)
    mine = Assignment.objects.filter(judge=judge, round=round_).order_by("pk")
    target = Credit.objects.filter(submission_id=mine.values("submission_id")[2:3], name__startswith="Director").get()
    figures = {
        "queue": measure(lambda: judge_queue(judge.user)),
        "autosave read": measure(lambda: judge_assignment(user=judge.user, assignment_id=mine.first().pk)),  # type: ignore[union-attr]
        "round conflicts": measure(lambda: round_conflicts(round_)),
        "declare conflict": measure(
            lambda: declare_conflict(judge=judge, kind=ConflictKind.PERSON, value=target.name, actor=judge.user),
            repeat=1,  # once: a second declaration finds nothing new
        ),
    }
    taken = Assignment.objects.filter(judge=judge, state=AssignmentState.CONFLICTED).count()
    print(f"{n_entries:>7} entries, {n_judges} judges, {mine.count()} assignments for the judge, {taken} taken off")
    for name, (seconds, queries) in figures.items():
        print(f"  {name:<17} {seconds * 1000:8.1f} ms  {queries:3d} queries")
    return figures


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        print(f"database: {connection.vendor}")
        results = {n: bench(n) for n in sizes}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    small, large = results[min(sizes)], results[max(sizes)]
    print(f"growth {max(sizes)} / {min(sizes)}:")
    for name in small:
        print(f"  {name:<17} time x{large[name][0] / small[name][0]:.2f}, queries {small[name][1]} -> {large[name][1]}")


if __name__ == "__main__":
    main()
