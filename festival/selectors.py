"""Reads of the festival domain used by pages, the API and other apps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import BooleanField, CharField, DateTimeField, ExpressionWrapper, F, Func, QuerySet, Value
from django.db.models.functions import Cast, Concat

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


@dataclass(frozen=True)
class Scope:
    """How rows of a model reach their festival: a path to the festival (``"edition__festival"``,
    ``"pk"`` for festivals themselves), or the path to a media group key (``"edition:<id>"``:
    media knows films by the edition's group key, not by a foreign key)."""

    festival: str = ""
    group_key: str = ""


def group_keys_of(festival_ids: frozenset[int]) -> QuerySet[Any]:
    """The media group keys ("edition:<id>") of the editions of these festivals, as a subquery."""
    return (
        Edition.objects.filter(festival_id__in=festival_ids)
        .annotate(key=Concat(Value("edition:"), Cast("pk", output_field=CharField())))
        .values("key")
    )


def organized(qs: QuerySet[Any], *, roles: Roles, scope: Scope) -> QuerySet[Any]:
    """``qs`` limited to the festivals ``roles`` organize: the one scoping rule of the admin
    and the organizer's console (superusers see everything)."""
    if roles.is_superuser:
        return qs
    if scope.group_key:
        return qs.filter(**{f"{scope.group_key}__in": group_keys_of(roles.organizer_of)})
    hop, _, rest = scope.festival.partition("__")
    if not rest or connections[qs.db].vendor != "postgresql":
        return qs.filter(**{f"{scope.festival}__in": roles.organizer_of})
    # A path through another table ("round__edition__festival"): the rows whose first hop is
    # one of the organizer's (their rounds, a handful), as ``round_id = ANY(ARRAY(SELECT ...))``.
    # The same rows as joining through, but the planner can then walk an index that starts
    # with ``round_id`` in the list's order and stop at the page's last row, instead of
    # joining and sorting the whole table first (300,000 scores at 100,000 entries).
    field = qs.model._meta.get_field(hop)
    hops = field.related_model._default_manager.filter(**{f"{rest}__in": roles.organizer_of}).order_by().values("pk")
    return qs.filter(EqualsAny(F(field.attname), ArraySubquery(hops)))


class EqualsAny(Func):
    """``column = ANY(array)`` (PostgreSQL): a membership test an index scan keeps its order with."""

    arity = 2
    output_field = BooleanField()

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:  # type: ignore[override]
        column, array = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        array_sql, array_params = compiler.compile(array)
        return f"{column_sql} = ANY({array_sql})", (*column_params, *array_params)


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
