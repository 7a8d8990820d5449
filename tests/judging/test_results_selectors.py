"""Results selectors and advancement services against the database."""

from __future__ import annotations

import pytest

from festival.models import AuditEvent
from judging.models import AdvancementMode, RoundEntry, RoundKind
from judging.results import advancement
from judging.results import selectors as results
from tests.factories import SubmissionFactory
from tests.judging.rank_factories import RoundFactory, ranked, scored_round

pytestmark = pytest.mark.django_db


def hand_round():
    # Judge 0 is lenient (+2); judge 1 is strict. Entry 2 and 3 get identical scores.
    return scored_round(
        totals=[
            [(0, 9.0), (1, 7.0)],
            [(0, 8.0), (1, 6.0)],
            [(0, 6.0), (1, 4.0)],
            [(0, 6.0), (1, 4.0)],
            [(0, 4.0), (1, 2.0)],
        ],
        n_judges=2,
        criteria=2,
    )


def test_round_results_rank_entries_and_share_tied_ranks(django_assert_max_num_queries) -> None:
    data = hand_round()
    # The scores, the entries' categories and AI-use levels, the rubric's steps, the round's entry
    # count, and the round's conflicts (5).
    with django_assert_max_num_queries(9):
        outcome = results.round_results(data.round)
    titles = results.titles_for(data.round)
    rows = list(results.result_rows(outcome, titles=titles))
    assert [row.title for row in rows] == ["Film 000", "Film 001", "Film 002", "Film 003", "Film 004"]
    assert [row.raw for row in rows] == [8.0, 7.0, 5.0, 5.0, 3.0]
    assert [row.rank for row in rows] == [1, 2, 3, 3, 5]
    assert [row.tied for row in rows] == [False, False, True, True, False]
    assert [row.raw_rank for row in rows] == [1, 2, 3, 3, 5]
    assert all(row.low is not None and row.high is not None and row.model is not None for row in rows)
    assert all(row.low < row.model < row.high for row in rows)  # type: ignore[operator]
    assert outcome.entries_in_round == 5
    assert outcome.scored == 5


def test_judge_rows_show_leniency_and_scale() -> None:
    outcome = results.round_results(hand_round().round)
    rows = results.judge_rows(outcome)
    assert [(row.name, row.n_scores, row.mean) for row in rows] == [("Judge 0", 5, 6.6), ("Judge 1", 5, 4.6)]
    assert rows[0].leniency is not None and rows[1].leniency is not None
    assert rows[0].leniency > 0 > rows[1].leniency


def test_total_resolution_is_the_weighted_step_of_the_rubric() -> None:
    data = hand_round()  # two criteria on 1-10: a step of 10/9 on the 0-10 total
    assert results.total_resolution(data.round) == pytest.approx(10 / 9)
    assert results.total_resolution(scored_round(totals=[], n_judges=1).round) == 0.0


def test_criterion_stats_per_rubric_line() -> None:
    stats = results.criterion_stats(hand_round().round)
    assert [(s.criterion.name, s.n, round(s.mean, 4)) for s in stats] == [("C0", 10, 5.6), ("C1", 10, 5.6)]
    assert stats[0].correlation == pytest.approx(1.0)


def test_excluded_and_draft_scores_do_not_count() -> None:
    data = hand_round()
    data.round.scores.filter(submission=data.submissions[0]).update(excluded=True)
    data.round.scores.filter(submission=data.submissions[1], judge=data.judges[0]).update(
        state="draft", submitted_at=None
    )
    outcome = results.round_results(data.round)
    rows = list(results.result_rows(outcome, titles=results.titles_for(data.round)))
    assert [(row.title, row.n_scores) for row in rows] == [
        ("Film 001", 1),
        ("Film 002", 2),
        ("Film 003", 2),
        ("Film 004", 2),
    ]


def with_next_round(data, mode: str, *, count: int | None = None, share: float | None = None):
    data.round.advancement_mode = mode
    data.round.advance_count = count
    data.round.advance_share = share
    data.round.save()
    jury = RoundFactory.create(edition=data.edition, position=1, kind=RoundKind.JURY, name="Jury")
    ranked(data.round)
    return jury


