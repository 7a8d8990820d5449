"""The entrant's writes to a submission's content: details, credits, AI disclosure, attestations.

Every function is keyword-only, atomic and audited, and refuses with a ``SubmissionError``
(message for the entrant) when the edition is closed or the submission is locked, so the
pages and the API enforce the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from festival.models import Category, Edition, User
from festival.services import record_audit
from media.ai_usage import update_declaration
from media.rules import DeclaredAIUse
from submissions.attestations import applicable_attestations, attestation_text
from submissions.models import AITool, AIUse, AttestationRecord, Credit, ProductionStage, Submission
from submissions.names import normalize_name
from submissions.selectors import active_entries_count, is_editable
from submissions.services.errors import EditionClosed, EntryLimitReached, SubmissionError, SubmissionLocked
from submissions.validation import normalize_languages, validate_country

# Details the entrant edits (on the details form, or PATCH on the API).
DETAIL_FIELDS = (
    "title",
    "category",
    "logline",
    "synopsis",
    "declared_runtime_seconds",
    "languages",
    "country",
    "prize_contact_name",
    "prize_contact_email",
    "prize_contact_phone",
)
MAX_CREDITS = 100


def ensure_window_open(edition: Edition, *, what: str = "Submissions") -> None:
    """Refuse when the edition does not accept entries now (deadline plus grace, its own time zone)."""
    from festival.deadlines import SubmissionsClosed

    try:
        edition.window.ensure_accepting(timezone.now(), what=what)
    except SubmissionsClosed as closed:
        raise EditionClosed(closed.message) from closed


def lock_submission(submission_id: int) -> Submission:
    """The submission row, locked for this transaction (so checks and writes see one state)."""
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("edition__festival", "category")
        .get(pk=submission_id)
    )


def ensure_editable(submission: Submission) -> None:
    if not is_editable(submission):
        if submission.state == "submitted":
            raise SubmissionLocked("This film has been submitted; the festival allows no more changes.")
        raise SubmissionLocked(f"This film is {submission.get_state_display().lower()} and can no longer be changed.")
    ensure_window_open(submission.edition, what="Entries")


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


def _snapshot(submission: Submission, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(submission, name)) for name in fields}


def _plain(value: Any) -> Any:
    if isinstance(value, Category):
        return value.pk
    return value


def check_text_lengths(instance: Model, names: Iterable[str]) -> None:
    """Enforce ``max_length`` on text fields, which model validation leaves to forms for TextField."""
    errors: dict[str, str] = {}
    for name in names:
        field = instance._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        value = getattr(instance, getattr(field, "attname", name), None)
        if limit and isinstance(value, str) and len(value) > limit:
            errors[name] = f"Ensure this value has at most {limit} characters (it has {len(value)})."
    if errors:
        raise ValidationError(errors)


def _apply_details(submission: Submission, changes: Mapping[str, Any]) -> list[str]:
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise SubmissionError(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        if name == "languages":
            value = normalize_languages(value or [])
        elif name == "category":
            if value is not None and value.edition_id != submission.edition_id:
                raise SubmissionError("Choose one of this edition's categories.")
        elif isinstance(value, str):
            value = value.strip()
        setattr(submission, name, value)
    validate_country(submission.country)
    check_text_lengths(submission, changes)
    submission.full_clean(exclude=["edition", "entrant", "film", "state"])
    return list(changes)


@transaction.atomic
def create_submission(
    *,
    entrant: User,
    edition: Edition,
    title: str,
    details: Mapping[str, Any] | None = None,
) -> Submission:
    """Start a draft. Refused when the edition is closed or the entrant has all the films it allows."""
    ensure_window_open(edition)
    # Serialize this entrant's creations so two tabs cannot both take the last slot.
    list(User.objects.select_for_update().filter(pk=entrant.pk).values_list("pk", flat=True))
    if active_entries_count(entrant_id=entrant.pk, edition_id=edition.pk) >= edition.films_per_entrant:
        allowed = edition.films_per_entrant
        raise EntryLimitReached(
            f"{edition} accepts {allowed} film{'s' if allowed != 1 else ''} per entrant, and you already have"
            f" {'that many' if allowed != 1 else 'one'}. Withdraw one to start another."
        )
    submission = Submission(edition=edition, entrant=entrant, title="")
    try:
        fields = _apply_details(submission, {"title": title, **(details or {})})
    except ValidationError as error:
        raise SubmissionError(_validation_message(error)) from error
    submission.save()
    record_audit(actor=entrant, action="submission.created", target=submission, after=_snapshot(submission, fields))
    return submission


@transaction.atomic
def update_details(*, submission: Submission, actor: User, changes: Mapping[str, Any]) -> Submission:
    """Change the film's details (any of ``DETAIL_FIELDS``)."""
    locked = lock_submission(submission.pk)
    ensure_editable(locked)
    before = _snapshot(locked, changes)
    try:
        fields = _apply_details(locked, changes)
    except ValidationError as error:
        raise SubmissionError(_validation_message(error)) from error
    locked.save(update_fields=[*fields, "updated_at"])
    after = _snapshot(locked, fields)
    changed = {name for name in fields if before.get(name) != after[name]}
    if changed:
        record_audit(
            actor=actor,
            action="submission.details_updated",
            target=locked,
            before={k: before[k] for k in sorted(changed)},
            after={k: after[k] for k in sorted(changed)},
        )
    return locked


