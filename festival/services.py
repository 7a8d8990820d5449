"""Every write to the festival domain. Keyword-only, typed, atomic, audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Model, ProtectedError, QuerySet, Value
from django.db.models.deletion import Collector
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import slugify

from festival import audit, audit_actions
from festival.models import (
    DEFAULT_ATTESTATIONS,
    DEFAULT_CONTAINERS,
    AuditEvent,
    AwardTier,
    Category,
    Edition,
    Festival,
    JudgeInvitation,
    JudgeMembership,
    OrganizerMembership,
    User,
)

# The AI Film Festival's ladder: Grand Prix, Gold, Silver, two Honorees, five Merits.
DEFAULT_AWARD_LADDER: tuple[tuple[str, int, int], ...] = (
    ("Grand Prix", 1, 1),
    ("Gold", 2, 2),
    ("Silver", 3, 3),
    ("Honoree", 4, 5),
    ("Merit", 6, 10),
)


def field_state(obj: Model, fields: Iterable[str]) -> dict[str, Any]:
    """The one shape of an audit row's ``before`` / ``after``: field name → JSON value.

    Foreign keys are stored as their id; dates, durations and other values as ``str``.
    """
    state: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, getattr(field, "attname", name))
        if isinstance(value, date):
            value = value.isoformat()
        elif not (value is None or isinstance(value, bool | int | float | str | list | dict)):
            value = str(value)
        state[name] = value
    return state


def record_audit(
    *,
    actor: User | None,
    action: str,
    target: Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
    real_actor: User | None = None,
    festival: Festival | None = None,
) -> AuditEvent:
    """Append one event to its festival's hash chain (``festival.audit``), under the chain's lock.

    ``festival`` is found from ``target`` when not given.
    """
    event = audit_event(
        actor=actor, action=action, target=target, before=before, after=after, ip=ip, real_actor=real_actor,
        festival=festival,
    )  # fmt: skip
    with transaction.atomic():
        return audit.append(event)


def audit_event(
    *,
    actor: User | None,
    action: str,
    target: Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
    real_actor: User | None = None,
    festival: Festival | None = None,
) -> AuditEvent:
    """The event ``record_audit`` would append, not yet chained (for ``record_audits``)."""
    festival_id = festival.pk if festival is not None else audit.festival_id_of(target)
    return AuditEvent(
        festival_id=festival_id,
        chain=audit.chain_name(festival_id),
        actor=actor,
        real_actor=real_actor or actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        ip=ip,
        before=before,
        after=after,
    )


def record_audits(events: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Append many events (made by ``audit_event``) at once: the same chains and hashes as one
    ``record_audit`` each, in a constant number of queries (a batch job's audit)."""
    with transaction.atomic(savepoint=False):  # all or nothing with the caller's transaction
        return audit.append_many(events)


def record_change(
    *,
    actor: User | None,
    action: str,
    target: Model,
    before: dict[str, Any],
    after: dict[str, Any],
    ip: str | None = None,
) -> AuditEvent | None:
    """Audit a configuration change in the one shape (``before`` / ``after`` of what changed);
    nothing is written when nothing changed."""
    if before == after:
        return None
    return record_audit(actor=actor, action=action, target=target, ip=ip, before=before, after=after)


def keep_only(rows: QuerySet[Any], kept_ids: Iterable[int], *, unique: str) -> dict[int, Any]:
    """Delete the ``rows`` not in ``kept_ids`` and return the kept ones by id, their ``unique``
    field set to a placeholder (so two of them can swap values without tripping its unique
    constraint); the caller gives each its real value and saves it. For the ``set_*`` services
    that make a collection exactly a list of specs."""
    kept = set(kept_ids)
    rows.exclude(pk__in=kept).delete()
    rows.filter(pk__in=kept).update(**{unique: Concat(Value("#renaming-"), Cast("pk", output_field=CharField()))})
    return {row.pk: row for row in rows.filter(pk__in=kept)}


@transaction.atomic
def create_festival(*, name: str, slug: str, organizer: User, website: str = "") -> Festival:
    festival = Festival.objects.create(name=name, slug=slug, website=website)
    add_organizer(festival=festival, user=organizer, actor=organizer)
    return festival


