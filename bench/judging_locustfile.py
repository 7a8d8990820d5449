"""Locust users for bench/judging_load_bench.py: judges on their queue and scoring pages.

Reads the plan the bench wrote (``LAUREL_BENCH_PLAN``): per judge, a session key and the
URLs of their scoring pages. Each simulated judge takes the next judge of the plan.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ["LAUREL_BENCH_PLAN"]).read_text())
NEXT = itertools.count()
# Seconds a judge waits between two pages ("min,max").
WAIT = tuple(float(x) for x in os.environ.get("LAUREL_BENCH_WAIT", "1,3").split(","))


class Judge(HttpUser):
    wait_time = between(WAIT[0], WAIT[1])

    def on_start(self) -> None:
        judge = PLAN["judges"][next(NEXT) % len(PLAN["judges"])]
        self.client.cookies.set("sessionid", judge["session"])
        self.pages: list[str] = judge["pages"]

    @task(1)
    def queue(self) -> None:
        self.client.get(PLAN["queue"], name="judge queue")

    @task(3)
    def score_page(self) -> None:
        self.client.get(random.choice(self.pages), name="scoring page")
