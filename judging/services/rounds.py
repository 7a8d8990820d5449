"""Rounds of an edition, their rubric and their entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from festival.models import Edition, User
from festival.services import record_audit
from judging import notices
from judging.errors import JudgingError
from judging.models import AdvancementMode, Criterion, Round, RoundEntry, RoundKind
from submissions.models import Submission, SubmissionState


@dataclass(frozen=True)
class CriterionSpec:
    name: str
    weight: float
    guidance: str
    scale_min: int = 1
    scale_max: int = 10
    required: bool = True


DEFAULT_RUBRIC: tuple[CriterionSpec, ...] = (
    CriterionSpec(
        "Story",
        1.0,
        "Does the film hold attention from start to end? Are its characters, arc or idea clear and earned?",
    ),
    CriterionSpec(
        "Originality",
        1.0,
        "Is the idea, form or voice fresh, or does it repeat what the tools make easy?",
    ),
    CriterionSpec(
        "Craft",
        1.0,
        "Image, sound, editing and pacing: is every part controlled and consistent with the intent?",
    ),
    CriterionSpec(
        "Use of AI",
        1.0,
        "Does AI serve the film (and go beyond a showcase of a tool)? Read the entrant's AI disclosure.",
    ),
)


@dataclass(frozen=True)
class RoundSpec:
    name: str
    kind: str
    judges_per_entry: int
    required_watch_share: float
    peers_visible_after_submit: bool


DEFAULT_ROUNDS: tuple[RoundSpec, ...] = (
    RoundSpec("Screening", RoundKind.SCREENING, 3, 0.0, False),
    RoundSpec("Jury", RoundKind.JURY, 5, 0.9, True),
    RoundSpec("Final", RoundKind.FINAL, 10, 0.9, True),
)


def _round_state(round_: Round) -> dict[str, Any]:
    return {
        "name": round_.name,
        "opens_at": round_.opens_at.isoformat() if round_.opens_at else None,
        "closes_at": round_.closes_at.isoformat() if round_.closes_at else None,
        "advancement_mode": round_.advancement_mode,
        "advance_count": round_.advance_count,
        "advance_share": round_.advance_share,
    }


@transaction.atomic
def create_default_rounds(*, edition: Edition, actor: User | None) -> list[Round]:
    """Screening → Jury → Final with the default rubric. Idempotent: existing rounds are kept."""
    existing = list(Round.objects.filter(edition=edition).order_by("position"))
    if existing:
        return existing
    rounds = []
    for position, spec in enumerate(DEFAULT_ROUNDS):
        round_ = Round.objects.create(
            edition=edition,
            name=spec.name,
            kind=spec.kind,
            position=position,
            judges_per_entry=spec.judges_per_entry,
            required_watch_share=spec.required_watch_share,
            peers_visible_after_submit=spec.peers_visible_after_submit,
        )
        add_criteria(round_=round_, specs=DEFAULT_RUBRIC)
        record_audit(actor=actor, action="round.created", target=round_, after=_round_state(round_))
        rounds.append(round_)
    return rounds


def add_criteria(*, round_: Round, specs: tuple[CriterionSpec, ...]) -> list[Criterion]:
    return Criterion.objects.bulk_create(
        Criterion(
            round=round_,
            name=spec.name,
            weight=spec.weight,
            guidance=spec.guidance,
            scale_min=spec.scale_min,
            scale_max=spec.scale_max,
            required=spec.required,
            position=position,
        )
        for position, spec in enumerate(specs)
    )


@transaction.atomic
def open_round(*, round_: Round, actor: User | None, at: datetime | None = None) -> Round:
    """Open the round for scoring now (or at ``at``); a past closing time is cleared."""
    at = at or timezone.now()
    before = _round_state(round_)
    was_closed = round_.opens_at is not None and round_.closes_at is not None and round_.closes_at <= at
    round_.opens_at = at
    if round_.closes_at is not None and round_.closes_at <= at:
        round_.closes_at = None
    round_.save(update_fields=["opens_at", "closes_at"])
    record_audit(actor=actor, action="round.opened", target=round_, before=before, after=_round_state(round_))
    if was_closed:
        notices.round_changed(round_, change="the round reopened")
    else:
        notices.assignments_ready(round_)
    return round_


@transaction.atomic
def close_round(*, round_: Round, actor: User | None, at: datetime | None = None) -> Round:
    """Close the round: from ``at`` (default now) every score in it is locked."""
    at = at or timezone.now()
    before = _round_state(round_)
    if round_.opens_at is not None and round_.opens_at >= at:
        raise JudgingError("A round cannot close before it opens.")
    moved = round_.closes_at != at and at > timezone.now() and notices.is_open(round_)
    round_.closes_at = at
    round_.save(update_fields=["closes_at"])
    record_audit(actor=actor, action="round.closed", target=round_, before=before, after=_round_state(round_))
    if moved:
        notices.round_changed(round_, change="the deadline moved")
    return round_


@transaction.atomic
def set_advancement_rule(
    *, round_: Round, mode: str, actor: User | None, count: int | None = None, share: float | None = None
) -> Round:
    """Adjust how entries advance from this round (applied by the ranking); audited."""
    if mode not in AdvancementMode.values:
        raise JudgingError(f"Unknown advancement rule {mode!r}.")
    if mode == AdvancementMode.TOP_N and (count is None or count < 1):
        raise JudgingError("Top N needs N of at least 1.")
    if mode == AdvancementMode.TOP_SHARE and (share is None or not 0.0 < share <= 1.0):
        raise JudgingError("Top share needs a share above 0 and at most 1 (0.1 = best 10 %).")
    before = _round_state(round_)
    round_.advancement_mode = mode
    round_.advance_count = count if mode == AdvancementMode.TOP_N else None
    round_.advance_share = share if mode == AdvancementMode.TOP_SHARE else None
    round_.save(update_fields=["advancement_mode", "advance_count", "advance_share"])
    record_audit(
        actor=actor, action="round.advancement_changed", target=round_, before=before, after=_round_state(round_)
    )
    return round_


def judgeable_submissions(edition: Edition) -> list[int]:
    """Ids of the edition's submitted entries (withdrawn and disqualified ones are out)."""
    return list(
        Submission.objects.filter(edition=edition, state=SubmissionState.SUBMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def add_entries_to_round(*, round_: Round, actor: User | None, submission_ids: list[int] | None = None) -> int:
    """Put entries into the round; without ids, every submitted entry of the edition (round 1).

    Returns how many were new. Entries of another edition or no longer submitted are refused.
    """
    eligible = set(judgeable_submissions(round_.edition))
    wanted = eligible if submission_ids is None else set(submission_ids)
    foreign = wanted - eligible
    if foreign:
        raise JudgingError(
            f"{len(foreign)} entries are not submitted entries of {round_.edition} (e.g. #{min(foreign)})."
        )
    already = set(RoundEntry.objects.filter(round=round_).values_list("submission_id", flat=True))
    new = sorted(wanted - already)
    RoundEntry.objects.bulk_create(
        [RoundEntry(round=round_, submission_id=sid) for sid in new], batch_size=1000, ignore_conflicts=True
    )
    if new:
        record_audit(actor=actor, action="round.entries_added", target=round_, after={"count": len(new)})
    return len(new)