@transaction.atomic
def add_organizer(*, festival: Festival, user: User, actor: User | None) -> OrganizerMembership:
    membership, created = OrganizerMembership.objects.get_or_create(festival=festival, user=user)
    if not user.is_staff:
        # Organizers work in the Django admin, which needs is_staff; what they may see
        # there is limited to their own festivals by festival.admin.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if created:
        record_audit(actor=actor, action=audit_actions.ORGANIZER_ADDED, target=festival, after={"user": user.email})
    return membership


@transaction.atomic
def create_edition(
    *,
    festival: Festival,
    name: str,
    slug: str,
    year: int,
    time_zone: str,
    submissions_open_at: datetime,
    submissions_close_at: datetime,
    actor: User | None,
    grace_period: timedelta = timedelta(0),
    categories: tuple[str, ...] = (),
    **rules: Any,
) -> Edition:
    """Create an edition with the default award ladder, containers and attestations; audited.

    ``rules`` are Edition rule fields (runtime_min_seconds, films_per_entrant, ...); the
    admin, the demo and the benches all create editions here.
    """
    edition = Edition(
        festival=festival,
        name=name,
        slug=slug,
        year=year,
        time_zone=time_zone,
        submissions_open_at=submissions_open_at,
        submissions_close_at=submissions_close_at,
        grace_period=grace_period,
        **{
            "allowed_containers": list(DEFAULT_CONTAINERS),
            "required_attestations": list(DEFAULT_ATTESTATIONS),
            **rules,
        },
    )
    edition.full_clean()
    edition.save()
    AwardTier.objects.bulk_create(
        AwardTier(edition=edition, name=tier, rank_from=first, rank_to=last)
        for tier, first, last in DEFAULT_AWARD_LADDER
    )
    Category.objects.bulk_create(
        Category(edition=edition, name=category, slug=slugify(category), position=index)
        for index, category in enumerate(categories)
    )
    record_audit(
        actor=actor,
        action=audit_actions.EDITION_CREATED,
        target=edition,
        after={
            **field_state(edition, EDITION_FIELDS),
            "award_ladder": _ladder_state(edition),
            "categories": _categories_state(edition),
        },
    )
    return edition


# Everything an organizer sets on an edition: its identity, window and rules (the admin's
# edition form shows exactly these groups).
EDITION_IDENTITY: tuple[str, ...] = ("name", "slug", "year")
EDITION_WINDOW: tuple[str, ...] = ("time_zone", "submissions_open_at", "submissions_close_at", "grace_period")
EDITION_RULES: tuple[str, ...] = (
    "runtime_min_seconds",
    "runtime_max_seconds",
    "max_file_size_bytes",
    "allowed_containers",
    "min_short_side_px",
    "films_per_entrant",
    "ai_video_required",
    "minors_allowed",
    "required_attestations",
    "blocking_qc",
    "lock_after_submit",
)
EDITION_FIELDS: tuple[str, ...] = EDITION_IDENTITY + EDITION_WINDOW + EDITION_RULES


@transaction.atomic
def update_edition(*, edition: Edition, actor: User | None, ip: str | None = None, **changes: Any) -> Edition:
    """Change an edition's window and rules (fields of ``EDITION_FIELDS``); audited with before/after."""
    return update_audited(edition, EDITION_FIELDS, changes, audit_actions.EDITION_CHANGED, actor=actor, ip=ip)


@dataclass(frozen=True)
class TierSpec:
    name: str
    rank_from: int
    rank_to: int


def _ladder_state(edition: Edition) -> list[list[Any]]:
    return [list(t) for t in edition.award_tiers.order_by("rank_from").values_list("name", "rank_from", "rank_to")]


def check_award_ladder(tiers: Sequence[TierSpec]) -> None:
    """Raise ``ValidationError`` unless the rungs are named, start at 1 or later and do not overlap."""
    taken: dict[int, str] = {}
    for tier in tiers:
        if not tier.name.strip():
            raise ValidationError("Every award tier needs a name.")
        if tier.rank_from < 1 or tier.rank_to < tier.rank_from:
            raise ValidationError(f"{tier.name}: ranks must run from 1 upwards, first to last.")
        for rank in range(tier.rank_from, tier.rank_to + 1):
            if rank in taken:
                raise ValidationError(f"Rank {rank} is in both {taken[rank]} and {tier.name}.")
            taken[rank] = tier.name


