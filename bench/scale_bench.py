"""Scale benchmark: every organizer and judge operation at 1,000, 10,000 and 100,000 entries.

    .venv/bin/python bench/scale_bench.py [--sizes 1000,10000,100000] [--keep]

For each size it creates a PostgreSQL database ``laurel_scale_<size>`` (``--prefix`` changes
the name) next to DATABASE_URL (default ``postgres://postgres@127.0.0.1:5432/postgres``),
migrates it and seeds an edition through the project's own models and services (bulk
inserts, but rows like real ones: entrants, submissions with credits, judges, a screening
round assigned by the platform's own assignment run, every assignment scored by a judge with
a leniency and a scale, one audit event per score, one sent announcement e-mail per entrant
in the outbox). Then, in that child process, each operation runs through Django's test
client (or its service, for tasks) and the benchmark prints the median time of three runs,
the query count and the peak of Python memory (tracemalloc), then a table with all sizes
and the growth ratio largest / smallest. Databases are dropped unless ``--keep``.
Not a timed test: the figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
JUDGES = {1000: 10, 10000: 60, 100000: 600}
K = 3
REPEATS = 3


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def psql(base: str, sql: str) -> None:
    subprocess.run(
        ["psql", database_url(base, "postgres"), "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        stdin=subprocess.DEVNULL,
    )


# --- the child: seed one size and measure it ---------------------------------------------


def seed(size: int) -> dict[str, Any]:
    import random
    from datetime import timedelta

    import numpy as np
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count
    from django.utils import timezone

    from festival.models import AuditEvent, Category, JudgeMembership, User
    from festival.services import create_edition, create_festival
    from judging.assignment.runs import carry_out_assignment_run, request_assignment_run
    from judging.models import Assignment, Score, ScoreState
    from judging.results.services import refresh_round_ranking
    from judging.rounds.services import add_entries_to_round, create_default_rounds, open_round
    from notifications.models import Broadcast, Message, MessageState
    from submissions.models import Credit, CreditRole, Submission, SubmissionState

    rng = random.Random(size)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    now = timezone.now()
    password = make_password("bench-password-not-secret")
    organizer = User.objects.create(email="organizer@scale.test", password=password, full_name="Olga Organizer")
    festival = create_festival(name="Scale Festival", slug="scale", organizer=organizer)
    edition = create_edition(
        festival=festival,
        name="Scale 2027",
        slug="scale-2027",
        year=2027,
        time_zone="UTC",
        submissions_open_at=now - timedelta(days=60),
        submissions_close_at=now - timedelta(days=30),
        actor=organizer,
        categories=("Narrative", "Documentary", "Experimental"),
    )
    categories = list(Category.objects.filter(edition=edition))
    entrants = User.objects.bulk_create(
        (
            User(email=f"entrant{i}@scale.test", password=password, full_name=f"Entrant {i}")
            for i in range(max(1, size // 3))
        ),
        batch_size=5000,
    )
    submissions = Submission.objects.bulk_create(
        (
            Submission(
                edition=edition,
                entrant=entrants[i % len(entrants)],
                title=f"Scale film {i:06d}",
                logline="A film seeded for the scale benchmark.",
                category=categories[i % len(categories)],
                state=SubmissionState.SUBMITTED,
                submitted_at=now - timedelta(days=31, minutes=i % 1440),
            )
            for i in range(size)
        ),
        batch_size=5000,
    )
    Credit.objects.bulk_create(
        (
            Credit(
                submission=s,
                name=f"Entrant {i % len(entrants)}",
                role=CreditRole.DIRECTOR,
                is_entrant=True,
                position=0,
            )
            for i, s in enumerate(submissions)
        ),
        batch_size=5000,
    )
    n_judges = JUDGES.get(size, max(3, size // 170))
    judge_users = User.objects.bulk_create(
        (User(email=f"judge{j}@scale.test", password=password, full_name=f"Judge {j}") for j in range(n_judges)),
        batch_size=5000,
    )
    JudgeMembership.objects.bulk_create(JudgeMembership(edition=edition, user=u) for u in judge_users)
    screening = create_default_rounds(edition=edition, actor=organizer)[0]
    open_round(round_=screening, actor=organizer, at=now - timedelta(days=1))
    add_entries_to_round(round_=screening, actor=organizer)
    timings["seed entries"] = time.perf_counter() - started

    run = request_assignment_run(round_=screening, seed=1, actor=organizer)
    t0 = time.perf_counter()
    carry_out_assignment_run(run_id=run.pk)
    timings["assignment run (its task)"] = time.perf_counter() - t0

    criteria = list(screening.criteria.all())
    quality = {s.pk: rng.gauss(5.5, 1.5) for s in submissions}
    memberships = list(JudgeMembership.objects.filter(edition=edition).values_list("pk", flat=True))
    leniency = {pk: rng.gauss(0.0, 0.8) for pk in memberships}
    scale = {pk: rng.uniform(0.6, 1.4) for pk in memberships}
    t0 = time.perf_counter()
    rows = []
    for a in Assignment.objects.filter(round=screening).only("pk", "judge_id", "submission_id").iterator(5000):
        mark = quality[a.submission_id] * scale[a.judge_id] + leniency[a.judge_id] + rng.gauss(0, 0.7)
        value = int(np.clip(round(mark), 1, 10))
        rows.append(
            Score(
                round=screening,
                judge_id=a.judge_id,
                submission_id=a.submission_id,
                assignment=a,
                values={str(c.pk): value for c in criteria},
                total=float(value),
                state=ScoreState.SUBMITTED,
                submitted_at=now,
            )
        )
    Score.objects.bulk_create(rows, batch_size=5000)
    judge_user = {m.pk: m.user_id for m in JudgeMembership.objects.filter(edition=edition)}
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                created_at=now,
                festival=festival,
                chain="scale-bench-seed",  # seeded in bulk: not part of the festival's verified chain
                seq=i,
                actor_id=judge_user[score.judge_id],
                action="score.submitted",
                target_type="judging.score",
                target_id=str(score.pk),
                after={"total": score.total},
            )
            for i, score in enumerate(Score.objects.filter(round=screening).only("pk", "judge_id", "total"))
        ),
        batch_size=5000,
    )
    timings["seed scores and audit"] = time.perf_counter() - t0
    # The outbox's rows: one announcement e-mail to every entrant, as the broadcast's fan-out
    # records them (sent), so the organizer's outbox pages through a real edition's worth.
    t0 = time.perf_counter()
    broadcast = Broadcast.objects.create(
        edition=edition,
        author=organizer,
        subject="Screening results",
        body="Dear {{ name }}, the screening is over.",
        audience={"kind": "entrants"},
        state=Broadcast.State.SENT,
        recipient_count=len(entrants),
        released_at=now,
    )
    Message.objects.bulk_create(
        (
            Message(
                event="broadcast",
                key=f"broadcast:{broadcast.pk}",
                edition=edition,
                broadcast=broadcast,
                recipient=entrant,
                to_address=entrant.email,
                subject="Screening results",
                text=f"Dear {entrant.full_name}, the screening is over.",
                html="",
                state=MessageState.SENT,
                sent_at=now,
            )
            for entrant in entrants
        ),
        batch_size=5000,
    )
    timings["seed the outbox"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    refresh_round_ranking(round_id=screening.pk)
    timings["ranking refresh (its task)"] = time.perf_counter() - t0
    busiest = (
        Assignment.objects.filter(round=screening)
        .values("judge_id")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None
    return {
        "edition": edition.pk,
        "round": screening.pk,
        "organizer": organizer.pk,
        "judge": busiest["judge_id"],
        "entrant": entrants[0].pk,
        "timings": timings,
        "counts": {
            "submissions": size,
            "judges": n_judges,
            "assignments": Assignment.objects.filter(round=screening).count(),
            "scores": Score.objects.filter(round=screening).count(),
        },
    }


def measure(operation: Callable[[], Any]) -> dict[str, float]:
    """Median wall time of ``REPEATS`` runs and their query count; then one more run under
    tracemalloc for the peak of Python memory (tracing slows Python, so it is not timed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    operation()  # warm-up: imports, template compilation, the first connection
    times: list[float] = []
    queries = 0
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            operation()
            times.append(time.perf_counter() - t0)
        queries = len(captured)
    tracemalloc.start()
    operation()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": statistics.median(times), "queries": queries, "peak_mib": peak / 2**20}


def announce_final(*, round_: Any, organizer: Any) -> None:
    """The edition's final announced with ten films: the ladder's awards, then finalists."""
    from django.utils import timezone

    from announcements.models import Announcement, Outcome, OutcomeKind
    from festival.models import AwardTier
    from judging.models import Round, RoundKind
    from judging.results.rankings import ranking_of

    final = Round.objects.get(edition_id=round_.edition_id, kind=RoundKind.FINAL)
    now = timezone.now()
    announcement = Announcement.objects.create(round=final, announce_at=now, announced_at=now, announced_by=organizer)
    tiers = list(AwardTier.objects.filter(edition_id=round_.edition_id).order_by("rank_from"))
    outcomes = []
    for rank, row in enumerate(ranking_of(round_).rows(limit=10), start=1):
        tier = next((t for t in tiers if t.rank_from <= rank <= t.rank_to), None)
        outcomes.append(
            Outcome(
                announcement=announcement,
                submission_id=row.submission_id,
                kind=OutcomeKind.AWARD if tier else OutcomeKind.FINALIST,
                tier=tier,
                rank=rank,
                fixed_at=now,
            )
        )
    Outcome.objects.bulk_create(outcomes)


def child(size: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    seeded = seed(size)
    from django.db import connection

    # What autovacuum does to a live database after bulk inserts (the benchmark's server may run
    # without it): planner statistics, and the visibility map index-only scans need. Without it
    # PostgreSQL plans 300,000-row joins as nested loops over "empty" tables.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from festival.models import JudgeMembership, User
    from judging.models import AdvancementMode, Assignment, Round
    from judging.results import advancement
    from judging.results.services import refresh_round_ranking

    organizer = User.objects.get(pk=seeded["organizer"])
    round_ = Round.objects.get(pk=seeded["round"])
    edition_id = seeded["edition"]
    organizer_client = Client()
    organizer_client.force_login(organizer)
    superuser_client = Client()
    superuser_client.force_login(User.objects.create(email="root@scale.test", is_staff=True, is_superuser=True))
    judge = JudgeMembership.objects.select_related("user").get(pk=seeded["judge"])
    judge_client = Client()
    judge_client.force_login(judge.user)
    assignment = Assignment.objects.filter(judge=judge, round=round_).order_by("position").first()
    assert assignment is not None
    entrant_client = Client()
    entrant_client.force_login(User.objects.get(pk=seeded["entrant"]))

    def get(client: Client, url: str, ok: tuple[int, ...] = (200,), **params: str) -> Callable[[], Any]:
        def run() -> Any:
            response = client.get(url, params)
            assert response.status_code in ok, (url, response.status_code)
            if response.streaming:
                return sum(len(chunk) for chunk in response.streaming_content)  # type: ignore[attr-defined,misc]
            return len(response.content)

        return run

    def declare_conflict() -> None:
        # Inside a rolled-back transaction so each repeat declares it anew.
        with transaction.atomic():
            response = judge_client.post(
                reverse("judging:profile", kwargs={"edition_id": edition_id}),
                {"action": "declare", "kind": "person", "value": "Someone Unrelated"},
            )
            assert response.status_code in (200, 302), response.status_code
            transaction.set_rollback(True)

    def advance_top_share() -> None:
        with transaction.atomic():
            advancement.apply_advancement(round_=round_, decided_by=organizer, include_tied=True, confirm_band=True)
            transaction.set_rollback(True)

    results_url = reverse("judging:results", kwargs={"edition_id": edition_id})
    export = "judging:results-export"
    operations: dict[str, Callable[[], Any]] = {
        "round overview": get(organizer_client, reverse("judging:round-overview", kwargs={"round_id": round_.pk})),
        "judge declares a conflict": declare_conflict,
        "results page": get(organizer_client, results_url),
        "results page, last page": get(organizer_client, results_url, page="last"),
        "results API, first 100": get(
            organizer_client, reverse("judging:api-results", kwargs={"edition_id": edition_id}), limit="100"
        ),
        "CSV export": get(
            organizer_client, reverse(export, kwargs={"edition_id": edition_id, "round_id": round_.pk, "fmt": "csv"})
        ),
        "JSON export": get(
            organizer_client, reverse(export, kwargs={"edition_id": edition_id, "round_id": round_.pk, "fmt": "json"})
        ),
        # Above LAUREL_XLSX_INLINE_MAX_ROWS the request only queues a worker's job (302 back to the page).
        "XLSX export (or its job)": get(
            organizer_client,
            reverse(export, kwargs={"edition_id": edition_id, "round_id": round_.pk, "fmt": "xlsx"}),
            ok=(200, 302),
        ),
        "admin add assignment": get(organizer_client, "/admin/judging/assignment/add/"),
        "admin scores": get(organizer_client, "/admin/judging/score/"),
        "admin assignments": get(organizer_client, "/admin/judging/assignment/"),
        "admin audit events": get(superuser_client, "/admin/festival/auditevent/"),
        # No worker runs beside the benchmark: /healthz answers 503 after its bounded ping.
        "/healthz": get(organizer_client, "/healthz", ok=(200, 503)),
        "judge queue": get(judge_client, reverse("judging:queue")),
        "scoring page": get(
            judge_client, reverse("judging:score", kwargs={"round_id": round_.pk, "assignment_id": assignment.pk})
        ),
        "entrant's films": get(entrant_client, reverse("submissions:dashboard")),
        "dashboard": get(organizer_client, reverse("dashboard:edition", kwargs={"edition_id": edition_id})),
        "outbox": get(organizer_client, reverse("notifications:outbox", kwargs={"edition_id": edition_id})),
        "outbox, last page": get(
            organizer_client, reverse("notifications:outbox", kwargs={"edition_id": edition_id}), page="last"
        ),
    }
    measured: dict[str, dict[str, float]] = {}
    for name, operation in operations.items():
        try:
            measured[name] = measure(operation)
        except Exception as error:  # report and go on: one broken page must not hide the others
            measured[name] = {"error": f"{type(error).__name__}: {error}"[:200]}  # type: ignore[dict-item]
    # Advancement reads a current ranking: set the rule (top 10 %), recompute, then measure.
    Round.objects.filter(pk=round_.pk).update(advancement_mode=AdvancementMode.TOP_SHARE, advance_share=0.1)
    round_.refresh_from_db()
    if Round.objects.filter(edition_id=edition_id, position__gt=round_.position).exists():
        refresh_round_ranking(round_id=round_.pk)
        measured["advancement (top 10 %)"] = measure(advance_top_share)
    # The public page once the final is announced: its award ladder and finalists (the top ten
    # of the ranking standing in for the final's), read by anyone.
    announce_final(round_=round_, organizer=organizer)
    edition = round_.edition
    measured["public page"] = measure(
        get(
            Client(),
            reverse("announcements:public_edition", kwargs={"festival": edition.festival.slug, "year": edition.year}),
        )
    )
    rows = seeded["counts"]["submissions"]
    for name in ("CSV export", "JSON export"):
        if "seconds" in measured.get(name, {}):
            measured[name]["rows_per_s"] = rows / measured[name]["seconds"]
    print("SCALE-RESULT " + json.dumps({"size": rows, "seeded": seeded, "measured": measured}))


# --- the parent: one child per size, then the table --------------------------------------


def table(results: list[dict[str, Any]]) -> None:
    sizes = [r["size"] for r in results]
    names: list[str] = []
    for r in results:
        names += [n for n in r["measured"] if n not in names]
    width = max(len(n) for n in names) + 2
    header = "".join(f"{f'{s:,} entries':>30}" for s in sizes)
    print(f"\n{'operation':<{width}}{header}{'growth ' + f'{sizes[-1]:,}/{sizes[0]:,}':>22}")
    for name in names:
        cells = []
        for r in results:
            m = r["measured"].get(name, {})
            if "error" in m:
                cells.append(f"{'error':>30}")
            elif m:
                extra = f" {m['rows_per_s']:,.0f} r/s" if "rows_per_s" in m else ""
                cells.append(f"{m['seconds']:>8.3f} s {m['queries']:>4}q {m['peak_mib']:>6.1f}MiB{extra}".rjust(30))
            else:
                cells.append(f"{'-':>30}")
        first, last = results[0]["measured"].get(name, {}), results[-1]["measured"].get(name, {})
        growth = f"{last['seconds'] / first['seconds']:.2f}" if "seconds" in first and "seconds" in last else "-"
        print(f"{name:<{width}}{''.join(cells)}{growth:>22}")
    print()
    for r in results:
        seeded = r["seeded"]
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in seeded["timings"].items())
        print(f"{r['size']:,} entries: {seeded['counts']} — {timings}")
    for r in results:
        for name, m in r["measured"].items():
            if "error" in m:
                print(f"{r['size']:,} {name}: {m['error']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--keep", action="store_true", help="keep the seeded databases")
    parser.add_argument(
        "--prefix", default="laurel_scale", help="database names: <prefix>_<size> (dropped and re-created)"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("The scale benchmark needs PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        name = f"{args.prefix}_{size}"
        psql(base, f"DROP DATABASE IF EXISTS {name}")
        psql(base, f"CREATE DATABASE {name}")
        env = {**os.environ, "DATABASE_URL": database_url(base, name), "LAUREL_BENCH": "1"}
        try:
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(size)],
                env=env,
                capture_output=True,
                text=True,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
            line = next((ln for ln in out.stdout.splitlines() if ln.startswith("SCALE-RESULT ")), None)
            if line is None:
                sys.exit(f"size {size} failed:\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}")
            results.append(json.loads(line.removeprefix("SCALE-RESULT ")))
            print(f"size {size:,}: done in {time.perf_counter() - started:.0f} s", flush=True)
        finally:
            if not args.keep:
                psql(base, f"DROP DATABASE IF EXISTS {name}")
    table(results)


if __name__ == "__main__":
    main()
