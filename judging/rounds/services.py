"""Rounds of an edition, their rubric and their entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from festival.models import Category, Edition, JudgeMembership, User
from festival.services import field_state, keep_only, record_audit, record_change, update_audited
from judging import audit_actions, notices
from judging.errors import JudgingError
from judging.models import AdvancementMode, Criterion, Panel, Round, RoundEntry, RoundKind, Score, ScoreState
from submissions.models import Submission, SubmissionState


@dataclass(frozen=True)
class CriterionSpec:
    name: str
    weight: float
    guidance: str
    scale_min: int = 1
    scale_max: int = 10
    required: bool = True
    id: int | None = None  # an existing criterion of the round (``set_rubric``), None for a new one


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


# Everything an organizer sets on a round (the admin's round form edits exactly these).
ROUND_FIELDS: tuple[str, ...] = (
    "name",
    "kind",
    "position",
    "judges_per_entry",
    "load_cap",
    "opens_at",
    "closes_at",
    "show_credits",
    "peers_visible_after_submit",
    "required_watch_share",
    "advancement_mode",
    "advance_count",
    "advance_share",
)


def _round_state(round_: Round) -> dict[str, Any]:
    return field_state(round_, ROUND_FIELDS)


def check_advancement(mode: str, count: int | None, share: float | None) -> None:
    if mode not in AdvancementMode.values:
        raise JudgingError(f"Unknown advancement rule {mode!r}.")
    if mode == AdvancementMode.TOP_N and (count is None or count < 1):
        raise JudgingError("Top N needs N of at least 1.")
    if mode == AdvancementMode.TOP_SHARE and (share is None or not 0.0 < share <= 1.0):
        raise JudgingError("Top share needs a share above 0 and at most 1 (0.1 = best 10 %).")


def _judging_error(error: ValidationError) -> JudgingError:
    fields = {k: " ".join(v) for k, v in error.message_dict.items()} if hasattr(error, "error_dict") else {}
    return JudgingError(" ".join(error.messages), fields=fields)


def _validated(round_: Round) -> None:
    check_advancement(round_.advancement_mode, round_.advance_count, round_.advance_share)
    try:
        round_.full_clean()
    except ValidationError as error:
        raise _judging_error(error) from error


@transaction.atomic
def create_round(
    *,
    edition: Edition,
    actor: User | None,
    ip: str | None = None,
    rubric: tuple[CriterionSpec, ...] = (),
    **fields: Any,
) -> Round:
    """Add a round to an edition (settings of ``ROUND_FIELDS``, optionally its rubric); audited."""
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise ValueError(f"Not a round setting: {', '.join(sorted(unknown))}.")
    round_ = Round(edition=edition, **fields)
    _validated(round_)
    round_.save()
    if rubric:
        add_criteria(round_=round_, specs=rubric)
    record_audit(
        actor=actor,
        action=audit_actions.ROUND_CREATED,
        target=round_,
        ip=ip,
        after={**_round_state(round_), **({"rubric": _rubric_state(round_)} if rubric else {})},
    )
    return round_


@transaction.atomic
def update_round(*, round_: Round, actor: User | None, ip: str | None = None, **changes: Any) -> Round:
    """Change a round's settings (``ROUND_FIELDS``): window, visibility, caps, advancement; audited."""
    check_advancement(
        changes.get("advancement_mode", round_.advancement_mode),
        changes.get("advance_count", round_.advance_count),
        changes.get("advance_share", round_.advance_share),
    )
    try:
        updated: Round = update_audited(round_, ROUND_FIELDS, changes, audit_actions.ROUND_CHANGED, actor=actor, ip=ip)
    except ValidationError as error:
        raise _judging_error(error) from error
    return updated


@transaction.atomic
def delete_round(*, round_: Round, actor: User | None, ip: str | None = None) -> None:
    """Remove a round that holds no entries yet (one with entries keeps its record); audited."""
    if RoundEntry.objects.filter(round=round_).exists():
        raise JudgingError(f"{round_.name} already has entries: it cannot be deleted.")
    record_audit(actor=actor, action=audit_actions.ROUND_DELETED, target=round_, ip=ip, before=_round_state(round_))
    round_.delete()