def test_apply_advancement_top_n_enters_the_best_in_the_next_round() -> None:
    data = hand_round()
    jury = with_next_round(data, AdvancementMode.TOP_N, count=2)
    done = advancement.apply_advancement(round_=data.round, decided_by=data.organizer, ip="10.0.0.1")
    expected = [data.submissions[0].pk, data.submissions[1].pk]
    assert (done.next_round, done.added, done.already) == (jury, expected, 0)
    assert sorted(RoundEntry.objects.filter(round=jury).values_list("submission_id", flat=True)) == expected
    event = AuditEvent.objects.get(action="round.advanced")
    assert event.after is not None
    assert (event.actor, event.ip, event.after["added"], event.after["count"]) == (
        data.organizer,
        "10.0.0.1",
        expected,
        2,
    )
    again = advancement.apply_advancement(round_=data.round, decided_by=data.organizer)
    assert (again.added, again.already) == ([], 2)


def test_a_tie_at_the_cut_needs_a_decision() -> None:
    data = hand_round()
    jury = with_next_round(data, AdvancementMode.TOP_N, count=3)
    with pytest.raises(advancement.AdvancementTie) as caught:
        advancement.apply_advancement(round_=data.round, decided_by=data.organizer)
    tied = [data.submissions[2].pk, data.submissions[3].pk]
    assert caught.value.tied == tied
    assert "exactly the same calibrated score at the cut" in caught.value.message
    assert RoundEntry.objects.filter(round=jury).count() == 0
    done = advancement.apply_advancement(round_=data.round, decided_by=data.organizer, include_tied=True)
    assert done.added == [data.submissions[0].pk, data.submissions[1].pk, *tied]
    assert AuditEvent.objects.get(action="round.advanced").after == {
        "to_round": jury.pk,
        "rule": {"mode": "top_n", "count": 3, "share": None},
        "count": 4,
        "added": done.added,
        "tied_included": tied,
        "ranked_by": "model",
        "band": {str(pk): 0.5 for pk in tied},  # the tie band is the exact tie here: one chance in two each
        "band_confirmed": False,  # advancing the tied entries decided the whole band
    }


def test_top_share_rounds_up() -> None:
    data = hand_round()
    with_next_round(data, AdvancementMode.TOP_SHARE, share=0.3)  # 1.5 of 5 -> 2
    assert len(advancement.apply_advancement(round_=data.round, decided_by=data.organizer).added) == 2


def test_advancement_needs_a_rule_and_a_next_round() -> None:
    data = hand_round()
    ranked(data.round)
    with pytest.raises(advancement.AdvancementError, match="last round"):
        advancement.apply_advancement(round_=data.round, decided_by=data.organizer)
    with_next_round(data, AdvancementMode.NONE)
    with pytest.raises(advancement.AdvancementError, match="Set an advancement rule"):
        advancement.apply_advancement(round_=data.round, decided_by=data.organizer)


def test_organizer_adds_and_removes_entries_with_a_reason() -> None:
    data = hand_round()
    jury = with_next_round(data, AdvancementMode.NONE)
    wild = data.submissions[4]
    advancement.add_round_entry(round_=jury, submission=wild, decided_by=data.organizer, reason="Wild card")
    assert list(RoundEntry.objects.filter(round=jury).values_list("submission_id", flat=True)) == [wild.pk]
    with pytest.raises(advancement.AdvancementError, match="already in this round"):
        advancement.add_round_entry(round_=jury, submission=wild, decided_by=data.organizer, reason="again")
    with pytest.raises(advancement.AdvancementError, match="Say why"):
        advancement.remove_round_entry(round_=jury, submission=wild, decided_by=data.organizer, reason=" ")
    advancement.remove_round_entry(round_=jury, submission=wild, decided_by=data.organizer, reason="Ineligible")
    assert RoundEntry.objects.filter(round=jury).count() == 0
    assert list(AuditEvent.objects.filter(target_id=str(jury.pk)).order_by("id").values_list("action", flat=True)) == [
        "round.entry_added",
        "round.entry_removed",
    ]
    other = SubmissionFactory.create()
    with pytest.raises(advancement.AdvancementError, match="another edition"):
        advancement.add_round_entry(round_=jury, submission=other, decided_by=data.organizer, reason="x")
