"""Judge pages and API: queue, scoring page, 404 for what is not the judge's, blindness, locking."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from festival.models import AuditEvent, User
from judging.models import Assignment, AssignmentState, ConflictKind, DeclaredConflict, Score, ScoreState, WatchSession
from submissions.models import Submission
from tests.factories import CategoryFactory, CreditFactory, OrganizerFactory, UserFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db

ENTRANT_NAME = "Zelda Quixote-Entrant"
ENTRANT_EMAIL = "zelda.entrant@example.org"


def judge_with_queue(entries: int = 3, **round_fields: object) -> tuple[Client, list[Assignment]]:
    round_ = rubric_round(**round_fields)
    judge = judge_of(round_.edition, name="Jo Judge")
    category = CategoryFactory.create(edition=round_.edition, name="Narrative")
    entrant = User.objects.filter(email=ENTRANT_EMAIL).first() or UserFactory.create(
        full_name=ENTRANT_NAME, email=ENTRANT_EMAIL
    )
    assignments = []
    for position in range(entries):
        entry = submitted_entry(
            round_.edition,
            entrant=entrant,
            category=category,
            title=f"Film {position}",
            prize_contact_name=ENTRANT_NAME,
            prize_contact_email=ENTRANT_EMAIL,
        )
        CreditFactory.create(submission=entry, name=ENTRANT_NAME, is_entrant=True)
        assignments.append(assign(round_, judge, entry, position=position + 1))
    client = Client()
    client.force_login(judge.user)
    return client, assignments


def page(a: Assignment) -> str:
    return f"/judge/rounds/{a.round_id}/entries/{a.pk}/"


def watch_token(client: Client, a: Assignment) -> str:
    """The signed watch token of one load of the scoring page."""
    body = client.get(page(a)).content.decode()
    data = json.loads(body.split('<script id="judging-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    token: str = data["session"]
    return token


def report_watch(client: Client, a: Assignment, token: str, seconds: float, duration: float | None = None) -> Any:
    return client.post(
        f"/api/judging/assignments/{a.pk}/watch/",
        json.dumps({"session": token, "watchedSeconds": seconds, "duration": duration}),
        content_type="application/json",
    )


def put_score(client: Client, a: Assignment, body: dict[str, object]) -> object:
    return client.put(f"/api/judging/assignments/{a.pk}/score/", json.dumps(body), content_type="application/json")


def all_values(a: Assignment, value: int = 8) -> dict[str, int]:
    return {str(c.pk): value for c in a.round.criteria.all()}


def test_the_queue_shows_progress_and_the_shuffled_order(django_assert_max_num_queries) -> None:
    client, assignments = judge_with_queue(entries=12)
    Assignment.objects.filter(pk=assignments[0].pk).update(position=99)
    Score.objects.create(
        round=assignments[1].round, judge=assignments[1].judge, submission=assignments[1].submission,
        assignment=assignments[1], state=ScoreState.SUBMITTED, submitted_at=timezone.now(), total=7.0,
    )  # fmt: skip

    # Constant in the number of entries: + the judge's conflicts at read time (5), unread mail (1),
    # and per round its next entry to score (2) and the page shown (1).
    with django_assert_max_num_queries(17):
        response = client.get("/judge/")

    body = response.content.decode()
    assert response.status_code == 200
    assert ">1 of 12</strong> scores submitted." in body
    assert body.index("Film 1<") < body.index("Film 11<") < body.index("Film 0<")
    assert f'href="{page(assignments[2])}">Continue with entry 2' in body.replace("\n", "")


def test_the_scoring_page_renders_the_rubric_without_a_player_yet(django_assert_max_num_queries) -> None:
    client, assignments = judge_with_queue()

    with django_assert_max_num_queries(22):
        response = client.get(page(assignments[1]))

    body = response.content.decode()
    assert response.status_code == 200
    for name in ("Story", "Originality", "Craft", "Use of AI"):
        assert f">{name} <span" in body or f">{name}<" in body
    assert "Film not available yet." in body
    assert f'href="{page(assignments[2])}" rel="next"' in body
    assert f'href="{page(assignments[0])}" rel="prev"' in body
    # Issue 14.8: a page view makes no watch session; the first watch report does.
    assert not WatchSession.objects.exists()


def test_no_judge_page_or_payload_carries_the_entrants_identity() -> None:
    client, assignments = judge_with_queue()
    a = assignments[0]
    put_score(client, a, {"version": 0, "values": {}})
    bodies = [
        client.get("/judge/").content.decode(),
        client.get(page(a)).content.decode(),
        client.get("/api/judging/assignments/").content.decode(),
        client.get(f"/api/judging/assignments/{a.pk}/score/").content.decode(),
    ]
    for body in bodies:
        assert ENTRANT_NAME not in body
        assert ENTRANT_EMAIL not in body
        assert "Quixote" not in body


def test_credits_show_only_when_the_round_allows() -> None:
    client, assignments = judge_with_queue(show_credits=True)
    assert ENTRANT_NAME in client.get(page(assignments[0])).content.decode()


@pytest.mark.parametrize("how", ["other judge", "withdrawn", "conflicted", "declared later", "wrong round"])
def test_entries_not_the_judges_are_404_on_pages_media_and_api(how: str) -> None:
    client, assignments = judge_with_queue()
    a = assignments[0]
    url = page(a)
    if how == "other judge":
        stranger = judge_of(a.round.edition)
        client.force_login(stranger.user)
    elif how == "withdrawn":
        Assignment.objects.filter(pk=a.pk).update(state=AssignmentState.WITHDRAWN)
    elif how == "conflicted":
        # Detected from credits, even before the conflict sweep ran.
        DeclaredConflict.objects.create(
            judge=a.judge, kind=ConflictKind.PERSON, value="x", normalized="zelda quixote entrant"
        )
    elif how == "declared later":
        DeclaredConflict.objects.create(
            judge=a.judge, kind=ConflictKind.ENTRY, value="e", normalized="e", submission=a.submission
        )
    elif how == "wrong round":
        url = f"/judge/rounds/{a.round_id + 1000}/entries/{a.pk}/"

    assert client.get(url).status_code == 404
    if how != "wrong round":
        assert client.get(f"/judge/entries/{a.pk}/media/hls/master.m3u8").status_code == 404
        assert client.get(f"/api/judging/assignments/{a.pk}/score/").status_code == 404
        assert put_score(client, a, {"version": 0, "values": {}}).status_code == 404  # type: ignore[attr-defined]
        assert (
            client.post(
                f"/api/judging/assignments/{a.pk}/watch/",
                json.dumps({"session": "00000000-0000-0000-0000-000000000000", "watchedSeconds": 1}),
                content_type="application/json",
            ).status_code
            == 404
        )
    assert Score.objects.count() == 0


def test_autosave_submit_and_a_stale_tab_through_the_api() -> None:
    client, assignments = judge_with_queue()
    a = assignments[0]
    story = str(a.round.criteria.get(name="Story").pk)

    saved = put_score(client, a, {"version": 0, "values": {story: 6}, "comment_to_organizers": "Good"})
    submitted = client.post(
        f"/api/judging/assignments/{a.pk}/score/submit/",
        json.dumps({"version": 1, "values": all_values(a)}),
        content_type="application/json",
    )
    stale = client.post(
        f"/api/judging/assignments/{a.pk}/score/submit/",
        json.dumps({"version": 1, "values": all_values(a)}),
        content_type="application/json",
    )

    assert saved.status_code == 200  # type: ignore[attr-defined]
    assert saved.json()["version"] == 1 and saved.json()["values"] == {story: 6}  # type: ignore[attr-defined]
    assert submitted.status_code == 200
    assert (submitted.json()["state"], submitted.json()["total"], submitted.json()["peers"]) == (
        "submitted",
        7.7778,
        [],
    )
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("This score was changed in another tab")
    events = AuditEvent.objects.filter(target_type="judging.score").order_by("id")
    assert [(e.action, e.ip) for e in events] == [("score.draft_saved", "127.0.0.1"), ("score.submitted", "127.0.0.1")]


def test_a_half_done_draft_with_empty_criteria_saves_and_submit_names_the_missing_ones() -> None:
    """The page sends unscored criteria as null: a draft keeps what is there; submit lists the rest."""
    client, assignments = judge_with_queue()
    a = assignments[0]
    criteria = list(a.round.criteria.order_by("pk"))
    half = {str(c.pk): (7 if i == 0 else None) for i, c in enumerate(criteria)}

    saved = put_score(client, a, {"version": 0, "values": half, "comment_to_organizers": ""})
    submitted = client.post(
        f"/api/judging/assignments/{a.pk}/score/submit/",
        json.dumps({"version": 1, "values": half}),
        content_type="application/json",
    )

    assert saved.status_code == 200  # type: ignore[attr-defined]
    assert saved.json()["values"] == {str(criteria[0].pk): 7}  # type: ignore[attr-defined]
    assert submitted.status_code == 400
    assert submitted.json()["fields"] == {
        str(c.pk): f"{c.name} is required before you submit." for c in criteria[1:] if c.required
    }
    assert Score.objects.get(assignment=a).state == ScoreState.DRAFT


def test_bad_input_gets_clear_errors_through_the_api() -> None:
    client, assignments = judge_with_queue()
    a = assignments[0]
    story = str(a.round.criteria.get(name="Story").pk)

    outside = put_score(client, a, {"version": 0, "values": {story: 42}})
    no_version = put_score(client, a, {"values": {story: 4}})
    missing = client.post(
        f"/api/judging/assignments/{a.pk}/score/submit/",
        json.dumps({"version": 0, "values": {story: 4}}),
        content_type="application/json",
    )

    assert outside.status_code == 400  # type: ignore[attr-defined]
    assert outside.json() == {  # type: ignore[attr-defined]
        "detail": "Story: 42 is outside the scale 1–10.",
        "fields": {story: "Story: 42 is outside the scale 1–10."},
    }
    assert no_version.status_code == 400  # type: ignore[attr-defined]
    assert no_version.json()["fields"] == {"version": "This field is required."}  # type: ignore[attr-defined]
    assert missing.status_code == 400
    assert sorted(missing.json()["fields"].values()) == [
        "Craft is required before you submit.",
        "Originality is required before you submit.",
        "Use of AI is required before you submit.",
    ]
    assert Score.objects.count() == 0


def test_a_closed_round_locks_the_page_and_the_api() -> None:
    client, assignments = judge_with_queue(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(days=1)
    )
    a = assignments[0]

    response = put_score(client, a, {"version": 0, "values": {}})
    body = client.get(page(a)).content.decode()

    assert response.status_code == 403  # type: ignore[attr-defined]
    assert response.json() == {  # type: ignore[attr-defined]
        "detail": "This round has closed: scores are locked and can no longer change."
    }
    assert "This round has closed: your score is locked." in body
    assert 'id="submit-score"' not in body


def test_peers_scores_stay_hidden_until_the_judge_submits() -> None:
    client, assignments = judge_with_queue()
    a = assignments[0]
    peer = judge_of(a.round.edition)
    Score.objects.create(
        round=a.round, judge=peer, submission=a.submission, state=ScoreState.SUBMITTED,
        submitted_at=timezone.now(), total=3.25, values={},
    )  # fmt: skip

    before = client.get(f"/api/judging/assignments/{a.pk}/score/").json()
    assert "Other judges" not in client.get(page(a)).content.decode()
    client.post(
        f"/api/judging/assignments/{a.pk}/score/submit/",
        json.dumps({"version": 0, "values": all_values(a)}),
        content_type="application/json",
    )
    after = client.get(f"/api/judging/assignments/{a.pk}/score/").json()

    assert before["peers"] is None
    assert after["peers"] == [{"judge": "Judge A", "total": 3.25, "values": {}}]
    assert "Other judges" in client.get(page(a)).content.decode()


def test_watch_reports_are_capped_by_wall_time() -> None:
    client, assignments = judge_with_queue()
    a = assignments[0]
    token = watch_token(client, a)

    response = report_watch(client, a, token, 600, 600)
    bad = report_watch(client, a, token, -1)

    assert response.status_code == 200
    assert response.json()["watched_seconds"] <= 6.0
    assert bad.status_code == 400


def test_twelve_parallel_loads_of_the_scoring_page_share_one_wall_clock() -> None:
    """Issue 13.6: each load reporting the whole film at once credits at most the slack."""
    client, assignments = judge_with_queue(entries=1)
    a = assignments[0]
    started = time.monotonic()
    tokens = [watch_token(client, a) for _ in range(12)]
    assert not WatchSession.objects.exists()
    answers = [report_watch(client, a, token, 62, 62) for token in tokens]
    again = report_watch(client, a, tokens[0], 62, 62)
    wall_clock = time.monotonic() - started

    assert [r.status_code for r in answers] == [200] * 12
    assert again.status_code == 409
    assert "playing in another window" in again.json()["detail"]
    a.refresh_from_db()
    assert a.watched_seconds <= wall_clock + 5.0  # the wall clock since the first load, plus the slack
    assert a.watched_share < 0.5
    assert WatchSession.objects.filter(assignment=a, superseded_at__isnull=True).count() == 1


def test_my_assignments_api_lists_the_queue_in_order(django_assert_max_num_queries) -> None:
    client, assignments = judge_with_queue(entries=8)
    judge_with_queue(entries=2)  # someone else's

    with django_assert_max_num_queries(11):  # + the judge's conflicts at read time (5)
        response = client.get("/api/judging/assignments/")

    results = response.json()["results"]
    assert [r["id"] for r in results] == [a.pk for a in assignments]
    assert results[0]["status"] == "new" and results[0]["category"] == "Narrative"
    assert results[0]["url"] == page(assignments[0])


def test_a_judge_declares_a_conflict_from_the_scoring_page() -> None:
    client, assignments = judge_with_queue(entries=2)
    a = assignments[0]

    response = client.post(f"/judge/entries/{a.pk}/conflict/", {"value": "My cousin"})

    a.refresh_from_db()
    assert response.status_code == 302
    assert a.state == AssignmentState.CONFLICTED
    assert client.get(page(a)).status_code == 404


def test_the_profile_page_declares_conflicts_and_preferences() -> None:
    client, assignments = judge_with_queue(entries=1)
    judge = assignments[0].judge
    category = assignments[0].submission.category
    assert category is not None
    url = f"/judge/editions/{judge.edition_id}/profile/"

    assert client.get(url).status_code == 200
    empty = client.post(url, {"action": "declare", "kind": "person", "value": "  "})
    client.post(url, {"action": "declare", "kind": "company", "value": "Acme Studios"})
    client.post(url, {"action": "preferences", "categories": [str(category.pk)]})

    assert empty.status_code == 400
    assert "Write the name of the person or company" in empty.content.decode()
    assert list(DeclaredConflict.objects.values_list("kind", "value", "normalized")) == [
        ("company", "Acme Studios", "acme studios")
    ]
    assert list(judge.preferences.values_list("category_id", flat=True)) == [category.pk]
    other = judge_of(judge.edition)
    assert client.get(f"/judge/editions/{other.edition_id + 999}/profile/").status_code == 404


def test_the_player_streams_through_the_judges_assignment_only(playable_film) -> None:
    client, assignments = judge_with_queue(entries=2)
    a, other = assignments
    Submission.objects.filter(pk=a.submission_id).update(film=playable_film)

    body = client.get(page(a)).content.decode()
    media = client.get(f"/judge/entries/{a.pk}/media/mp4/720p.mp4", HTTP_RANGE="bytes=0-9")
    unknown = client.get(f"/judge/entries/{a.pk}/media/mp4/other.mp4")
    no_film = client.get(f"/judge/entries/{other.pk}/media/mp4/720p.mp4")
    stranger = Client()
    stranger.force_login(judge_of(a.round.edition).user)

    assert "Film not available yet." not in body
    assert f'data-mp4="/judge/entries/{a.pk}/media/mp4/720p.mp4"' in body
    assert media.status_code == 206
    assert b"".join(media.streaming_content) == bytes(range(10))  # type: ignore[attr-defined]
    assert (unknown.status_code, no_film.status_code) == (404, 404)
    assert stranger.get(f"/judge/entries/{a.pk}/media/mp4/720p.mp4").status_code == 404


def test_the_watched_share_uses_the_processed_films_duration(playable_film) -> None:
    client, assignments = judge_with_queue(entries=1)
    a = assignments[0]
    Submission.objects.filter(pk=a.submission_id).update(film=playable_film)
    token = watch_token(client, a)
    report_watch(client, a, token, 0)
    WatchSession.objects.filter(assignment=a).update(started_at=timezone.now() - timedelta(minutes=2))

    # The client claims a 10 s film; the processed film is 40 s long.
    response = report_watch(client, a, token, 10, 10)

    assert response.json() == {"watched_seconds": 10.0, "watched_share": 0.25}


def test_an_inactive_judge_loses_access_to_their_entries() -> None:
    client, assignments = judge_with_queue(entries=1)
    a = assignments[0]
    type(a.judge).objects.filter(pk=a.judge_id).update(is_active=False)

    assert client.get(page(a)).status_code == 404
    assert client.get(f"/api/judging/assignments/{a.pk}/score/").status_code == 404
    assert client.get("/api/judging/assignments/").json()["results"] == []


def test_the_profile_page_query_count_is_bounded(django_assert_max_num_queries) -> None:
    client, assignments = judge_with_queue(entries=1)
    judge = assignments[0].judge
    for i in range(5):
        DeclaredConflict.objects.create(judge=judge, kind=ConflictKind.PERSON, value=f"P{i}", normalized=f"p{i}")
        CategoryFactory.create(edition=judge.edition)

    with django_assert_max_num_queries(10):
        response = client.get(f"/judge/editions/{judge.edition_id}/profile/")

    assert response.status_code == 200
    assert response.content.decode().count('name="categories"') == 6


def test_the_queue_links_a_juror_to_the_final_ballot_once_it_has_finalists() -> None:
    from judging.models import RoundEntry, RoundKind
    from tests.judging.factories import RoundFactory

    client, (assignment,) = judge_with_queue(entries=1)
    final = RoundFactory.create(edition=assignment.round.edition, name="Final", kind=RoundKind.FINAL)
    empty_final_page = client.get("/judge/").content.decode()
    RoundEntry.objects.create(round=final, submission=assignment.submission)

    body = client.get("/judge/").content.decode()

    assert f'href="/judge/final/{final.pk}/"' not in empty_final_page
    assert f'href="/judge/final/{final.pk}/"' in body
    assert f'href="/judge/final/{final.pk}/pairs/"' in body
    outsider = Client()
    outsider.force_login(judge_of(RoundFactory.create().edition).user)
    assert f'href="/judge/final/{final.pk}/"' not in outsider.get("/judge/").content.decode()


def test_a_long_queue_is_paged_and_opens_on_the_page_of_the_next_entry(django_assert_max_num_queries) -> None:
    client, assignments = judge_with_queue(entries=55)
    round_id = assignments[0].round_id
    first = client.get("/judge/").content.decode()
    for a in assignments[:52]:  # the judge is past the first page
        Score.objects.create(
            round=a.round,
            judge=a.judge,
            submission=a.submission,
            assignment=a,
            state=ScoreState.SUBMITTED,
            submitted_at=timezone.now(),
        )

    with django_assert_max_num_queries(17):  # the page read in SQL, whatever the queue's length
        resumed = client.get("/judge/").content.decode()
    chosen = client.get(f"/judge/?page-{round_id}=1").content.decode()

    assert "Entries 1–50 of 55" in first and page(assignments[0]) in first and page(assignments[50]) not in first
    assert "Entries 51–55 of 55" in resumed and page(assignments[52]) in resumed
    assert ">52 of 55</strong> scores submitted." in resumed
    assert "Entries 1–50 of 55" in chosen


@pytest.mark.parametrize("entries", [2, 40])
def test_the_queues_live_status_is_one_query_and_follows_submitted_scores(
    entries: int, django_assert_num_queries
) -> None:
    client, assignments = judge_with_queue(entries)
    a = assignments[0]
    client.post(
        f"/api/judging/assignments/{a.pk}/score/submit/",
        json.dumps({"version": 0, "values": all_values(a)}),
        content_type="application/json",
    )
    client.get("/judge/status/")
    with django_assert_num_queries(3):  # session, user, the one aggregate
        response = client.get("/judge/status/")
    assert response.json() == {
        "active": True,
        "values": {f"round-{a.round_id}-done": 1, f"round-{a.round_id}-summary": f"1 of {entries}"},
    }
    assert client.get("/judge/status/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_round_pages_live_status_is_the_organizers_only() -> None:
    client, assignments = judge_with_queue(2)
    round_ = assignments[0].round
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    organizer_client = Client()
    organizer_client.force_login(organizer)

    body = organizer_client.get(f"/organize/rounds/{round_.pk}/status/").json()

    judge = assignments[0].judge
    assert body["values"]["round-assignments"] == 2
    assert (body["values"][f"judge-{judge.pk}-assigned"], body["values"][f"judge-{judge.pk}-submitted"]) == (2, 0)
    assert client.get(f"/organize/rounds/{round_.pk}/status/").status_code == 404
