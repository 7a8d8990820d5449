"""Races on real PostgreSQL: run the same action in threads released together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def race(action: Callable[[], T], times: int = 2) -> list[T | Exception]:
    """Run ``action`` in ``times`` threads released together; each result or raised exception."""
    barrier = threading.Barrier(times)
    results: list[T | Exception] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(action())
        except Exception as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