@transaction.atomic
def set_award_ladder(
    *, edition: Edition, tiers: Sequence[TierSpec], actor: User | None, ip: str | None = None
) -> list[AwardTier]:
    """Replace the edition's award ladder. Refused once awards were published from it (a
    published decision names its tier); audited with the ladder before and after."""
    check_award_ladder(tiers)
    before = _ladder_state(edition)
    wanted: list[list[Any]] = sorted(([t.name.strip(), t.rank_from, t.rank_to] for t in tiers), key=lambda t: t[1])
    if wanted == before:
        return list(edition.award_tiers.order_by("rank_from"))
    edition.award_tiers.all().delete()
    made = AwardTier.objects.bulk_create(
        AwardTier(edition=edition, name=name, rank_from=first, rank_to=last) for name, first, last in wanted
    )
    record_change(
        actor=actor,
        action=audit_actions.AWARD_LADDER_SET,
        target=edition,
        ip=ip,
        before={"award_ladder": before},
        after={"award_ladder": wanted},
    )
    return made


@dataclass(frozen=True)
class CategorySpec:
    name: str
    slug: str = ""
    description: str = ""
    position: int = 0
    id: int | None = None  # an existing category of the edition, or None for a new one


def _categories_state(edition: Edition) -> list[dict[str, Any]]:
    return [
        {"id": c.pk, "name": c.name, "slug": c.slug, "description": c.description, "position": c.position}
        for c in edition.categories.order_by("position", "pk")
    ]


def check_categories(*, edition: Edition, categories: Sequence[CategorySpec]) -> None:
    """Raise ``ValidationError`` if ``set_categories`` would be refused: a category of another
    edition, or the removal of one that entries were filed under (it would take them with it)."""
    existing = set(edition.categories.values_list("pk", flat=True))
    foreign = {spec.id for spec in categories if spec.id is not None} - existing
    if foreign:
        raise ValidationError(f"Category #{min(foreign)} is not a category of {edition}.")
    removed = edition.categories.exclude(pk__in={spec.id for spec in categories if spec.id is not None})
    collector = Collector(using=removed.db)
    try:
        collector.collect(list(removed))
    except ProtectedError as error:
        names = sorted({str(getattr(obj, "category", obj)) for obj in error.protected_objects})
        raise ValidationError(f"Entries are filed under {', '.join(names)}: it cannot be removed.") from error


FESTIVAL_FIELDS: tuple[str, ...] = ("name", "slug", "website", "contact_email")


@transaction.atomic
def update_festival(*, festival: Festival, actor: User | None, ip: str | None = None, **changes: Any) -> Festival:
    """Change a festival's name, address or contact (``FESTIVAL_FIELDS``); audited."""
    return update_audited(festival, FESTIVAL_FIELDS, changes, audit_actions.FESTIVAL_CHANGED, actor=actor, ip=ip)


def update_audited(
    obj: Any, fields: tuple[str, ...], changes: dict[str, Any], action: str, *, actor: User | None, ip: str | None
) -> Any:
    """Set ``changes`` (names of ``fields`` only) on ``obj``, validate, save what changed and
    audit it with before/after in the one shape of ``field_state``."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValueError(f"Not a setting of {obj._meta.verbose_name}: {', '.join(sorted(unknown))}.")
    before = field_state(obj, fields)
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean()
    after = field_state(obj, fields)
    changed = [name for name in fields if before[name] != after[name]]
    if changed:
        obj.save(update_fields=changed)
    record_change(
        actor=actor,
        action=action,
        target=obj,
        ip=ip,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return obj


@transaction.atomic
def set_categories(
    *, edition: Edition, categories: Sequence[CategorySpec], actor: User | None, ip: str | None = None
) -> list[Category]:
    """Make the edition's categories exactly ``categories``: update by id, add new, remove the rest.

    A category that entries were filed under is never removed (it would take them with it).
    """
    check_categories(edition=edition, categories=categories)
    before = _categories_state(edition)
    kept_ids = {spec.id for spec in categories if spec.id is not None}
    existing = keep_only(Category.objects.filter(edition=edition), kept_ids, unique="slug")
    result = []
    for spec in categories:
        category = existing[spec.id] if spec.id is not None else Category(edition=edition)
        category.name = spec.name.strip()
        category.slug = spec.slug or slugify(spec.name)
        category.description = spec.description
        category.position = spec.position
        category.full_clean(exclude=["edition"], validate_unique=False)
        category.save()
        result.append(category)
    record_change(
        actor=actor,
        action=audit_actions.CATEGORIES_SET,
        target=edition,
        ip=ip,
        before={"categories": before},
        after={"categories": _categories_state(edition)},
    )
    return result


@transaction.atomic
def set_judge_active(
    *, membership: JudgeMembership, is_active: bool, actor: User | None, ip: str | None = None
) -> JudgeMembership:
    """Suspend a judge of an edition (or let them back in); audited."""
    updated: JudgeMembership = update_audited(
        membership, ("is_active",), {"is_active": is_active}, audit_actions.JUDGE_ACTIVE_SET, actor=actor, ip=ip
    )
    return updated


# --- Judge invitations ---------------------------------------------------------------


class InvitationError(Exception):
    """Why an invitation link cannot be used; ``message`` is shown to the person."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvitationNotFound(InvitationError):
    status = 404


