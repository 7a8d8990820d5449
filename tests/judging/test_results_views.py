"""The organizer's results page and its actions: permissions (404), query counts, decisions."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from festival.models import AuditEvent, User
from judging.models import AdvancementMode, RoundEntry, RoundKind
from tests.factories import JudgeFactory, OrganizerFactory, UserFactory
from tests.judging.rank_factories import RoundFactory, ScoredRound, final_round, ranked, scored_round

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def results_url(edition_id: int) -> str:
    return reverse("judging:results", kwargs={"edition_id": edition_id})


def action_url(data: ScoredRound) -> str:
    return reverse("judging:results-action", kwargs={"edition_id": data.edition.pk, "round_id": data.round.pk})


def test_results_page_shows_the_ranking_judges_and_criteria(django_assert_max_num_queries) -> None:
    data = scored_round(n_entries=60, n_judges=6, k=3, criteria=2)
    data.round.advancement_mode = AdvancementMode.TOP_N
    data.round.advance_count = 10
    data.round.save()
    RoundFactory.create(edition=data.edition, position=1, kind=RoundKind.JURY, name="Jury")
    ranked(data.round)
    client = client_for(data.organizer)
    # Session and roles (4), edition, rounds, snapshot, its state key (with the round's conflicts),
    # rows, judges, criteria, the Excel job, unread mail: the same whatever the number of entries.
    with django_assert_max_num_queries(19):
        response = client.get(results_url(data.edition.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "60 of 60 entries have counted scores." in body
    assert "Advance to Jury" in body
    assert body.count("<tr") == 1 + 60 + 1 + 6 + 1 + 2
    assert "Judge 0" in body and "C1" in body


def test_results_page_query_count_does_not_grow_with_entries(django_assert_max_num_queries) -> None:
    data = scored_round(n_entries=300, n_judges=10, k=3)
    ranked(data.round)
    client = client_for(data.organizer)
    with django_assert_max_num_queries(19):
        response = client.get(results_url(data.edition.pk), {"all": "1"})
    assert response.content.decode().count("Film ") == 300


@pytest.mark.parametrize("who", ["judge", "other_organizer", "entrant"])
def test_results_and_exports_are_404_for_everyone_but_the_festivals_organizers(who: str) -> None:
    data = scored_round(totals=[[(0, 5.0)], [(0, 6.0)]], n_judges=1)
    user = {
        "judge": lambda: data.judges[0].user,
        "other_organizer": lambda: OrganizerFactory.create().user,
        "entrant": lambda: UserFactory.create(),
    }[who]()
    client = client_for(user)
    assert client.get(results_url(data.edition.pk)).status_code == 404
    for fmt in ("csv", "xlsx", "json"):
        url = reverse(
            "judging:results-export", kwargs={"edition_id": data.edition.pk, "round_id": data.round.pk, "fmt": fmt}
        )
        assert client.get(url).status_code == 404
    assert client.post(action_url(data), {"action": "publish"}).status_code == 404
    api = reverse("judging:api-results", kwargs={"edition_id": data.edition.pk})
    assert client.get(api).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    data = scored_round(totals=[[(0, 5.0)]], n_judges=1)
    response = Client().get(results_url(data.edition.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_organizer_advances_from_the_page_and_sees_a_tie_first() -> None:
    data = scored_round(
        totals=[[(0, 9.0), (1, 8.0)], [(0, 7.0), (1, 6.0)], [(0, 7.0), (1, 6.0)], [(0, 3.0), (1, 2.0)]], n_judges=2
    )
    jury = RoundFactory.create(edition=data.edition, position=1, kind=RoundKind.JURY, name="Jury")
    client = client_for(data.organizer)
    response = client.post(action_url(data), {"action": "rule", "mode": "top_n", "count": "2"}, follow=True)
    assert "Advancement rule saved." in response.content.decode()
    response = client.post(action_url(data), {"action": "advance"}, follow=True)
    assert "a worker is recomputing it" in response.content.decode()  # the rule changed the cut
    ranked(data.round)
    page = client.get(results_url(data.edition.pk)).content.decode()
    assert "Tied exactly at the cut, a decision is needed" in page
    response = client.post(action_url(data), {"action": "advance"}, follow=True)
    assert "exactly the same calibrated score at the cut" in response.content.decode()
    assert RoundEntry.objects.filter(round=jury).count() == 0
    response = client.post(action_url(data), {"action": "advance", "include_tied": "1"}, follow=True)
    assert "3 entries entered Jury." in response.content.decode()
    assert RoundEntry.objects.filter(round=jury).count() == 3


def test_bad_action_input_is_a_message_not_a_500() -> None:
    data = scored_round(totals=[[(0, 5.0)]], n_judges=1)
    client = client_for(data.organizer)
    response = client.post(action_url(data), {"action": "rule", "mode": "top_n", "count": "many"}, follow=True)
    assert "Check the rule: Enter a whole number." in response.content.decode()
    response = client.post(action_url(data), {"action": "add", "submission": "999999", "reason": "x"}, follow=True)
    assert "There is no entry with that number in this edition." in response.content.decode()
    response = client.post(action_url(data), {"action": "decide_tie", "order": ["x"], "reason": "r"}, follow=True)
    assert "Order the tied entries and give a reason." in response.content.decode()
    assert client.post(action_url(data), {"action": "explode"}).status_code == 400
    assert not AuditEvent.objects.filter(action__startswith="round.").exists()


def test_final_ladder_tie_decision_and_publishing_from_the_page() -> None:
    data = final_round(finalists=3, jurors=2)
    a, b, c = (film.pk for film in data.finalists)
    from judging.final import services

    for juror, order in ((0, [a, b, c]), (1, [b, a, c])):
        services.submit_ballot(round=data.round, judge=data.jurors[juror], actor=data.jurors[juror].user, ranking=order)
    client = client_for(data.organizer)
    url = results_url(data.edition.pk) + f"?round={data.round.pk}"
    page = client.get(url).content.decode()
    assert "Tie for ranks 1–2 (Grand Prix / Gold)" in page
    assert "2 ballots cast." in page
    action = reverse("judging:results-action", kwargs={"edition_id": data.edition.pk, "round_id": data.round.pk})
    response = client.post(action, {"action": "publish"}, follow=True)
    assert "Decide the tie(s) at a tier boundary first: Finalist 0, Finalist 1." in response.content.decode()
    client.post(action, {"action": "decide_tie", "order": [str(b), str(a)], "reason": "Casting vote"})
    response = client.post(action, {"action": "publish"}, follow=True)
    body = response.content.decode()
    assert "Award ladder published: 3 awards." in body
    assert f"Grand Prix: #{b} Finalist 1" in body


def test_judges_do_not_see_the_organizer_nav_to_results() -> None:
    data = scored_round(totals=[[(0, 5.0)]], n_judges=1)
    judge = JudgeFactory.create(edition=data.edition)
    assert client_for(judge.user).get(results_url(data.edition.pk)).status_code == 404


def test_the_demo_organizer_sees_a_ranking_and_can_export_it(settings, tmp_path) -> None:
    from io import StringIO

    from django.core.management import call_command

    from festival.models import Edition

    settings.VAR_DIR = tmp_path
    call_command("seed_demo_judging", stdout=StringIO())
    from judging.selectors import counted_scores

    edition = Edition.objects.get(rounds__name="Screening")
    screening = edition.rounds.get(name="Screening")
    scored = counted_scores(screening).values("submission_id").distinct().count()
    assert scored > 0
    client = client_for(User.objects.get(email="organizer@laurel.test"))
    page = client.get(results_url(edition.pk)).content.decode()
    assert f"{scored} of 12 entries have counted scores." in page
    url = reverse("judging:results-export", kwargs={"edition_id": edition.pk, "round_id": screening.pk, "fmt": "csv"})
    lines = b"".join(client.get(url).streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 + scored


def test_results_page_without_rounds_or_scores_says_so() -> None:
    organizer = OrganizerFactory.create()
    from tests.factories import EditionFactory

    edition = EditionFactory.create(festival=organizer.festival)
    client = client_for(organizer.user)
    assert "This edition has no judging rounds yet." in client.get(results_url(edition.pk)).content.decode()
    RoundFactory.create(edition=edition, position=0, name="Screening")
    page = client.get(results_url(edition.pk)).content.decode()
    assert "0 of 0 entries have counted scores." in page
    assert "No counted scores yet." in page