def _keep_only(rows: QuerySet[Any], specs: Sequence[CriterionSpec] | Sequence[PanelSpec]) -> dict[int, Any]:
    """Delete the round's rows no spec names; the kept ones by id (names unique per round)."""
    return keep_only(rows, {spec.id for spec in specs if spec.id is not None}, unique="name")


# --- The rubric ------------------------------------------------------------------------------

# What a criterion may not change once a score of its round is submitted: each alters totals.
_TOTAL_FIELDS = ("weight", "scale_min", "scale_max")


def _rubric_state(round_: Round) -> list[dict[str, Any]]:
    return [
        {**field_state(c, ["name", "weight", "scale_min", "scale_max", "required", "position"]), "id": c.pk}
        for c in Criterion.objects.filter(round=round_).order_by("position", "pk")
    ]


def check_rubric(*, round_: Round, specs: Sequence[CriterionSpec]) -> None:
    """Raise ``JudgingError`` if ``set_rubric(round_, specs)`` would be refused (the admin's form
    calls it so the refusal shows on the form).

    The choice: a rubric is **frozen once any score of the round is submitted**, for every
    change that would alter a submitted total (a weight, a scale, adding or removing a
    criterion); wording, guidance, order and "required" stay editable. Judges submitted those
    totals against the rubric they were shown, so re-weighting afterwards would silently
    re-rank entries they endorsed, and a new scale would leave stored values out of range.
    To change the weights anyway, reopen the round's submitted scores first (audited), and
    the judges submit again under the new rubric. ``Score.total`` therefore always equals
    ``weighted_total`` of the round's current criteria.
    """
    if not specs:
        raise JudgingError("A rubric needs at least one criterion.")
    names = [spec.name.strip() for spec in specs]
    if len(set(names)) != len(names) or "" in names:
        raise JudgingError("Each criterion needs a name of its own.")
    for spec in specs:
        if spec.weight <= 0:
            raise JudgingError(f"{spec.name}: the weight must be above 0.")
        if spec.scale_min >= spec.scale_max:
            raise JudgingError(f"{spec.name}: the scale must run from a lower to a higher value.")
    existing = {c.pk: c for c in Criterion.objects.filter(round=round_)} if round_.pk else {}
    foreign = {spec.id for spec in specs if spec.id is not None} - set(existing)
    if foreign:
        raise JudgingError(f"Criterion #{min(foreign)} is not part of {round_}.")
    if round_.pk is None or not Score.objects.filter(round=round_, state=ScoreState.SUBMITTED).exists():
        return
    kept = {spec.id for spec in specs if spec.id is not None}
    altering = [spec.name for spec in specs if spec.id is None] + [
        c.name for pk, c in existing.items() if pk not in kept
    ]
    altering += [
        spec.name
        for spec in specs
        if spec.id is not None and any(getattr(spec, f) != getattr(existing[spec.id], f) for f in _TOTAL_FIELDS)
    ]
    if altering:
        raise JudgingError(
            f"Scores of {round_.name} were already submitted: a change to {', '.join(sorted(set(altering)))}"
            " would alter their totals. Change only names, guidance and order, or reopen the scores first."
        )


@transaction.atomic
def set_rubric(
    *, round_: Round, specs: Sequence[CriterionSpec], actor: User | None, ip: str | None = None
) -> list[Criterion]:
    """Make the round's rubric exactly ``specs`` (in order); audited. See ``check_rubric`` for
    what is refused once scores are submitted, and why."""
    Round.objects.select_for_update().filter(pk=round_.pk).first()  # no score is submitted meanwhile
    check_rubric(round_=round_, specs=specs)
    before = _rubric_state(round_)
    existing = _keep_only(Criterion.objects.filter(round=round_), specs)
    result = []
    for position, spec in enumerate(specs):
        criterion = existing[spec.id] if spec.id is not None else Criterion(round=round_)
        criterion.name = spec.name.strip()
        criterion.weight = spec.weight
        criterion.guidance = spec.guidance
        criterion.scale_min = spec.scale_min
        criterion.scale_max = spec.scale_max
        criterion.required = spec.required
        criterion.position = position
        criterion.save()
        result.append(criterion)
    record_change(
        actor=actor,
        action=audit_actions.ROUND_RUBRIC_SET,
        target=round_,
        ip=ip,
        before={"rubric": before},
        after={"rubric": _rubric_state(round_)},
    )
    return result


