"""Load benchmark: 20 concurrent judges on the judge queue and the scoring page.

    .venv/bin/python bench/judging_load_bench.py [--users 20] [--seconds 30]

Seeds an AI-Film-Festival-sized edition (6,000 entries, 60 judges, k = 3: 18,000
assignments, a third of them scored) in a scratch database, starts gunicorn on it, runs
locust headless and prints the p95 per page (target <= 50 ms on this machine). The
scratch database is SQLite in a temporary folder, or, when DATABASE_URL points at
PostgreSQL, a database ``<name>_loadbench`` created next to it and dropped afterwards.
Only the processes it starts are stopped. Not a timed test.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50.0


def seed(plan_path: Path, entries: int, judges: int) -> None:
    """Runs in a child process whose environment points at the scratch database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")
    import django

    django.setup()
    from datetime import timedelta
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.urls import reverse
    from django.utils import timezone

    from festival.models import JudgeMembership, User
    from festival.services import create_edition, create_festival
    from judging.assignment.services import assign_round
    from judging.models import Assignment, Score, ScoreState
    from judging.rounds.services import add_entries_to_round, create_default_rounds, open_round
    from submissions.models import Submission, SubmissionState

    started = time.perf_counter()
    now = timezone.now()
    password = make_password("bench-password-not-secret")
    organizer = User.objects.create(email="organizer@bench.test", password=password, is_staff=True)
    festival = create_festival(name="Bench Festival", slug="bench", organizer=organizer)
    edition = create_edition(
        festival=festival,
        name="Bench 2027",
        slug="bench-2027",
        year=2027,
        time_zone="UTC",
        submissions_open_at=now - timedelta(days=60),
        submissions_close_at=now - timedelta(days=30),
        actor=organizer,
    )
    entrants = User.objects.bulk_create(
        User(email=f"entrant{i}@bench.test", password=password, full_name=f"Entrant {i}") for i in range(entries // 10)
    )
    Submission.objects.bulk_create(
        (
            Submission(
                edition=edition,
                entrant=entrants[i % len(entrants)],
                title=f"Bench film {i:05d}",
                logline="A film made for a benchmark.",
                state=SubmissionState.SUBMITTED,
                submitted_at=now - timedelta(days=31),
            )
            for i in range(entries)
        ),
        batch_size=2000,
    )
    judge_users = User.objects.bulk_create(
        User(email=f"judge{j}@bench.test", password=password, full_name=f"Judge {j}") for j in range(judges)
    )
    JudgeMembership.objects.bulk_create(JudgeMembership(edition=edition, user=user) for user in judge_users)
    screening = create_default_rounds(edition=edition, actor=organizer)[0]
    open_round(round_=screening, actor=organizer, at=now - timedelta(days=1))
    add_entries_to_round(round_=screening, actor=organizer)
    assign_round(round_=screening, actor=organizer, seed=1)
    criteria = list(screening.criteria.all())
    scored = list(Assignment.objects.filter(round=screening).order_by("pk")[::3])
    Score.objects.bulk_create(
        (
            Score(
                round=screening,
                judge_id=a.judge_id,
                submission_id=a.submission_id,
                assignment=a,
                values={str(c.pk): 1 + (a.submission_id * 7 + c.pk) % 10 for c in criteria},
                total=float((a.submission_id * 7) % 11),
                state=ScoreState.SUBMITTED,
                submitted_at=now,
            )
            for a in scored
        ),
        batch_size=2000,
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    judges_plan: list[dict[str, object]] = []
    pages: dict[int, list[str]] = {}
    for assignment_id, judge_id in Assignment.objects.filter(round=screening).values_list("pk", "judge_id"):
        pages.setdefault(judge_id, []).append(
            reverse("judging:score", kwargs={"round_id": screening.pk, "assignment_id": assignment_id})
        )
    for membership in JudgeMembership.objects.filter(edition=edition).select_related("user"):
        session = store()
        session[SESSION_KEY] = str(membership.user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
        session.create()
        judges_plan.append({"session": session.session_key, "pages": pages.get(membership.pk, [])})
    plan_path.write_text(json.dumps({"queue": reverse("judging:queue"), "judges": judges_plan}))
    print(
        f"seeded {entries} entries, {judges} judges, {Assignment.objects.count()} assignments, "
        f"{len(scored)} scores in {time.perf_counter() - started:.1f} s"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own local server)
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def warm_up(host: str, plan: Path, *, rounds: int) -> None:
    """Load each worker's templates and code once, so the first requests measured are not cold."""
    data = json.loads(plan.read_text())
    judge = data["judges"][0]
    for url in [data["queue"], judge["pages"][0]] * rounds:
        request = urllib.request.Request(host + url, headers={"Cookie": f"sessionid={judge['session']}"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=60):  # noqa: S310 (our own local server)
            pass


def scratch_database(workdir: Path) -> tuple[str, str | None]:
    """(DATABASE_URL for the bench, name of a PostgreSQL database to drop afterwards)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{workdir / 'bench.sqlite3'}", None
    import psycopg

    base, _, name = url.rpartition("/")
    scratch = f"{name.split('?')[0]}_loadbench"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    return f"{base}/{scratch}", scratch


def drop_database(scratch: str) -> None:
    import psycopg

    base = os.environ["DATABASE_URL"].rpartition("/")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--entries", type=int, default=6000)
    parser.add_argument("--judges", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--wait", default="1,3", help="seconds a judge waits between pages, 'min,max' (0,0 = a stress test)"
    )
    parser.add_argument("--seed-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only:
        seed(args.seed_only, args.entries, args.judges)
        return
    with tempfile.TemporaryDirectory(prefix="laurel-loadbench-") as tmp:
        workdir = Path(tmp)
        database_url, scratch = scratch_database(workdir)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "LAUREL_VAR_DIR": str(workdir / "var"),
            "DJANGO_DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "festival.settings",
            "PYTHONPATH": str(ROOT),
        }
        plan = workdir / "plan.json"
        gunicorn: subprocess.Popen[bytes] | None = None
        try:
            subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--seed-only",
                    str(plan),
                    "--entries",
                    str(args.entries),
                    "--judges",
                    str(args.judges),
                ],
                cwd=ROOT,
                env=env,
                check=True,
            )
            port = free_port()
            host = f"http://127.0.0.1:{port}"
            gunicorn = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "festival.wsgi:application",
                    "--workers",
                    str(args.workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )
            wait_until_up(f"{host}/accounts/login/", gunicorn)
            warm_up(host, plan, rounds=4 * args.workers)
            prefix = workdir / "locust"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(ROOT / "bench" / "judging_locustfile.py"),
                    "--headless",
                    "--users",
                    str(args.users),
                    "--spawn-rate",
                    str(args.users),
                    "--run-time",
                    f"{args.seconds}s",
                    "--host",
                    host,
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env={**env, "LAUREL_BENCH_PLAN": str(plan), "LAUREL_BENCH_WAIT": args.wait},
                check=False,
            )
            report(Path(f"{prefix}_stats.csv"), args=args, database=database_url)
        finally:
            if gunicorn is not None and gunicorn.poll() is None:
                gunicorn.terminate()
                gunicorn.wait(timeout=30)
            if scratch:
                drop_database(scratch)


def report(stats: Path, *, args: argparse.Namespace, database: str) -> None:
    engine = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    print(
        f"\n{args.users} concurrent judges waiting {args.wait} s between pages for {args.seconds} s, "
        f"gunicorn {args.workers} workers, {engine}"
    )
    print(f"{'page':<16} {'requests':>9} {'failures':>9} {'median ms':>10} {'p95 ms':>8} {'p95 / target':>13}")
    with stats.open() as handle:
        for row in csv.DictReader(handle):
            name = row["Name"]
            p95 = float(row["95%"])
            print(
                f"{name:<16} {row['Request Count']:>9} {row['Failure Count']:>9} {float(row['50%']):>10.0f} "
                f"{p95:>8.0f} {p95 / TARGET_MS:>12.2f}x"
            )


if __name__ == "__main__":
    main()
