"""Races on real PostgreSQL: of two requests at once, the rules still hold."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from submissions import services
from submissions.models import Submission
from submissions.models import SubmissionState as S
from tests.factories import EditionFactory, UserFactory
from tests.submissions.factories import ready_submission

pytestmark = pytest.mark.services


def race(action: Callable[[], object], times: int = 2) -> list[object]:
    """Run ``action`` in ``times`` threads released together; each result or raised exception."""
    barrier = threading.Barrier(times)
    results: list[object] = []

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
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_tabs_cannot_both_take_the_last_film_slot(postgres_db: None) -> None:
    edition = EditionFactory.create(films_per_entrant=1)
    entrant = UserFactory.create()

    results = race(lambda: services.create_submission(entrant=entrant, edition=edition, title="Twice"))

    assert sorted(type(r).__name__ for r in results) == ["EntryLimitReached", "Submission"]
    assert Submission.objects.filter(entrant=entrant, edition=edition).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_submits_once(postgres_db: None) -> None:
    submission = ready_submission()

    results = race(lambda: services.submit_submission(submission=submission, actor=submission.entrant))

    assert sorted(type(r).__name__ for r in results) == ["StateConflict", "Submission"]
    assert Submission.objects.get(pk=submission.pk).state == S.SUBMITTED
