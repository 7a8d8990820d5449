"""Factories and builders for judging's own tables."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from festival.models import Edition, JudgeMembership
from judging.models import Assignment, Criterion, Round, RoundEntry
from judging.rounds.services import DEFAULT_RUBRIC, add_criteria
from submissions.models import Submission, SubmissionState
from tests.factories import EditionFactory, JudgeFactory, SubmissionFactory, UserFactory


class RoundFactory(factory.django.DjangoModelFactory[Round]):
    """An open screening round (opened an hour ago, closes in a week)."""

    class Meta:
        model = Round

    edition = factory.SubFactory(EditionFactory)
    name = factory.Sequence(lambda n: f"Round {n}")
    position = factory.Sequence(lambda n: n)
    judges_per_entry = 3
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class CriterionFactory(factory.django.DjangoModelFactory[Criterion]):
    class Meta:
        model = Criterion

    round = factory.SubFactory(RoundFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    position = factory.Sequence(lambda n: n)


def rubric_round(**kwargs: object) -> Round:
    """An open round with the default rubric (Story, Originality, Craft, Use of AI; 1-10)."""
    round_ = RoundFactory.create(**kwargs)
    add_criteria(round_=round_, specs=DEFAULT_RUBRIC)
    return round_


def submitted_entry(edition: Edition, **kwargs: object) -> Submission:
    fields: dict[str, object] = {"state": SubmissionState.SUBMITTED, "submitted_at": timezone.now(), **kwargs}
    return SubmissionFactory.create(edition=edition, **fields)


def judge_of(edition: Edition, name: str = "", **kwargs: object) -> JudgeMembership:
    user = UserFactory.create(full_name=name) if name else UserFactory.create()
    return JudgeFactory.create(edition=edition, user=user, **kwargs)


def assign(round_: Round, judge: JudgeMembership, submission: Submission, position: int = 1) -> Assignment:
    RoundEntry.objects.get_or_create(round=round_, submission=submission)
    return Assignment.objects.create(round=round_, judge=judge, submission=submission, position=position)
