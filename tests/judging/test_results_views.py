"""The organizer's results page and its actions: permissions (404), query counts, decisions."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from festival.models import AuditEvent, User
from judging.models import AdvancementMode, RoundEntry, RoundKind
from judging.results import selectors as results
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
    # Session and roles (4), edition, rounds, snapshot, its state key (the round's conflicts, the
    # entries that left, the scores' and the entries' aggregates), rows, judges, criteria, the tie
    # band's titles, the Excel job, unread mail: the same whatever the number of entries.
    with django_assert_max_num_queries(21):
        response = client.get(results_url(data.edition.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "60 of 60 entries have counted scores." in body
    assert "Advance to Jury" in body
    band = results.round_results(data.round).cut()
    assert band is not None and 0 < len(band.band) < 30
    # Ranking, judges and criteria tables, the tie band's table and the picture's table fallback
    # (header + one row per entry each).
    assert body.count("<tr") == 1 + 60 + 1 + 6 + 1 + 2 + 1 + len(band.band) + 1 + 60
    assert body.count('<svg class="plot caterpillar"') == 1 and body.count('<svg class="plot judges-plot"') == 1
    assert body.count('<circle class="estimate band"') == len(band.band)
    assert body.count('<circle class="judge') == 6
    assert "style=" not in body.split("<main")[-1]
    assert f"Tie band at the cut ({len(band.band)} entries)" in body
    assert "Judge 0" in body and "C1" in body


def test_results_page_query_count_does_not_grow_with_entries(django_assert_max_num_queries) -> None:
    data = scored_round(n_entries=300, n_judges=10, k=3)
    ranked(data.round)
    client = client_for(data.organizer)
    with django_assert_max_num_queries(20):
        response = client.get(results_url(data.edition.pk), {"page": "2"})
    body = response.content.decode()
    assert body.count("Film ") == 100  # positions 201-300, read from the stored rows in SQL
    assert "Entries 201–300 of 300:" in body


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
    response = client.post(action_url(data), {"action": "advance", "confirm": "yes"}, follow=True)
    assert "a worker is recomputing it" in response.content.decode()  # the rule changed the cut
    ranked(data.round)
    page = client.get(results_url(data.edition.pk)).content.decode()
    assert "Tied exactly at the cut, a decision is needed" in page
    response = client.post(action_url(data), {"action": "advance", "include_tied": "1"}, follow=True)
    assert "Nothing changed: tick the box to confirm that you want to advance" in response.content.decode()
    assert RoundEntry.objects.filter(round=jury).count() == 0
    response = client.post(action_url(data), {"action": "advance", "confirm": "yes"}, follow=True)
    assert "exactly the same calibrated score at the cut" in response.content.decode()
    assert RoundEntry.objects.filter(round=jury).count() == 0
    response = client.post(action_url(data), {"action": "advance", "include_tied": "1", "confirm": "yes"}, follow=True)
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
        services.submit_ballot(
            round_=data.round, judge=data.jurors[juror], actor=data.jurors[juror].user, ranking=order
        )
    client = client_for(data.organizer)
    url = results_url(data.edition.pk) + f"?round={data.round.pk}"
    page = client.get(url).content.decode()
    assert "Tie for ranks 1–2 (Grand Prix / Gold)" in page
    assert "2 ballots cast." in page
    action = reverse("judging:results-action", kwargs={"edition_id": data.edition.pk, "round_id": data.round.pk})
    response = client.post(action, {"action": "publish", "confirm": "yes"}, follow=True)
    assert "Decide the tie(s) at a tier boundary first: Finalist 0, Finalist 1." in response.content.decode()
    client.post(action, {"action": "decide_tie", "order": [str(b), str(a)], "reason": "Casting vote"})
    unconfirmed = client.post(action, {"action": "publish"}, follow=True).content.decode()
    assert "Nothing changed: tick the box to confirm that you want to publish the award ladder." in unconfirmed
    assert "Award ladder published" not in unconfirmed
    assert 'name="confirm" value="yes" required' in unconfirmed
    response = client.post(action, {"action": "publish", "confirm": "yes"}, follow=True)
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
    from judging.scoring.selectors import counted_scores

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


def test_advancing_through_a_tie_band_needs_the_organizers_confirmation() -> None:
    data = scored_round(n_entries=40, n_judges=4, k=2, seed=3)
    data.round.advancement_mode = AdvancementMode.TOP_N
    data.round.advance_count = 8
    data.round.save()
    jury = RoundFactory.create(edition=data.edition, position=1, kind=RoundKind.JURY, name="Jury")
    cut = results.round_results(data.round).cut()
    assert cut is not None and cut.needs_confirmation and not cut.needs_decision
    ranked(data.round)
    client = client_for(data.organizer)
    page = client.get(results_url(data.edition.pk)).content.decode()
    assert 'name="confirm_band"' in page
    response = client.post(action_url(data), {"action": "advance", "confirm": "yes"}, follow=True)
    assert "cannot be told apart from it" in response.content.decode()
    assert RoundEntry.objects.filter(round=jury).count() == 0
    response = client.post(action_url(data), {"action": "advance", "confirm_band": "1", "confirm": "yes"}, follow=True)
    assert "8 entries entered Jury." in response.content.decode()
    event = AuditEvent.objects.get(action="round.advanced")
    assert event.after is not None and event.after["band_confirmed"] is True
    assert len(event.after["band"]) == len(cut.band)
    assert all(0.0 <= p <= 1.0 for p in event.after["band"].values())


def test_a_degenerate_judge_model_is_said_on_the_page_and_the_ranking_falls_back_to_z_scores() -> None:
    import numpy as np

    from judging.results.calibration.simulation import balanced_assignment

    rng = np.random.default_rng(4)
    judge, entry = balanced_assignment(90, 6, 3, rng)
    totals: list[list[tuple[int, float]]] = [[] for _ in range(90)]
    for j, e in zip(judge.tolist(), entry.tolist(), strict=True):
        totals[e].append((j, round(float(rng.uniform(3, 8)), 1)))  # pure noise: no film is better
    data = scored_round(totals=totals, n_judges=6)
    outcome = results.round_results(data.round)
    assert (outcome.calibration.model.converged, outcome.calibration.primary) == (False, "z")
    ranked(data.round)
    body = client_for(data.organizer).get(results_url(data.edition.pk)).content.decode()
    assert "The judge model cannot be trusted on these scores (the fitted quality spread" in body
    assert "use per-judge z-scores instead." in body
    z_first = int(outcome.entry_ids[outcome.calibration.ranking("z").order[0]])
    ranking_table = body.split(f"Entries of {data.round.name}, best first</caption>")[1].split("<tbody>")[1]
    assert ranking_table.split("<td>#")[1].startswith(f"{z_first} ")  # the first row is z's best


def test_a_judge_harsh_on_heavy_ai_films_is_flagged_on_the_results_page() -> None:
    import numpy as np

    from judging.results.calibration.simulation import balanced_assignment
    from submissions.models import AIUse, ProductionStage

    rng = np.random.default_rng(8)
    quality = rng.uniform(3, 8, 120)
    heavy = set(range(0, 120, 3))  # every third film declares heavy AI use
    judge, entry = balanced_assignment(120, 5, 3, rng)
    totals: list[list[tuple[int, float]]] = [[] for _ in range(120)]
    for j, e in zip(judge.tolist(), entry.tolist(), strict=True):
        penalty = 2.5 if j == 0 and e in heavy else 0.0  # Judge 0 marks heavy-AI films down
        totals[e].append((j, round(float(np.clip(quality[e] - penalty + rng.normal(0, 0.3), 0, 10)), 1)))
    data = scored_round(totals=totals, n_judges=5)
    AIUse.objects.bulk_create(
        AIUse(submission=data.submissions[e], stage=ProductionStage.VIDEO, tool_other="Gen", runtime_share_percent=80)
        for e in sorted(heavy)
    )
    ranked(data.round)
    body = client_for(data.organizer).get(results_url(data.edition.pk)).content.decode()
    flags = body.split('id="flags-title"')[1].split("</section>")[0]
    assert flags.count("<tr>") == 2  # the header and one judge
    assert "<td>Judge 0</td><td>AI-use disclosure</td><td>heavy AI use (half the runtime or more)</td>" in flags


def test_the_caterpillar_zooms_to_the_cut_on_a_large_round() -> None:
    data = scored_round(n_entries=600, n_judges=12, k=2, seed=2)
    data.round.advancement_mode = AdvancementMode.TOP_N
    data.round.advance_count = 300
    data.round.save()
    ranked(data.round)
    body = client_for(data.organizer).get(results_url(data.edition.pk)).content.decode()
    svg = body.split('<svg class="plot caterpillar"')[1].split("</svg>")[0]
    assert svg.count('<circle class="estimate') == 200
    assert "positions 201-400 of 600 (around the cut)" in svg
    assert '<line class="cut-line"' in svg
    assert "With 600 entries the\n    picture zooms to positions 201–400, around the cut." in body