@dataclass(frozen=True)
class CreditInput:
    name: str
    role: str
    organization: str = ""
    is_entrant: bool = False


def _credit_dict(credit: Credit | CreditInput) -> dict[str, Any]:
    return {
        "name": credit.name,
        "role": credit.role,
        "organization": credit.organization,
        "is_entrant": credit.is_entrant,
    }


@transaction.atomic
def set_credits(*, submission: Submission, actor: User, credits: Sequence[CreditInput]) -> list[Credit]:
    """Replace the team list. The entrant must be one of the credits."""
    locked = lock_submission(submission.pk)
    ensure_editable(locked)
    if not credits:
        raise SubmissionError("List at least one person in the credits: you.")
    if len(credits) > MAX_CREDITS:
        raise SubmissionError(f"List at most {MAX_CREDITS} credits.")
    if not any(c.is_entrant for c in credits):
        raise SubmissionError("Mark the credit that is you: the entrant must be one of the team.")
    rows = []
    for position, item in enumerate(credits):
        credit = Credit(
            submission=locked,
            name=item.name.strip(),
            role=item.role,
            organization=item.organization.strip(),
            normalized_name=normalize_name(item.name),
            normalized_organization=normalize_name(item.organization),
            is_entrant=item.is_entrant,
            position=position,
        )
        try:
            credit.full_clean(exclude=["submission"])
        except ValidationError as error:
            raise SubmissionError(f"Credit {position + 1}: {_validation_message(error)}") from error
        rows.append(credit)
    before = [_credit_dict(c) for c in locked.credits.all()]
    locked.credits.all().delete()
    created = Credit.objects.bulk_create(rows)
    Submission.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    record_audit(
        actor=actor,
        action="submission.credits_set",
        target=locked,
        before={"credits": before},
        after={"credits": [_credit_dict(c) for c in rows]},
    )
    return created


@dataclass(frozen=True)
class AIUseInput:
    stage: str
    runtime_share_percent: int
    tool_id: int | None = None
    tool_other: str = ""
    model_version: str = ""
    notes: str = ""


def _ai_use_dict(use: AIUse) -> dict[str, Any]:
    return {
        "stage": use.stage,
        "tool": use.tool_name,
        "model_version": use.model_version,
        "runtime_share_percent": use.runtime_share_percent,
        "notes": use.notes,
    }


def declared_ai_for(submission: Submission) -> DeclaredAIUse:
    """What the entrant declared, for the pipeline's consistency check against the evidence."""
    uses = AIUse.objects.filter(submission=submission).select_related("tool")
    tools: set[str] = set()
    video = False
    for use in uses:
        video = video or use.stage == ProductionStage.VIDEO
        name = use.tool.slug if use.tool else use.tool_other.strip().lower()
        if name:
            tools.add(name)
    return DeclaredAIUse(ai_video_declared=video, tools=tuple(sorted(tools)))


