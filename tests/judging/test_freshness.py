"""The ranking's freshness key, the hashed conflict exclusion and the round page's SQL counts.

The key is the round's results revision (``judging.results.revision``, moved by database
triggers; ``test_revision.py`` covers each path). These tests pin that every change the ranking
depends on still makes the stored ranking stale, and that the round page's figures (counted in
SQL, without joins) keep the old rules exactly.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from judging.assignment.conflict_check import PAIR_LIMIT, conflicted_rows, round_conflicts, without_conflicts
from judging.models import (
    AdvancementMode,
    Assignment,
    AssignmentState,
    ConflictWaiver,
    RankingRow,
    RankingSnapshot,
    Round,
    RoundEntry,
    Score,
)
from judging.results import rankings
from judging.results.selectors import TIED_AT_CUT, round_results
from judging.rounds import overview
from judging.rounds.competition import left_entries
from judging.scoring.selectors import counted_scores
from submissions.models import Submission, SubmissionState
from tests.factories import CreditFactory, SubmissionFactory
from tests.judging.rank_factories import ScoredRound, ranked, scored_round


def four_entries() -> ScoredRound:
    return scored_round(
        totals=[[(0, 9.0), (1, 8.0)], [(0, 6.0), (1, 5.0)], [(0, 3.0), (1, 2.0)], [(0, 4.0), (1, 4.5)]], n_judges=2
    )


def assign_scored(data: ScoredRound) -> None:
    """An active assignment behind every score, so the round page has loads and coverage."""
    for score in Score.objects.filter(round=data.round):
        Assignment.objects.create(round=data.round, judge=score.judge, submission=score.submission, position=0)


@pytest.mark.django_db
def test_the_key_changes_with_a_withdrawal_and_again_with_the_reinstatement() -> None:
    data = four_entries()
    ranked(data.round)
    before = rankings.ranking_state_key(data.round)
    entry = data.submissions[1]
    Submission.objects.filter(pk=entry.pk).update(state=SubmissionState.WITHDRAWN, withdrawn_at=timezone.now())
    assert left_entries(data.round) == [(entry.pk, SubmissionState.WITHDRAWN)]
    assert not rankings.ranking_of(data.round).is_current
    withdrawn = rankings.ranking_state_key(data.round)
    # Reinstated: the facts are back as they were, but the key moves on (a revision never goes
    # back), so the ranking is recomputed rather than trusted.
    Submission.objects.filter(pk=entry.pk).update(state=SubmissionState.SUBMITTED)
    assert rankings.ranking_state_key(data.round) not in (before, withdrawn)
    assert not rankings.ranking_of(data.round).is_current


@pytest.mark.django_db
def test_the_key_changes_when_a_credit_makes_a_conflict_and_when_it_is_waived() -> None:
    data = four_entries()
    ranked(data.round)
    CreditFactory.create(submission=data.submissions[0], name="Judge 1")  # the judge's own name
    conflicts = round_conflicts(data.round)
    assert list(conflicts) == [(data.judges[1].pk, data.submissions[0].pk)]
    assert not rankings.ranking_of(data.round).is_current
    ranked(data.round)
    assert rankings.ranking_of(data.round).is_current
    ConflictWaiver.objects.create(
        judge=data.judges[1],
        submission=data.submissions[0],
        reason="Same name, another person.",
        decided_by=data.organizer,
    )
    assert round_conflicts(data.round) == {}
    assert not rankings.ranking_of(data.round).is_current


@pytest.mark.django_db
def test_the_key_changes_when_an_entry_is_put_in_or_taken_out_of_the_round() -> None:
    data = four_entries()
    ranked(data.round)
    extra = SubmissionFactory.create(edition=data.edition, state=SubmissionState.SUBMITTED)
    RoundEntry.objects.create(round=data.round, submission=extra)
    assert not rankings.ranking_of(data.round).is_current
    ranked(data.round)
    RoundEntry.objects.filter(round=data.round, submission=extra).delete()
    assert not rankings.ranking_of(data.round).is_current


@pytest.mark.django_db
def test_drafts_of_the_edition_are_not_entries_that_left() -> None:
    data = four_entries()
    SubmissionFactory.create(edition=data.edition, state=SubmissionState.DRAFT)
    assert left_entries(data.round) == []


@pytest.mark.django_db
def test_the_hashed_exclusion_and_its_fallback_leave_out_exactly_the_conflicted_scores() -> None:
    data = scored_round(n_entries=12, n_judges=4, k=2)
    scores = list(Score.objects.filter(round=data.round).order_by("pk"))
    # More than PostgreSQL's threshold (9) for hashing a constant list.
    conflicts = {(s.judge_id, s.submission_id): "test" for s in scores[:10]}
    kept = without_conflicts(Score.objects.filter(round=data.round), conflicts)
    assert sorted(kept.values_list("pk", flat=True)) == [s.pk for s in scores[10:]]
    assert Score.objects.filter(round=data.round).filter(conflicted_rows(conflicts)).count() == 10
    # Ids too large for a pair key fall back to one term per judge: same rows, still valid SQL.
    huge = {**conflicts, (PAIR_LIMIT, scores[-1].submission_id): "test"}
    assert sorted(without_conflicts(Score.objects.filter(round=data.round), huge).values_list("pk", flat=True)) == [
        s.pk for s in scores[10:]
    ]
    assert Score.objects.filter(round=data.round).filter(conflicted_rows({})).count() == 0


@pytest.mark.django_db
def test_the_round_page_figures_leave_out_entries_that_left_and_conflicted_judges() -> None:
    data = four_entries()
    data.round.judges_per_entry = 2
    data.round.save()
    assign_scored(data)
    withdrawn, conflicted = data.submissions[2], data.submissions[0]
    Submission.objects.filter(pk=withdrawn.pk).update(state=SubmissionState.WITHDRAWN, withdrawn_at=timezone.now())
    CreditFactory.create(submission=conflicted, name="Judge 1")
    Assignment.objects.filter(round=data.round, submission=data.submissions[3], judge=data.judges[0]).update(
        state=AssignmentState.WITHDRAWN
    )
    conflicts = round_conflicts(data.round)
    counts, loads = overview.progress(data.round, conflicts)
    # 3 competing entries; assignments: 2 + 2 (minus the conflicted one) + 2 (minus the withdrawn one).
    assert (counts.entries, counts.assignments, counts.submitted, counts.excluded) == (3, 4, 5, 0)
    assert counts.submitted == counted_scores(data.round).count()
    assert {load.judge.pk: (load.assigned, load.submitted) for load in loads} == {
        data.judges[0].pk: (2, 3),
        data.judges[1].pk: (2, 2),
    }
    assert [(b.judges, b.entries) for b in overview.coverage_histogram(data.round, conflicts)] == [(1, 2), (2, 1)]
    short = overview.short_entries(data.round, conflicts)
    assert [(e.submission_id, e.judges) for e in short] == sorted(
        [(conflicted.pk, 1), (data.submissions[3].pk, 1)], key=lambda e: e[0]
    )
    RoundEntry.objects.create(
        round=data.round, submission=SubmissionFactory.create(edition=data.edition, state=SubmissionState.SUBMITTED)
    )
    assert [(b.judges, b.entries) for b in overview.coverage_histogram(data.round, conflicts)] == [
        (0, 1),
        (1, 2),
        (2, 1),
    ]
    assert overview.short_entries(data.round, conflicts)[0].judges == 0


@pytest.mark.django_db
def test_the_page_shows_the_closest_calls_of_a_large_tie_band_best_first() -> None:
    data = four_entries()
    p_above = [0.97, 0.6, 0.45, 0.1]
    snapshot = RankingSnapshot.objects.create(round=data.round, state_key="", summary={"close_calls": 4})
    RankingRow.objects.bulk_create(
        RankingRow(
            snapshot=snapshot,
            position=i + 1,
            submission=s,
            at_cut="advances" if p > 0.5 else "",
            p_above=p,
            payload={"model": 5.0 - i, "low": 4.0, "high": 6.0},
        )
        for i, (s, p) in enumerate(zip(data.submissions, p_above, strict=True))
    )
    stored = rankings.StoredRanking(round=data.round, snapshot=snapshot, current_key="")
    assert stored.close_calls == 4
    assert [row.submission_id for row in stored.band(limit=2)] == [data.submissions[1].pk, data.submissions[2].pk]
    assert [(row.title, row.estimate, row.above) for row in stored.band(limit=2)] == [
        ("Film 001", 4.0, True),
        ("Film 002", 3.0, False),
    ]
    assert len(stored.band()) == 4
    assert stored.band_p() == {s.pk: p for s, p in zip(data.submissions, p_above, strict=True)}


@pytest.mark.django_db
def test_the_stored_tie_band_and_ties_are_the_calibrations_and_the_summary_holds_only_their_counts() -> None:
    data = scored_round(n_entries=60, n_judges=6, k=2)
    Round.objects.filter(pk=data.round.pk).update(advancement_mode=AdvancementMode.TOP_N, advance_count=10)
    data.round.refresh_from_db()
    snapshot = ranked(data.round)
    outcome = round_results(data.round)
    cut = outcome.cut()
    assert cut is not None and len(cut.band) > 2
    stored = rankings.ranking_of(data.round)
    expected = dict(zip(outcome.submission_ids(cut.band), cut.p_above.tolist(), strict=True))
    assert stored.band_p() == pytest.approx(expected, abs=1e-4)
    assert list(stored.band_p()) == list(expected)  # best first
    assert (stored.close_calls, stored.tied_count) == (len(cut.band), len(cut.tied))
    assert stored.ids_at_cut(TIED_AT_CUT) == outcome.submission_ids(cut.tied)
    assert not {"band", "tied"} & set(snapshot.summary)
