"""Adaptive judging: one more judge for the entries least certain at the cut, audited, seeded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from festival.models import AuditEvent
from judging.assignment.adaptive import AdaptiveError, request_more_judging
from judging.models import AdvancementMode, Assignment, AssignmentSource, AssignmentState, Score
from judging.results import selectors as results
from judging.results.calibration import least_certain
from tests.judging.rank_factories import ScoredRound, scored_round

pytestmark = pytest.mark.django_db


def first_pass() -> ScoredRound:
    """40 entries, 6 judges, 2 each, every score with its assignment; the top 8 advance."""
    data = scored_round(n_entries=40, n_judges=6, k=2, seed=5)
    round_ = data.round
    round_.judges_per_entry = 2
    round_.advancement_mode = AdvancementMode.TOP_N
    round_.advance_count = 8
    round_.opens_at = timezone.now() - timedelta(hours=1)
    round_.save()
    pairs = list(Score.objects.filter(round=round_).values_list("judge_id", "submission_id"))
    Assignment.objects.bulk_create(
        Assignment(round=round_, judge_id=j, submission_id=s, position=i) for i, (j, s) in enumerate(pairs)
    )
    return data


def extra_pairs(data: ScoredRound) -> list[tuple[int, int]]:
    return sorted(
        Assignment.objects.filter(round=data.round, source=AssignmentSource.ADAPTIVE).values_list(
            "submission_id", "judge_id"
        )
    )


def test_more_judging_gives_one_more_judge_to_the_least_certain_entries() -> None:
    data = first_pass()
    outcome = results.round_results(data.round)
    cut = outcome.cut()
    assert cut is not None
    expected = outcome.submission_ids(least_certain(outcome.calibration.ranking(), cut, 10))
    done = request_more_judging(round_=data.round, budget=10, seed=3, actor=data.organizer)
    assert (done.created, done.proposed, done.short) == (10, expected, {})
    pairs = extra_pairs(data)
    assert sorted(s for s, _ in pairs) == sorted(expected)  # one more each
    scored = set(Score.objects.filter(round=data.round).values_list("submission_id", "judge_id"))
    assert not scored & set(pairs)  # never a judge who already had the entry
    active = Assignment.objects.filter(round=data.round, state=AssignmentState.ACTIVE, submission_id__in=expected)
    assert active.count() == 30
    event = AuditEvent.objects.get(action="assignment.more_judging")
    assert event.actor == data.organizer and event.after is not None
    assert (event.after["seed"], event.after["budget"], event.after["created"], event.after["entries"]) == (
        3,
        10,
        10,
        expected,
    )
    # Reproducible: the same scores, budget and seed propose the same assignments.
    Assignment.objects.filter(round=data.round, source=AssignmentSource.ADAPTIVE).delete()
    request_more_judging(round_=data.round, budget=10, seed=3, actor=data.organizer)
    assert extra_pairs(data) == pairs


def test_more_judging_needs_a_rule_an_open_round_and_a_sane_budget() -> None:
    data = first_pass()
    with pytest.raises(AdaptiveError, match="from 1 to"):
        request_more_judging(round_=data.round, budget=0, seed=0, actor=data.organizer)
    data.round.advancement_mode = AdvancementMode.NONE
    data.round.save()
    with pytest.raises(AdaptiveError, match="Set an advancement rule first"):
        request_more_judging(round_=data.round, budget=5, seed=0, actor=data.organizer)
    data.round.closes_at = timezone.now() - timedelta(minutes=1)
    data.round.save()
    with pytest.raises(AdaptiveError, match="This round is closed"):
        request_more_judging(round_=data.round, budget=5, seed=0, actor=data.organizer)
    assert not AuditEvent.objects.filter(action="assignment.more_judging").exists()


def test_the_round_page_asks_for_more_judging() -> None:
    data = first_pass()
    client = Client()
    client.force_login(data.organizer)
    url = f"/organize/rounds/{data.round.pk}/"
    assert 'value="more_judging"' in client.get(url).content.decode()
    bad = client.post(url, {"action": "more_judging", "budget": "lots"}, follow=True)
    assert "The budget is a whole number of extra scores." in bad.content.decode()
    page = client.post(url, {"action": "more_judging", "budget": "6", "seed": "1"}, follow=True)
    assert "6 extra assignments for the 6 entries least certain at the cut; 0 could not get another judge." in (
        page.content.decode()
    )
    assert len(extra_pairs(data)) == 6
