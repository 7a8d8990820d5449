"""Judges' declared conflicts and category preferences; organizers' waivers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from festival.models import Category, JudgeMembership, User
from festival.parsing import control_character_message, first_control_character
from festival.services import record_audit
from judging import audit_actions
from judging.assignment.conflicts import normalize_name
from judging.errors import JudgingError
from judging.models import CategoryPreference, ConflictKind, ConflictWaiver, DeclaredConflict
from submissions.models import Submission

VALUE_MAX = 300


@dataclass(frozen=True)
class Declared:
    conflict: DeclaredConflict
    taken_off: int  # assignments the declaration took off the judge (not re-assigned: see below)


@transaction.atomic
def declare_conflict(
    *,
    judge: JudgeMembership,
    kind: str,
    value: str = "",
    actor: User,
    submission: Submission | None = None,
    ip: str | None = None,
) -> Declared:
    """Record a conflict; the judge's entries it now touches are taken off them.

    Only this judge's assignments are checked (``settle_judge_conflicts``). Nothing is
    re-assigned automatically: an entry may be left short of judges, and the round page
    offers the organizer a re-assignment within the caps. So the judge is told the truth.
    """
    if (char := first_control_character(value)) is not None:
        raise JudgingError(control_character_message(char))
    value = " ".join(value.split())
    if kind not in ConflictKind.values:
        raise JudgingError("Choose what kind of conflict this is.")
    if kind == ConflictKind.ENTRY:
        if submission is None or submission.edition_id != judge.edition_id:
            raise JudgingError("Name an entry of this edition.")
        value = value or f"Entry #{submission.pk}"
    elif submission is not None:
        raise JudgingError("Only an entry conflict names an entry.")
    if not value:
        raise JudgingError("Write the name of the person or company, or describe the conflict.")
    if len(value) > VALUE_MAX:
        raise JudgingError(f"Keep it under {VALUE_MAX} characters.")
    conflict = DeclaredConflict.objects.create(
        judge=judge, kind=kind, value=value, normalized=normalize_name(value), submission=submission
    )
    record_audit(
        actor=actor,
        ip=ip,
        action=audit_actions.CONFLICT_DECLARED,
        target=conflict,
        after={"kind": kind, "value": value},
    )
    from judging.assignment.services import settle_judge_conflicts

    return Declared(conflict=conflict, taken_off=len(settle_judge_conflicts(judge=judge, actor=actor)))


@transaction.atomic
def remove_conflict(*, conflict: DeclaredConflict, actor: User, ip: str | None = None) -> None:
    """A judge takes back a declaration. Entries already re-assigned stay re-assigned."""
    record_audit(
        actor=actor,
        ip=ip,
        action=audit_actions.CONFLICT_REMOVED,
        target=conflict,
        before={"kind": conflict.kind, "value": conflict.value},
    )
    conflict.delete()


@transaction.atomic
def set_category_preferences(
    *, judge: JudgeMembership, categories: list[Category], actor: User, ip: str | None = None
) -> list[int]:
    """Replace the judge's preferred categories (used by the next assignment run)."""
    if any(c.edition_id != judge.edition_id for c in categories):
        raise JudgingError("Choose categories of this edition.")
    before = sorted(CategoryPreference.objects.filter(judge=judge).values_list("category_id", flat=True))
    wanted = sorted({c.pk for c in categories})
    CategoryPreference.objects.filter(judge=judge).exclude(category_id__in=wanted).delete()
    CategoryPreference.objects.bulk_create(
        [CategoryPreference(judge=judge, category_id=pk) for pk in wanted], ignore_conflicts=True
    )
    if before != wanted:
        record_audit(
            actor=actor,
            ip=ip,
            action=audit_actions.JUDGE_PREFERENCES_CHANGED,
            target=judge,
            before={"categories": before},
            after={"categories": wanted},
        )
    return wanted


@transaction.atomic
def waive_conflict(
    *, judge: JudgeMembership, submission: Submission, reason: str, actor: User, ip: str | None = None
) -> ConflictWaiver:
    """Organizer override: a detected conflict does not stand. Explicit, with a reason, audited.

    The judge is not given the entry back automatically; assign it by hand if wanted.
    """
    if not reason.strip():
        raise JudgingError("Say why the conflict does not stand.")
    if submission.edition_id != judge.edition_id:
        raise JudgingError("The entry and the judge belong to different editions.")
    waiver, created = ConflictWaiver.objects.get_or_create(
        judge=judge, submission=submission, defaults={"reason": reason.strip(), "decided_by": actor}
    )
    if created:
        record_audit(
            actor=actor,
            ip=ip,
            action=audit_actions.CONFLICT_WAIVED,
            target=waiver,
            after={"judge": judge.pk, "submission": submission.pk, "reason": waiver.reason},
        )
    return waiver