class InvitationUnusable(InvitationError):
    status = 410  # expired, used or revoked: it existed, and never will work again


class InvitationForSomeoneElse(InvitationError):
    status = 403


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: JudgeInvitation
    url: str  # carries the only copy of the raw token


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_judge(*, edition: Edition, email: str, invited_by: User) -> IssuedInvitation:
    """Invite ``email`` to judge ``edition``; the e-mail goes out once the row is committed."""
    email = email.strip().lower()
    token = secrets.token_urlsafe(32)
    invitation = JudgeInvitation.objects.create(
        edition=edition,
        email=email,
        token_digest=_digest(token),
        invited_by=invited_by,
        expires_at=timezone.now() + settings.LAUREL_INVITATION_TTL,
    )
    url = settings.SITE_URL + reverse("festival:invitation", kwargs={"token": token})
    record_audit(actor=invited_by, action=audit_actions.JUDGE_INVITED, target=invitation, after={"email": email})
    # The notifications app records and sends the message (festival imports no other app:
    # settings name the service, as they name the mail backend).
    notify_address = import_string(settings.LAUREL_NOTIFY_ADDRESS)
    notify_address(
        event="judge.invitation",
        address=email,
        edition=edition,
        context={
            "invited_by": invited_by.get_full_name(),
            "invitation_url": url,
            "expires_at": edition.local(invitation.expires_at).strftime("%-d %B %Y %H:%M %Z"),
        },
        key=f"invitation:{invitation.pk}",
    )
    return IssuedInvitation(invitation=invitation, url=url)


def find_invitation(*, token: str) -> JudgeInvitation:
    """The invitation a link names, checked for use; raises ``InvitationError``."""
    invitation = JudgeInvitation.objects.select_related("edition__festival").filter(token_digest=_digest(token)).first()
    if invitation is None:
        raise InvitationNotFound("This invitation link is not valid. Check that you copied all of it.")
    if invitation.revoked_at is not None:
        raise InvitationUnusable("This invitation was withdrawn by the festival.")
    if invitation.accepted_at is not None:
        raise InvitationUnusable("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable("This invitation expired. Ask the festival's organizers to send you a new one.")
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user: User, ip: str | None = None) -> JudgeMembership:
    invitation = find_invitation(token=token)
    if invitation.email.lower() != user.email.lower():
        raise InvitationForSomeoneElse(
            f"This invitation was sent to another e-mail address; you are signed in as {user.email}."
            " Sign in with the invited address to accept it."
        )
    # Compare-and-set: of two tabs accepting at once, exactly one wins.
    claimed = JudgeInvitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if claimed != 1:
        raise InvitationUnusable("This invitation has already been used.")
    membership, _ = JudgeMembership.objects.update_or_create(
        edition=invitation.edition, user=user, defaults={"is_active": True}
    )
    record_audit(
        actor=user,
        action=audit_actions.JUDGE_JOINED,
        target=membership,
        ip=ip,
        after={"edition": invitation.edition_id, "invitation": invitation.pk},
    )
    return membership


@transaction.atomic
def revoke_invitation(*, invitation: JudgeInvitation, actor: User, ip: str | None = None) -> bool:
    """Withdraw an invitation that was not used yet (its link stops working); audited.

    Returns whether it was revoked now (an accepted or already revoked one is left alone).
    """
    revoked = JudgeInvitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked:
        record_audit(
            actor=actor,
            action=audit_actions.JUDGE_INVITATION_REVOKED,
            target=invitation,
            ip=ip,
            after={"email": invitation.email},
        )
    return bool(revoked)
