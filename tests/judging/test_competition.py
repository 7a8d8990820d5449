"""Judging follows the competition: an entry withdrawn or disqualified after judging began is
gone from every judging read (queue, scoring page and API, media, results, advancement,
exports, the final) and can never receive an award."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from festival.models import JudgeMembership, User
from judging.assignment.services import assign_round
from judging.final import selectors as final_selectors
from judging.final import services as final_services
from judging.models import AdvancementMode, Assignment, AwardDecision, Round, RoundEntry, RoundKind, Score, ScoreState
from judging.results import advancement
from judging.results import selectors as results
from judging.rounds.competition import entries_that_left
from media.models import Film
from submissions import services as submission_services
from submissions.models import Submission
from tests.factories import OrganizerFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry
from tests.judging.rank_factories import FinalRound, RoundFactory, final_round, ranked

pytestmark = pytest.mark.django_db

REASON = "The film was made before the eligibility date."


def disqualify(submission: Submission, organizer: User) -> None:
    submission_services.disqualify_submission(submission=submission, actor=organizer, reason=REASON)


def withdraw(submission: Submission, organizer: User) -> None:
    submission_services.withdraw_submission(submission=submission, actor=submission.entrant)


LEAVE: dict[str, Callable[[Submission, User], None]] = {"disqualified": disqualify, "withdrawn": withdraw}


def cast_all(data: FinalRound, order: list[int]) -> None:
    for juror in data.jurors:
        final_services.submit_ballot(
            round_=data.round, judge=juror, actor=juror.user, ranking=[data.finalists[i].pk for i in order]
        )


def download(client: Client, round_: Round, fmt: str) -> bytes:
    kwargs = {"edition_id": round_.edition_id, "round_id": round_.pk, "fmt": fmt}
    response = client.get(reverse("judging:results-export", kwargs=kwargs))
    assert response.status_code == 200
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


@pytest.mark.parametrize("how", ["disqualified", "withdrawn"])
def test_a_finalist_that_left_cannot_be_published_until_the_organizer_decides_again(how: str) -> None:
    data = final_round(finalists=4, jurors=3)
    cast_all(data, [0, 1, 2, 3])  # the jury's Grand Prix: Finalist 0
    favourite = data.finalists[0]
    LEAVE[how](favourite, data.organizer)

    with pytest.raises(final_services.FinalError) as refused:
        final_services.publish_awards(round_=data.round, decided_by=data.organizer)

    favourite.refresh_from_db()
    when = favourite.disqualified_at if how == "disqualified" else favourite.withdrawn_at
    assert when is not None
    assert refused.value.message == (
        f"Not published: “Finalist 0” (#{favourite.pk}) {how} on {when:%d %b %Y %H:%M} UTC no longer competes. "
        "Take it out of the final, check the ladder without it, and publish again."
    )
    assert not AwardDecision.objects.exists()
    # Gone from the final's reads already: ballots, finalists, the ladder.
    outcome = final_selectors.final_outcome(data.round)
    assert set(outcome.finalists) == {f.pk for f in data.finalists[1:]}
    assert [p.entry for p in outcome.ladder.placements] == [f.pk for f in data.finalists[1:]]
    assert favourite not in final_selectors.ballot_finalists(data.round, data.jurors[0])

    advancement.remove_round_entry(
        round_=data.round, submission=favourite, decided_by=data.organizer, reason="Left the festival."
    )
    awards = final_services.publish_awards(round_=data.round, decided_by=data.organizer)

    assert [(a.rank, a.submission_id) for a in awards] == [
        (1, data.finalists[1].pk),
        (2, data.finalists[2].pk),
        (3, data.finalists[3].pk),
    ]
    assert awards[0].tier.name == "Grand Prix"


def test_an_award_to_an_entry_disqualified_after_publishing_is_gone_from_api_and_exports() -> None:
    data = final_round(finalists=3, jurors=3)
    cast_all(data, [0, 1, 2])
    final_services.publish_awards(round_=data.round, decided_by=data.organizer)
    winner = data.finalists[0]
    disqualify(winner, data.organizer)
    client = Client()
    client.force_login(data.organizer)

    rows = csv_rows(download(client, data.round, "csv"))
    api = client.get(reverse("judging:api-results", kwargs={"edition_id": data.edition.pk})).json()

    assert [row[2] for row in rows[1:]] == [str(data.finalists[1].pk), str(data.finalists[2].pk)]
    assert [a["submission_id"] for a in api["rounds"][0]["awards"]] == [data.finalists[1].pk, data.finalists[2].pk]
    with pytest.raises(final_services.FinalError):  # publishing again waits for the organizer's decision
        final_services.publish_awards(round_=data.round, decided_by=data.organizer)


@dataclass
class LeftCase:
    round: Round
    organizer: User
    best: Submission  # left the competition
    second: Submission
    gone: Assignment  # the judge's assignment of ``best``
    kept: Assignment
    client: Client  # signed in as the judge


@pytest.fixture
def left_entry(playable_film: Film) -> Callable[[str], LeftCase]:
    """A screening round (top 1 advances) with two scored entries; ``how`` takes the best one out."""

    def build(how: str) -> LeftCase:
        round_ = rubric_round(judges_per_entry=1, advancement_mode=AdvancementMode.TOP_N, advance_count=1)
        RoundFactory.create(edition=round_.edition, position=round_.position + 1, name="Jury")
        organizer = OrganizerFactory.create(festival=round_.edition.festival).user
        judge = judge_of(round_.edition, name="Jo Judge")
        other_judge = judge_of(round_.edition, name="Kim Judge")
        best = submitted_entry(round_.edition, title="Best Film", film=playable_film)
        second = submitted_entry(round_.edition, title="Second Film")
        gone = assign(round_, judge, best, position=1)
        kept = assign(round_, judge, second, position=2)
        assign(round_, other_judge, best, position=1)
        now = timezone.now()
        for j, entry, total in ((judge, best, 9.0), (judge, second, 6.0), (other_judge, best, 8.5)):
            Score.objects.create(
                round=round_, judge=j, submission=entry, state=ScoreState.SUBMITTED, submitted_at=now, total=total
            )
        LEAVE[how](best, organizer)
        best.refresh_from_db()
        client = Client()
        client.force_login(judge.user)
        return LeftCase(round_, organizer, best, second, gone, kept, client)

    return build


@pytest.mark.parametrize("how", ["disqualified", "withdrawn"])
def test_an_entry_that_left_is_gone_from_every_judging_read(how: str, left_entry: Callable[[str], LeftCase]) -> None:
    case = left_entry(how)
    client, gone = case.client, case.gone

    queue = client.get("/judge/").content.decode()
    listed = client.get("/api/judging/assignments/").json()
    page = client.get(f"/judge/rounds/{case.round.pk}/entries/{gone.pk}/")
    score_api = client.get(f"/api/judging/assignments/{gone.pk}/score/")
    media = client.get(f"/judge/entries/{gone.pk}/media/mp4/720p.mp4")
    outcome = results.round_results(case.round)

    assert "Best Film" not in queue and "Second Film" in queue
    assert [row["id"] for row in listed["results"]] == [case.kept.pk]
    assert (page.status_code, score_api.status_code, media.status_code) == (404, 404, 404)
    assert outcome.submission_ids(outcome.calibration.ranking("model").order) == [case.second.pk]
    assert outcome.entries_in_round == 1
    ranked(case.round)  # advancement reads the stored ranking, recomputed once the entry left
    advanced = advancement.apply_advancement(round_=case.round, decided_by=case.organizer)
    assert advanced.added == [case.second.pk]


def test_the_round_page_says_which_entries_left_and_when(left_entry: Callable[[str], LeftCase]) -> None:
    case = left_entry("disqualified")
    client = Client()
    client.force_login(case.organizer)

    body = client.get(f"/organize/rounds/{case.round.pk}/").content.decode()
    left = entries_that_left(case.round)

    assert [(e.submission_id, e.how, e.left_at, e.reason) for e in left] == [
        (case.best.pk, "Disqualified", case.best.disqualified_at, REASON)
    ]
    assert "Entries that left" in body
    assert f"#{case.best.pk} Best Film</td><td>Disqualified</td>" in body
    assert REASON in body
    assert (
        '<span data-live="round-entries">1</span> entries, '
        '<span data-live="round-assignments">1</span> active assignments' in body
    )


def test_an_export_follows_the_competition(left_entry: Callable[[str], LeftCase]) -> None:
    case = left_entry("disqualified")
    client = Client()
    client.force_login(case.organizer)

    ranked(case.round)  # what the worker does once the entry has left
    rows = csv_rows(download(client, case.round, "csv"))
    data = json.loads(download(client, case.round, "json"))

    assert [row[4] for row in rows[1:]] == ["Second Film"]
    assert [item["title"] for item in data["entries"]] == ["Second Film"]
    assert data["entries_in_round"] == 1


def test_an_entry_that_left_cannot_be_put_back_or_given_to_a_judge() -> None:
    round_ = rubric_round()
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    entry = submitted_entry(round_.edition)
    judge: JudgeMembership = judge_of(round_.edition)
    RoundEntry.objects.create(round=round_, submission=entry)
    disqualify(entry, organizer)
    later = RoundFactory.create(edition=round_.edition, position=round_.position + 1, kind=RoundKind.JURY)

    with pytest.raises(advancement.AdvancementError) as refused:
        advancement.add_round_entry(round_=later, submission=entry, decided_by=organizer, reason="Wild card.")
    assert refused.value.message == f"Entry #{entry.pk} is not a submitted entry (withdrawn, disqualified or draft)."
    assert assign_round(round_=round_, actor=organizer).created == 0
    assert not judge.assignments.exists()
