"""The pages each role uses most, at a phone's size (390x844): nothing wider than the screen,
nothing cut off, no accessibility violation (axe-core), a screenshot of each."""

from __future__ import annotations

from typing import Any

import pytest

from festival.models import User
from judging.models import Assignment
from media.models import JobState, ProcessingJob
from submissions.models import Submission, SubmissionState
from tests.factories import CategoryFactory, FilmFactory, OrganizerFactory, SubmissionFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _festival() -> tuple[User, User, User, Assignment, Submission]:
    round_ = rubric_round(name="Screening")
    edition = round_.edition
    category = CategoryFactory.create(edition=edition, name="Narrative short")
    film = FilmFactory.create(job__state=JobState.TRANSCODING)
    ProcessingJob.objects.filter(film=film).update(progress=35)
    entrant_entry = SubmissionFactory.create(
        edition=edition, title="A Rather Long Title For A Very Short Film", category=category,
        state=SubmissionState.UPLOADED, film=film,
    )  # fmt: skip
    SubmissionFactory.create(edition=edition, entrant=entrant_entry.entrant, title="Second Draft", category=category)
    judge = judge_of(edition, name="Jo Judge")
    first = None
    for position in range(1, 8):
        entry = submitted_entry(edition, title=f"Competition film number {position}", category=category)
        made = assign(round_, judge, entry, position=position)
        first = first or made
    organizer = OrganizerFactory.create(festival=edition.festival).user
    assert first is not None
    return entrant_entry.entrant, judge.user, organizer, first, entrant_entry


def test_each_roles_main_pages_fit_a_phone(journey: Any) -> None:
    entrant, judge, organizer, assignment, entry = _festival()

    filmmaker = journey("phone-filmmaker", phone=True, user=entrant)
    filmmaker.goto("/me/", "my films")
    assert filmmaker.page.is_visible(f'a[href="/me/submissions/{entry.pk}/upload/"]')
    filmmaker.goto(f"/me/submissions/{entry.pk}/", "film page")
    filmmaker.goto(f"/me/submissions/{entry.pk}/upload/", "upload page")

    jury = journey("phone-judge", phone=True, user=judge)
    jury.goto("/judge/", "queue")
    jury.goto(f"/judge/rounds/{assignment.round_id}/entries/{assignment.pk}/", "score page")

    festival = journey("phone-organizer", phone=True, user=organizer)
    festival.goto("/organize/", "console")
    festival.goto(f"/organize/editions/{entry.edition_id}/dashboard/", "dashboard")
    festival.goto(f"/organize/rounds/{assignment.round_id}/", "round page")
