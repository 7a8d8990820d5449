"""Races on real PostgreSQL: of two requests at once, the rules still hold."""

from __future__ import annotations

import pytest

from submissions import services
from submissions.models import Submission
from submissions.models import SubmissionState as S
from tests.factories import EditionFactory, UserFactory
from tests.races import race
from tests.submissions.factories import ready_submission

pytestmark = pytest.mark.services


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
