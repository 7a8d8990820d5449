"""Reads of rounds: an edition's rounds in order, the round after one, a round's rubric."""

from __future__ import annotations

from festival.models import Edition
from judging.models import Criterion, Round


def criteria_of(round_: Round) -> list[Criterion]:
    return list(round_.criteria.all())


def rounds_of(edition: Edition) -> list[Round]:
    return list(Round.objects.filter(edition=edition).order_by("position"))


def next_round(round_: Round) -> Round | None:
    return Round.objects.filter(edition_id=round_.edition_id, position__gt=round_.position).order_by("position").first()
