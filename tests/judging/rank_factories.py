"""Factories and builders for the ranking / final / results tests."""

from __future__ import annotations

from dataclasses import dataclass

import factory
import numpy as np
from django.utils import timezone

from festival.models import AwardTier, Edition, JudgeMembership, User
from festival.services import DEFAULT_AWARD_LADDER
from judging.models import Criterion, RankingSnapshot, Round, RoundEntry, RoundKind, Score, ScoreState
from judging.results.calibration.simulation import balanced_assignment
from judging.results.services import refresh_round_ranking
from submissions.models import Submission, SubmissionState
from tests.factories import EditionFactory, JudgeFactory, OrganizerFactory, SubmissionFactory, UserFactory


class RoundFactory(factory.django.DjangoModelFactory[Round]):
    class Meta:
        model = Round

    edition = factory.SubFactory(EditionFactory)
    name = factory.Sequence(lambda n: f"Round {n}")
    kind = RoundKind.SCREENING
    position = factory.Sequence(lambda n: n)


class CriterionFactory(factory.django.DjangoModelFactory[Criterion]):
    class Meta:
        model = Criterion

    round = factory.SubFactory(RoundFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    position = factory.Sequence(lambda n: n)


def add_ladder(edition: Edition) -> None:
    AwardTier.objects.bulk_create(
        AwardTier(edition=edition, name=name, rank_from=first, rank_to=last)
        for name, first, last in DEFAULT_AWARD_LADDER
    )


@dataclass
class ScoredRound:
    organizer: User
    edition: Edition
    round: Round
    submissions: list[Submission]
    judges: list[JudgeMembership]


def scored_round(
    *,
    totals: list[list[tuple[int, float]]] | None = None,
    n_entries: int = 0,
    n_judges: int = 3,
    k: int = 2,
    seed: int = 1,
    criteria: int = 0,
) -> ScoredRound:
    """An edition with an organizer, a screening round, entries and submitted scores.

    ``totals[e]`` lists (judge index, total) for entry e; without it, ``n_entries``
    entries get ``k`` judges each (seeded) and totals from a hidden quality.
    """
    organizer = OrganizerFactory.create()
    edition = EditionFactory.create(festival=organizer.festival)
    add_ladder(edition)
    round = RoundFactory.create(edition=edition, position=0, name="Screening")
    crits = [CriterionFactory.create(round=round, name=f"C{i}", position=i) for i in range(criteria)]
    if totals is None:
        rng = np.random.default_rng(seed)
        quality = rng.uniform(2, 8, n_entries)
        judge_index, entry_index = balanced_assignment(n_entries, n_judges, k, rng)
        totals = [[] for _ in range(n_entries)]
        for j, e in zip(judge_index.tolist(), entry_index.tolist(), strict=True):
            totals[e].append((j, round_total(quality[e] + rng.normal(0, 0.5))))
    entrant = UserFactory.create()
    submissions = [
        SubmissionFactory.create(
            edition=edition, entrant=entrant, title=f"Film {i:03d}", state=SubmissionState.SUBMITTED
        )
        for i in range(len(totals))
    ]
    judges = [
        JudgeFactory.create(edition=edition, user=UserFactory.create(full_name=f"Judge {j}")) for j in range(n_judges)
    ]
    RoundEntry.objects.bulk_create(RoundEntry(round=round, submission=s) for s in submissions)
    now = timezone.now()
    scores = []
    for submission, entry_totals in zip(submissions, totals, strict=True):
        for j, total in entry_totals:
            values = {str(c.pk): int(round_total(total)) for c in crits}
            scores.append(
                Score(
                    round=round,
                    judge=judges[j],
                    submission=submission,
                    values=values,
                    state=ScoreState.SUBMITTED,
                    total=total,
                    submitted_at=now,
                )
            )
    Score.objects.bulk_create(scores)
    return ScoredRound(organizer=organizer.user, edition=edition, round=round, submissions=submissions, judges=judges)


def round_total(value: float) -> float:
    return float(min(10.0, max(0.0, round(value, 1))))


@dataclass
class FinalRound:
    organizer: User
    edition: Edition
    round: Round
    finalists: list[Submission]
    jurors: list[JudgeMembership]


def final_round(*, finalists: int = 4, jurors: int = 3) -> FinalRound:
    """An edition (default award ladder) with an open final round and its finalists."""
    organizer = OrganizerFactory.create()
    edition = EditionFactory.create(festival=organizer.festival)
    add_ladder(edition)
    round = RoundFactory.create(edition=edition, position=2, kind=RoundKind.FINAL, name="Final")
    entrant = UserFactory.create()
    films = [
        SubmissionFactory.create(
            edition=edition, entrant=entrant, title=f"Finalist {i}", state=SubmissionState.SUBMITTED
        )
        for i in range(finalists)
    ]
    RoundEntry.objects.bulk_create(RoundEntry(round=round, submission=film) for film in films)
    members = [
        JudgeFactory.create(edition=edition, user=UserFactory.create(full_name=f"Juror {j}")) for j in range(jurors)
    ]
    return FinalRound(organizer=organizer.user, edition=edition, round=round, finalists=films, jurors=members)


def ranked(round_: Round) -> RankingSnapshot:
    """Compute and store the round's ranking now, as the worker's ``judging.refresh_ranking`` does."""
    snapshot = refresh_round_ranking(round_id=round_.pk)
    assert snapshot is not None
    return snapshot