# --- Panels ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelSpec:
    name: str
    judge_ids: tuple[int, ...] = ()
    category_id: int | None = None
    id: int | None = None  # an existing panel of the round, or None for a new one


def _panels_state(round_: Round) -> list[dict[str, Any]]:
    return [
        {
            "id": panel.pk,
            "name": panel.name,
            "category": panel.category_id,
            "judges": sorted(j.pk for j in panel.judges.all()),
        }
        for panel in Panel.objects.filter(round=round_).prefetch_related("judges").order_by("name")
    ]


def check_panels(*, round_: Round, specs: Sequence[PanelSpec]) -> None:
    """Raise ``JudgingError`` unless every panel is named once and holds only the round's
    edition's judges and categories."""
    names = [spec.name.strip() for spec in specs]
    if len(set(names)) != len(names) or "" in names:
        raise JudgingError("Each panel needs a name of its own.")
    foreign = {spec.id for spec in specs if spec.id is not None} - set(
        Panel.objects.filter(round=round_).values_list("pk", flat=True) if round_.pk else ()
    )
    if foreign:
        raise JudgingError(f"Panel #{min(foreign)} is not a panel of {round_}.")
    judge_ids = {j for spec in specs for j in spec.judge_ids}
    own_judges = set(
        JudgeMembership.objects.filter(edition_id=round_.edition_id, pk__in=judge_ids).values_list("pk", flat=True)
    )
    if judge_ids - own_judges:
        raise JudgingError(f"Only judges of {round_.edition} can sit on its panels.")
    category_ids = {spec.category_id for spec in specs if spec.category_id is not None}
    own_categories = set(
        Category.objects.filter(edition_id=round_.edition_id, pk__in=category_ids).values_list("pk", flat=True)
    )
    if category_ids - own_categories:
        raise JudgingError(f"Only categories of {round_.edition} can have a panel.")


@transaction.atomic
def set_panels(*, round_: Round, specs: Sequence[PanelSpec], actor: User | None, ip: str | None = None) -> list[Panel]:
    """Make the round's panels exactly ``specs``; audited with the panels before and after."""
    check_panels(round_=round_, specs=specs)
    before = _panels_state(round_)
    existing = _keep_only(Panel.objects.filter(round=round_), specs)
    result = []
    for spec in specs:
        panel = existing[spec.id] if spec.id is not None else Panel(round=round_)
        panel.name = spec.name.strip()
        panel.category_id = spec.category_id
        panel.save()
        panel.judges.set(spec.judge_ids)
        result.append(panel)
    record_change(
        actor=actor,
        action=audit_actions.ROUND_PANELS_SET,
        target=round_,
        ip=ip,
        before={"panels": before},
        after={"panels": _panels_state(round_)},
    )
    return result


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
        record_audit(actor=actor, action=audit_actions.ROUND_CREATED, target=round_, after=_round_state(round_))
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
    record_audit(
        actor=actor, action=audit_actions.ROUND_OPENED, target=round_, before=before, after=_round_state(round_)
    )
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
    record_audit(
        actor=actor, action=audit_actions.ROUND_CLOSED, target=round_, before=before, after=_round_state(round_)
    )
    if moved:
        notices.round_changed(round_, change="the deadline moved")
    return round_


@transaction.atomic
def set_advancement_rule(
    *, round_: Round, mode: str, actor: User | None, count: int | None = None, share: float | None = None
) -> Round:
    """Adjust how entries advance from this round (applied by the ranking); audited."""
    check_advancement(mode, count, share)
    before = _round_state(round_)
    round_.advancement_mode = mode
    round_.advance_count = count if mode == AdvancementMode.TOP_N else None
    round_.advance_share = share if mode == AdvancementMode.TOP_SHARE else None
    round_.save(update_fields=["advancement_mode", "advance_count", "advance_share"])
    record_audit(
        actor=actor,
        action=audit_actions.ROUND_ADVANCEMENT_CHANGED,
        target=round_,
        before=before,
        after=_round_state(round_),
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
        record_audit(actor=actor, action=audit_actions.ROUND_ENTRIES_ADDED, target=round_, after={"count": len(new)})
    return len(new)
