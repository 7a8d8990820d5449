"""Bad input to the judging pages and API is a clear 400/404 or a form error, never a 500 (issue 13.2).

Each case was a 500 before ``festival.parsing``: ``str.isdigit()`` accepted ``²`` (which
``int()`` refuses), 5,000-digit numbers hit Python's 4,300-digit ``int()`` limit, and a NUL
in a judge's conflict text reached the database.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from festival.models import User
from judging.models import DeclaredConflict, Score
from tests.factories import OrganizerFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry
from tests.judging.rank_factories import final_round

pytestmark = pytest.mark.django_db

HUGE = "9" * 5000
SUPERSCRIPT = "²"


def client_for(user: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("raw", [SUPERSCRIPT, HUGE, "-1", "1e3", "٣"])
def test_the_judges_conflict_form_answers_404_for_a_bad_conflict_id(raw: str) -> None:
    round_ = rubric_round()
    judge = judge_of(round_.edition)
    response = client_for(judge.user).post(
        f"/judge/editions/{round_.edition_id}/profile/", {"action": "remove", "conflict": raw}
    )
    assert response.status_code == 404


def test_a_nul_in_the_conflict_text_is_a_clear_400_and_nothing_is_stored() -> None:
    round_ = rubric_round()
    judge = judge_of(round_.edition)
    response = client_for(judge.user).post(
        f"/judge/editions/{round_.edition_id}/profile/", {"action": "declare", "kind": "person", "value": "Ann\x00Lee"}
    )
    assert response.status_code == 400
    assert "value: This text contains a control character (U+0000)" in response.content.decode()
    assert not DeclaredConflict.objects.exists()


@pytest.mark.parametrize("seed", [SUPERSCRIPT, HUGE, "-5", "1000000000"])
def test_the_round_pages_seed_is_a_form_error(seed: str) -> None:
    round_ = rubric_round()
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    response = client_for(organizer).post(
        f"/organize/rounds/{round_.pk}/", {"action": "assign", "seed": seed}, follow=True
    )
    assert response.status_code == 200
    assert "The seed is a whole number from 0 to 999999999" in response.content.decode()


@pytest.mark.parametrize("raw", [SUPERSCRIPT, HUGE])
def test_the_round_pages_judge_is_a_404(raw: str) -> None:
    round_ = rubric_round()
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    response = client_for(organizer).post(f"/organize/rounds/{round_.pk}/", {"action": "withdraw", "judge": raw})
    assert response.status_code == 404


@pytest.mark.parametrize("value", [SUPERSCRIPT, HUGE, "٨", 1e300, "8.0"])
def test_score_api_values_that_are_not_whole_numbers_are_a_400_on_the_field(value: object) -> None:
    round_ = rubric_round()
    judge = judge_of(round_.edition)
    assignment = assign(round_, judge, submitted_entry(round_.edition))
    criterion = round_.criteria.first()
    assert criterion is not None
    response = client_for(judge.user).put(
        f"/api/judging/assignments/{assignment.pk}/score/",
        json.dumps({"version": 0, "values": {str(criterion.pk): value}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "give a whole number" in response.content.decode()
    assert not Score.objects.filter(assignment=assignment).exclude(values={}).exists()


@pytest.mark.parametrize("move", [f"up:{SUPERSCRIPT}", f"down:{HUGE}", "up:", "sideways"])
def test_the_final_ballots_move_ignores_what_is_not_an_id(move: str) -> None:
    data = final_round()
    order = [str(f.pk) for f in data.finalists]
    response = client_for(data.jurors[0].user).post(f"/judge/final/{data.round.pk}/", {"order": order, "move": move})
    assert response.status_code == 200
    body = response.content.decode()
    assert [body.index(f"Finalist {i}") for i in range(4)] == sorted(body.index(f"Finalist {i}") for i in range(4))
