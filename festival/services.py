"""Every write to the festival domain. Keyword-only, typed, atomic, audited."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from festival import audit
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
    festival_id = festival.pk if festival is not None else audit.festival_id_of(target)
    event = AuditEvent(
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
    with transaction.atomic():
        return audit.append(event)


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
        record_audit(actor=actor, action="organizer.added", target=festival, after={"user": user.email})
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
    """Create an edition with the default award ladder and attestations.

    ``rules`` are Edition rule fields (runtime_min_seconds, films_per_entrant, ...).
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
        allowed_containers=list(DEFAULT_CONTAINERS),
        required_attestations=list(DEFAULT_ATTESTATIONS),
        **rules,
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
    record_audit(actor=actor, action="edition.created", target=edition, after={"name": name})
    return edition


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
    record_audit(actor=invited_by, action="judge.invited", target=invitation, after={"email": email})
    body = render_to_string(
        "festival/email/judge_invitation.txt",
        {"edition": edition, "url": url, "invitation": invitation, "invited_by": invited_by},
    )
    subject = f"You are invited to judge {edition}"
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False))
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
        action="judge.joined",
        target=membership,
        ip=ip,
        after={"edition": invitation.edition_id, "invitation": invitation.pk},
    )
    return membership


@transaction.atomic
def revoke_invitation(*, invitation: JudgeInvitation, actor: User) -> None:
    JudgeInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(revoked_at=timezone.now())
    record_audit(actor=actor, action="judge.invitation_revoked", target=invitation)
