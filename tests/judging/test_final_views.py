"""The juror's final ballot pages: ranking (with no-JavaScript up/down), pairs, errors, 404s."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from festival.models import User
from judging.final import selectors
from judging.models import Ballot
from tests.factories import JudgeFactory, OrganizerFactory
from tests.judging.rank_factories import FinalRound, final_round

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ballot_url(data: FinalRound) -> str:
    return reverse("judging:final-ballot", kwargs={"round_id": data.round.pk})


def test_the_ballot_page_lists_finalists_blind(django_assert_max_num_queries) -> None:
    data = final_round()
    client = client_for(data.jurors[0].user)
    # Constant in the number of finalists: session and roles, round, juror, finalists,
    # the juror's conflicts (judge and entry profiles), their ballot.
    with django_assert_max_num_queries(16):
        response = client.get(ballot_url(data))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="ballot-item"') == 4
    assert data.finalists[0].entrant.email not in body
    assert "Move Finalist 0 up" in body
    assert 'aria-live="polite"' in body


def test_submitting_a_ranking_saves_it() -> None:
    data = final_round()
    order = [str(f.pk) for f in reversed(data.finalists)]
    response = client_for(data.jurors[0].user).post(ballot_url(data), {"order": order}, follow=True)
    assert "Your ballot is saved." in response.content.decode()
    assert selectors.ballot_order(Ballot.objects.get()) == [int(pk) for pk in order]


def test_a_duplicate_in_the_ranking_is_a_clear_error_and_the_order_is_kept() -> None:
    data = final_round()
    a, b, c, _ = (str(f.pk) for f in data.finalists)
    response = client_for(data.jurors[0].user).post(ballot_url(data), {"order": [c, a, a, b]})
    body = response.content.decode()
    assert response.status_code == 400
    assert "“Finalist 0” is ranked twice; rank each finalist once." in body
    listing = body[body.index('id="ballot"') :]
    assert (
        listing.index("Finalist 2")
        < listing.index("Finalist 0")
        < listing.index("Finalist 1")
        < listing.index("Finalist 3")
    )
    assert listing.count('class="ballot-item"') == 4
    assert Ballot.objects.count() == 0


def test_up_and_down_buttons_work_without_javascript_and_save_nothing() -> None:
    data = final_round(finalists=3)
    a, b, c = (str(f.pk) for f in data.finalists)
    response = client_for(data.jurors[0].user).post(ballot_url(data), {"order": [a, b, c], "move": f"up:{c}"})
    body = response.content.decode()
    assert response.status_code == 200
    listing = body[body.index('id="ballot"') :]
    assert listing.index("Finalist 0") < listing.index("Finalist 2") < listing.index("Finalist 1")
    assert Ballot.objects.count() == 0


def test_garbage_order_is_a_400_not_a_500() -> None:
    data = final_round()
    response = client_for(data.jurors[0].user).post(ballot_url(data), {"order": ["x"]})
    assert response.status_code == 400
    assert "The ballot was not understood" in response.content.decode()


def test_pairs_page_saves_every_pair_and_complains_about_a_missing_one() -> None:
    data = final_round(finalists=3)
    a, b, c = (f.pk for f in data.finalists)
    client = client_for(data.jurors[0].user)
    url = reverse("judging:final-pairs", kwargs={"round_id": data.round.pk})
    assert client.get(url).content.decode().count('type="radio"') == 6
    response = client.post(url, {f"pair-{a}-{b}": str(b), f"pair-{a}-{c}": str(a)})
    assert response.status_code == 400
    assert "Choose between “Finalist 1” and “Finalist 2”; every pair needs an answer." in response.content.decode()
    response = client.post(
        url, {f"pair-{a}-{b}": str(b), f"pair-{a}-{c}": str(a), f"pair-{b}-{c}": str(b)}, follow=True
    )
    assert "Your comparisons are saved." in response.content.decode()
    assert selectors.final_outcome(data.round).groups == [[b], [a], [c]]


@pytest.mark.parametrize("who", ["other_judge", "organizer"])
def test_the_ballot_is_404_for_anyone_not_on_the_jury(who: str) -> None:
    data = final_round()
    user = (
        JudgeFactory.create().user
        if who == "other_judge"
        else OrganizerFactory.create(festival=data.edition.festival).user
    )
    client = client_for(user)
    assert client.get(ballot_url(data)).status_code == 404
    assert client.get(reverse("judging:final-pairs", kwargs={"round_id": data.round.pk})).status_code == 404


def test_a_juror_watches_each_finalist_from_the_ballot_and_no_one_else_can() -> None:
    data = final_round()
    finalist = data.finalists[0]
    client = client_for(data.jurors[0].user)
    film_url = reverse("judging:final-film", kwargs={"round_id": data.round.pk, "submission_id": finalist.pk})

    ballot = client.get(ballot_url(data)).content.decode()
    page = client.get(film_url)

    assert f'href="{film_url}"' in ballot
    assert '<span class="ballot-position" aria-hidden="true">1</span>' in ballot
    assert page.status_code == 200
    body = page.content.decode()
    assert f"<h1>{finalist.title}</h1>" in body and finalist.entrant.email not in body
    outsider = client_for(JudgeFactory.create().user)
    assert outsider.get(film_url).status_code == 404
    not_a_finalist = reverse("judging:final-film", kwargs={"round_id": data.round.pk, "submission_id": 999999})
    assert client.get(not_a_finalist).status_code == 404
    media = reverse(
        "judging:final-media", kwargs={"round_id": data.round.pk, "submission_id": finalist.pk, "asset": "mp4/a.mp4"}
    )
    assert outsider.get(media).status_code == 404
