"""Reads other apps rely on."""

from __future__ import annotations

import pytest

from submissions.models import Submission
from submissions.models import SubmissionState as S
from submissions.selectors import in_competition
from tests.factories import EditionFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def test_only_submitted_films_are_in_competition(django_assert_num_queries) -> None:
    edition = EditionFactory.create()
    entered = SubmissionFactory.create(edition=edition, state=S.SUBMITTED)
    for state in (S.DRAFT, S.UPLOADED, S.WITHDRAWN, S.DISQUALIFIED):
        SubmissionFactory.create(edition=edition, state=state)
    SubmissionFactory.create(state=S.SUBMITTED)  # another edition

    with django_assert_num_queries(1):
        found = list(Submission.objects.filter(in_competition(), edition=edition).values_list("pk", flat=True))

    assert found == [entered.pk]
