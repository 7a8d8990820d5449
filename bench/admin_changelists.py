"""The admin's big change lists on an already seeded database (e.g. a copy of the one
``bench/scale_bench.py --keep`` leaves): median time and queries of each page, as an
organizer of the edition with the most scores and as a superuser.

Run: ``DATABASE_URL=postgres://.../scale_copy .venv/bin/python bench/admin_changelists.py
[--explain] [--repeats N]``. ``--explain`` prints EXPLAIN ANALYZE of every query of each page
(PostgreSQL). Reads only (the sign-in sessions it makes are the one write). Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PAGES = [
    "/admin/judging/score/",
    "/admin/judging/assignment/",
    "/admin/judging/score/?p=3",
    "/admin/judging/score/?state__exact=submitted",
    "/admin/judging/assignment/?state__exact=active",
    "/admin/judging/roundentry/",
    "/admin/festival/auditevent/",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False

    from festival.models import OrganizerMembership, User
    from judging.models import Score

    top = Score.objects.values("round__edition__festival").annotate(n=Count("pk")).order_by("-n").first()
    assert top is not None, "no scores: is this a seeded database?"
    festival_id = int(top["round__edition__festival"])
    organizer = OrganizerMembership.objects.filter(festival_id=festival_id).select_related("user").first()
    assert organizer is not None, "no organizer of the festival with the most scores"
    root, _ = User.objects.get_or_create(
        email="admin-bench-root@bench.test", defaults={"is_staff": True, "is_superuser": True}
    )
    clients = {"organizer": Client(), "superuser": Client()}
    clients["organizer"].force_login(organizer.user)
    clients["superuser"].force_login(root)
    print(f"{connection.vendor}: {Score.objects.count():,} scores; organizer of festival {festival_id}")
    for who, client in clients.items():
        for url in PAGES:
            if who == "organizer" and "auditevent" in url:
                continue  # the platform's audit list is the superusers'
            times = []
            for _ in range(args.repeats):
                cache.clear()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
            print(f"  {who:10} {url:50} {statistics.median(times):6.3f} s  {len(captured):3} queries")
            if args.explain and connection.vendor == "postgresql":
                explain(captured)


def explain(captured: CaptureQueriesContext) -> None:
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or float(query["time"]) < 0.005:
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql)
            print(f"    -- {float(query['time']):.3f} s: {sql[:400]}")
            for (line,) in cursor.fetchall():
                print("       " + line)


if __name__ == "__main__":
    main()