@transaction.atomic
def set_ai_disclosure(
    *, submission: Submission, actor: User, uses: Sequence[AIUseInput], statement: str
) -> list[AIUse]:
    """Replace the AI-use declaration (one row per production stage) and the overall statement."""
    locked = lock_submission(submission.pk)
    ensure_editable(locked)
    stages = [use.stage for use in uses]
    if len(set(stages)) != len(stages):
        raise SubmissionError("Declare each production stage once.")
    tool_ids = {use.tool_id for use in uses if use.tool_id is not None}
    tools = AITool.objects.in_bulk(tool_ids)
    rows = []
    for use in uses:
        if use.stage not in ProductionStage.values:
            raise SubmissionError(f"{use.stage[:20]!r} is not a production stage.")
        label = ProductionStage(use.stage).label
        if use.tool_id is not None and use.tool_id not in tools:
            raise SubmissionError(f"{label}: choose a tool from the list, or name it in “other tool”.")
        if use.tool_id is None and not use.tool_other.strip():
            raise SubmissionError(f"{label}: name the tool you used.")
        row = AIUse(
            submission=locked,
            stage=use.stage,
            tool=tools.get(use.tool_id) if use.tool_id is not None else None,
            tool_other=use.tool_other.strip(),
            model_version=use.model_version.strip(),
            runtime_share_percent=use.runtime_share_percent,
            notes=use.notes.strip(),
        )
        try:
            check_text_lengths(row, ["tool_other", "model_version", "notes"])
            row.full_clean(exclude=["submission"], validate_constraints=False)
        except ValidationError as error:
            raise SubmissionError(f"{label}: {_validation_message(error)}") from error
        rows.append(row)
    before = {
        "uses": [_ai_use_dict(u) for u in locked.ai_uses.select_related("tool")],
        "statement": locked.ai_statement,
    }
    locked.ai_statement = statement.strip()
    try:
        check_text_lengths(locked, ["ai_statement"])
    except ValidationError as error:
        raise SubmissionError(_validation_message(error)) from error
    declared_before = declared_ai_for(locked) if locked.film_id else None
    locked.ai_uses.all().delete()
    created = AIUse.objects.bulk_create(rows)
    locked.save(update_fields=["ai_statement", "updated_at"])
    if locked.film_id is not None and declared_ai_for(locked) != declared_before:
        # The film's consistency flags compare the evidence with the declaration: keep them current.
        update_declaration(film_id=locked.film_id, declared=declared_ai_for(locked), actor=actor)
    record_audit(
        actor=actor,
        action="submission.ai_disclosure_set",
        target=locked,
        before=before,
        after={"uses": [_ai_use_dict(u) for u in rows], "statement": locked.ai_statement},
    )
    return created


@transaction.atomic
def record_attestations(*, submission: Submission, actor: User, codes: Iterable[str]) -> list[AttestationRecord]:
    """Make the submission's statements exactly ``codes``.

    A statement already made keeps its original time, user and text; a new one is stored
    with now, ``actor`` and the text shown (``attestation_text``); one left out is withdrawn.
    """
    locked = lock_submission(submission.pk)
    ensure_editable(locked)
    wanted = list(dict.fromkeys(codes))
    allowed = applicable_attestations(locked.edition)
    unknown = [code for code in wanted if code not in allowed]
    if unknown:
        raise SubmissionError(f"Not a statement for this edition: {', '.join(c[:32] for c in unknown)}.")
    existing = {record.code: record for record in locked.attestations.all()}
    withdrawn = [code for code in existing if code not in wanted]
    if withdrawn:
        locked.attestations.filter(code__in=withdrawn).delete()
    now = timezone.now()
    added = AttestationRecord.objects.bulk_create(
        AttestationRecord(submission=locked, code=code, text=attestation_text(code), user=actor, accepted_at=now)
        for code in wanted
        if code not in existing
    )
    if added or withdrawn:
        Submission.objects.filter(pk=locked.pk).update(updated_at=now)
        record_audit(
            actor=actor,
            action="submission.attestations_recorded",
            target=locked,
            before={"codes": sorted(existing)},
            after={"codes": sorted(wanted), "added": [r.code for r in added], "withdrawn": sorted(withdrawn)},
        )
    return list(locked.attestations.order_by("code"))


__all__ = [
    "DETAIL_FIELDS",
    "AIUseInput",
    "CreditInput",
    "create_submission",
    "ensure_editable",
    "ensure_window_open",
    "lock_submission",
    "record_attestations",
    "set_ai_disclosure",
    "set_credits",
    "update_details",
]
