"""Reads of the festival domain used by pages, the API and other apps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import DateTimeField, ExpressionWrapper, F, QuerySet

from festival.models import Edition, Festival, JudgeInvitation, JudgeMembership, User


@dataclass(frozen=True)
class Roles:
    """What a signed-in person may do, for navigation and permission checks."""

    organizer_of: frozenset[int] = field(default_factory=frozenset)  # festival ids
    judge_of: frozenset[int] = field(default_factory=frozenset)  # edition ids
    is_superuser: bool = False

    @property
    def is_organizer(self) -> bool:
        return bool(self.organizer_of) or self.is_superuser

    @property
    def is_judge(self) -> bool:
        return bool(self.judge_of)

    def organizes(self, festival_id: int) -> bool:
        return self.is_superuser or festival_id in self.organizer_of


def roles_of(user: User | AnonymousUser) -> Roles:
    if not user.is_authenticated:
        return Roles()
    organizer_of = frozenset(user.organizer_memberships.values_list("festival_id", flat=True))
    judge_of = frozenset(user.judge_memberships.filter(is_active=True).values_list("edition_id", flat=True))
    return Roles(organizer_of=organizer_of, judge_of=judge_of, is_superuser=user.is_superuser)


def festivals_organized_by(user: User) -> QuerySet[Festival]:
    qs = Festival.objects.all()
    if not user.is_superuser:
        qs = qs.filter(organizers__user=user)
    return qs.prefetch_related("editions")


def editions_judged_by(user: User) -> QuerySet[Edition]:
    return Edition.objects.filter(judges__user=user, judges__is_active=True).select_related("festival")


def upcoming_and_open_editions(now: datetime) -> QuerySet[Edition]:
    """Editions that still accept films or will: their deadline plus grace is ahead."""
    hard_close = ExpressionWrapper(F("submissions_close_at") + F("grace_period"), output_field=DateTimeField())
    return (
        Edition.objects.alias(hard_close=hard_close)
        .filter(hard_close__gte=now)
        .select_related("festival")
        .prefetch_related("categories")
        .order_by("submissions_close_at")
    )


def judges_of(edition: Edition) -> QuerySet[JudgeMembership]:
    return edition.judges.select_related("user").order_by("user__email")


def invitations_of(edition: Edition) -> QuerySet[JudgeInvitation]:
    return edition.invitations.select_related("invited_by", "accepted_by").order_by("-created_at")


@dataclass(frozen=True)
class EditionWindow:
    edition: Edition
    accepting: bool
    summary: str  # "Closes 30 November 2026, 23:59 (America/New_York)"


def edition_windows(now: datetime) -> list[EditionWindow]:
    """Upcoming and open editions, each with where its window stands at ``now``."""
    return [
        EditionWindow(edition=e, accepting=e.window.accepts_at(now), summary=e.window.describe(now))
        for e in upcoming_and_open_editions(now)
    ]
