"""Stored rankings: computed once per change in a worker, read by pages, API, advancement, exports."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from judging.models import RankingRow, RankingSnapshot, Score, ScoreState
from judging.results import rankings
from judging.results import services as ranking_services
from tests.conftest import WorkerProcess
from tests.judging.rank_factories import ScoredRound, ranked, scored_round


@pytest.fixture(autouse=True)
def _no_refresh_lock_left_over() -> None:
    cache.clear()


def three_entries() -> ScoredRound:
    return scored_round(totals=[[(0, 9.0), (1, 8.0)], [(0, 6.0), (1, 5.0)], [(0, 3.0), (1, 2.0)]], n_judges=2)


def results_page(data: ScoredRound) -> str:
    client = Client()
    client.force_login(data.organizer)
    return client.get(reverse("judging:results", kwargs={"edition_id": data.edition.pk})).content.decode()


@pytest.mark.django_db
def test_a_snapshot_stores_every_row_and_is_current_until_a_score_changes() -> None:
    data = three_entries()
    snapshot = ranked(data.round)

    stored = rankings.ranking_of(data.round)
    assert stored.is_current
    assert [(row.position, row.title, row.raw) for row in stored.rows()] == [
        (1, "Film 000", 8.5),
        (2, "Film 001", 5.5),
        (3, "Film 002", 2.5),
    ]
    assert (stored.scored, stored.entries_in_round) == (3, 3)

    Score.objects.filter(round=data.round, submission=data.submissions[2]).update(
        state=ScoreState.DRAFT, submitted_at=None, updated_at=timezone.now()
    )

    assert not rankings.ranking_of(data.round).is_current
    again = ranked(data.round)
    assert again.pk != snapshot.pk
    assert list(RankingSnapshot.objects.filter(round=data.round)) == [again]  # the old one is gone
    assert RankingRow.objects.filter(snapshot=again).count() == 2


@pytest.mark.django_db
def test_refreshing_an_unchanged_round_keeps_its_snapshot() -> None:
    data = three_entries()
    first = ranked(data.round)
    assert ranked(data.round) == first


@pytest.mark.django_db
def test_the_results_page_never_calibrates_and_says_when_it_shows_an_earlier_ranking(monkeypatch) -> None:
    data = three_entries()
    ranked(data.round)
    Score.objects.filter(round=data.round, submission=data.submissions[0]).update(total=1.0, updated_at=timezone.now())
    queued: list[int] = []
    monkeypatch.setattr(ranking_services, "enqueue_ranking_refresh", lambda *, round_id: queued.append(round_id))

    def no_calibration(*args: object, **kwargs: object) -> None:
        raise AssertionError("a page calibrated inside the request")

    monkeypatch.setattr("judging.results.selectors.round_results", no_calibration)

    page = results_page(data)
    assert "Scores, entries or conflicts changed since this ranking was computed" in page
    assert "Film 000" in page  # the earlier ranking, labelled as such
    second = results_page(data)  # a second view while the first refresh is queued queues nothing more
    assert "a worker is recomputing it" in second


@pytest.mark.django_db
def test_a_refresh_is_queued_once_per_round_until_the_worker_is_done(django_capture_on_commit_callbacks) -> None:
    data = three_entries()
    with django_capture_on_commit_callbacks() as callbacks:
        assert ranking_services.request_ranking_refresh(round_id=data.round.pk) is True
        assert ranking_services.request_ranking_refresh(round_id=data.round.pk) is False
    assert len(callbacks) == 1
    ranking_services.release_refresh_lock(round_id=data.round.pk)
    assert ranking_services.request_ranking_refresh(round_id=data.round.pk) is True


@pytest.mark.django_db
def test_without_a_snapshot_the_page_says_the_ranking_is_being_computed(monkeypatch) -> None:
    data = three_entries()
    monkeypatch.setattr(ranking_services, "enqueue_ranking_refresh", lambda *, round_id: None)
    page = results_page(data)
    assert "The ranking is being computed by a worker." in page
    assert "Film 000" not in page


@pytest.mark.django_db
def test_results_page_query_count_is_the_same_at_two_sizes(django_assert_num_queries) -> None:
    counts = []
    for n in (20, 400):
        data = scored_round(n_entries=n, n_judges=8, k=3)
        ranked(data.round)
        client = Client()
        client.force_login(data.organizer)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("judging:results", kwargs={"edition_id": data.edition.pk}))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.services
def test_a_real_worker_computes_the_ranking_after_a_page_view(celery_worker: WorkerProcess) -> None:
    data = three_entries()
    assert "being computed by a worker" in results_page(data)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not rankings.ranking_of(data.round).is_current:
        time.sleep(0.2)
    assert rankings.ranking_of(data.round).is_current, celery_worker.log()
    assert "Ranking computed" in results_page(data)


@pytest.mark.django_db
def test_results_api_query_count_is_the_same_at_two_sizes() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (20, 400):
        data = scored_round(n_entries=n, n_judges=8, k=3)
        ranked(data.round)
        client = Client()
        client.force_login(data.organizer)
        url = reverse("judging:api-results", kwargs={"edition_id": data.edition.pk})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"limit": "100"})
        assert response.status_code == 200
        assert len(response.json()["rounds"][0]["entries"]) == min(n, 100)
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_results_page_shows_the_most_lenient_and_harshest_judges_and_all_on_request(monkeypatch) -> None:
    from judging.results import views as results_views

    monkeypatch.setattr(results_views, "JUDGE_ENDS", 2)
    data = scored_round(n_entries=24, n_judges=7, k=3)
    ranked(data.round)
    everyone = [row.name for row in rankings.ranking_of(data.round).judges()]  # most lenient first
    assert len(everyone) == 7
    client = Client()
    client.force_login(data.organizer)
    url = reverse("judging:results", kwargs={"edition_id": data.edition.pk})

    table = client.get(url).content.decode().split('id="judges-table"')[1].split("</table>")[0]
    assert [name for name in everyone if f"<td>{name}</td>" in table] == everyone[:2] + everyone[-2:]
    assert "3 judges between the 2 most lenient (above) and the 2 harshest (below)" in table
    assert table.index(everyone[1]) < table.index("3 judges between") < table.index(everyone[-2])

    table = client.get(url, {"judges": "all"}).content.decode().split('id="judges-table"')[1].split("</table>")[0]
    assert [name for name in everyone if f"<td>{name}</td>" in table] == everyone
    assert "judges between" not in table


@pytest.mark.django_db
def test_a_page_of_rows_is_a_range_of_positions_the_last_as_the_first() -> None:
    data = scored_round(n_entries=30, n_judges=4, k=3)
    ranking = rankings.ranking_of(data.round) if ranked(data.round) else None
    assert ranking is not None
    every = [row.submission_id for row in ranking.rows()]
    assert [row.position for row in ranking.rows()] == list(range(1, 31))
    assert [row.submission_id for row in ranking.rows(offset=10, limit=5)] == every[10:15]
    assert [row.submission_id for row in ranking.rows(offset=25, limit=10)] == every[25:]
    assert ranking.rows(offset=30, limit=10) == []
