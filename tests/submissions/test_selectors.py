"""Reads other apps rely on."""

from __future__ import annotations

import pytest

from submissions.models import SubmissionState as S
from submissions.selectors import submitted_entries
from tests.factories import EditionFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def test_submitted_entries_are_the_films_in_competition(django_assert_num_queries) -> None:
    edition = EditionFactory.create()
    entered = SubmissionFactory.create(edition=edition, state=S.SUBMITTED)
    for state in (S.DRAFT, S.UPLOADED, S.WITHDRAWN, S.DISQUALIFIED):
        SubmissionFactory.create(edition=edition, state=state)
    SubmissionFactory.create(state=S.SUBMITTED)  # another edition

    with django_assert_num_queries(1):
        found = [(s.pk, s.category, s.film) for s in submitted_entries(edition.pk)]

    assert found == [(entered.pk, None, None)]
