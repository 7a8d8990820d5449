"""Festival scoping for the back office, in one place.

Organizers are staff, but each sees and edits only the festivals they organize. Every
admin of a festival-owned model derives from ``FestivalScopedAdmin`` (inlines from
``ScopedInline``): their querysets (lists, change and history pages, actions, the
autocomplete of fields pointing at them), the choices of their foreign-key and many-to-many
fields and their related-field list filters all go through ``festival.selectors.organized``.
A foreign key to a model with no known scope offers nothing to an organizer (deny by default).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from festival.client import client_ip
from festival.permissions import request_roles
from festival.selectors import Scope, organized

# Models without an admin of their own that forms point at: how each reaches its festival.
_SCOPES: dict[type[Model], Scope] = {}


def register_scope(model: type[Model], scope: Scope) -> None:
    _SCOPES[model] = scope


def scope_of(model: type[Model]) -> Scope | None:
    return _SCOPES.get(model)


def scoped(request: HttpRequest, qs: QuerySet[Any], scope: Scope | None) -> QuerySet[Any]:
    """``qs`` limited to the request's organizer's festivals (superusers: everything)."""
    roles = request_roles(request)
    if roles.is_superuser:
        return qs
    if scope is None:
        return qs.none()
    return organized(qs, roles=roles, scope=scope)


def related_queryset(request: HttpRequest, model: type[Model]) -> QuerySet[Any]:
    """The rows of ``model`` an organizer may pick in a form or filter on."""
    qs = scoped(request, model._default_manager.all(), scope_of(model))
    related_admin = admin.site._registry.get(model)
    select = getattr(related_admin, "list_select_related", None)
    if isinstance(select, list | tuple) and select:
        qs = qs.select_related(*select)
    return qs


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter offering only the organizer's own rows (never another festival's names)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        qs = related_queryset(request, field.related_model)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            qs = qs.order_by(*ordering)
        return [(str(obj.pk), str(obj)) for obj in qs]


class ScopeMixin:
    """Form fields of admins and inlines offer only rows of the organizer's festivals."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:
            kwargs["queryset"] = related_queryset(request, db_field.related_model)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:
            kwargs["queryset"] = related_queryset(request, db_field.related_model)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class LargeTablePaginator(Paginator):
    """Pages a huge list without ``COUNT(*)``: PostgreSQL's planner estimate of the list's rows
    (filtered or not; the admin only shows page links from it) when that is large, an exact
    count otherwise. The rows shown are the list's exactly; only the total is approximate."""

    ESTIMATE_ABOVE = 100_000

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if isinstance(qs, QuerySet) and connections[qs.db].vendor == "postgresql":
            estimate = planner_estimate(qs)
            if estimate > self.ESTIMATE_ABOVE:
                return estimate
        return super().count


def planner_estimate(qs: QuerySet[Any]) -> int:
    """The rows PostgreSQL's planner expects ``qs`` to have (EXPLAIN, nothing run): one quick
    query whatever the table's size."""
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        row = cursor.fetchone()
    plan = json.loads(row[0]) if row and isinstance(row[0], str) else (row[0] if row else None)
    return int(plan[0]["Plan"]["Plan Rows"]) if plan else -1


class FestivalScopedAdmin(ScopeMixin, admin.ModelAdmin):
    """Admin whose rows belong to a festival, reached through ``scope``.

    ``scope`` is a ``Scope`` (a festival path such as ``"edition__festival"``, or the path of a
    media group key ``"edition:<id>"``). Subclasses set it; it is registered so that forms and
    filters pointing at this model are scoped the same way.
    """

    scope: Scope = Scope(festival="festival")
    show_full_result_count = False  # never a second COUNT(*) of the whole table per page

    def __init__(self, model: type[Model], admin_site: admin.AdminSite) -> None:
        super().__init__(model, admin_site)
        register_scope(model, self.scope)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scoped(request, super().get_queryset(request), self.scope)

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters: list[Any] = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and "__" not in item:
                field = self.model._meta.get_field(item)
                if field.is_relation:
                    item = (item, ScopedRelatedFieldListFilter)
            filters.append(item)
        return filters

    def _in_scope(self, request: HttpRequest, obj: Model) -> bool:
        cache: dict[tuple[str, Any], bool] = request.__dict__.setdefault("_laurel_in_scope", {})
        key = (self.model._meta.label_lower, obj.pk)
        if key not in cache:
            cache[key] = self.get_queryset(request).filter(pk=obj.pk).exists()
        return cache[key]

    def _allowed(self, request: HttpRequest, obj: Model | None) -> bool:
        roles = request_roles(request)
        if not roles.is_organizer:
            return False
        return obj is None or roles.is_superuser or self._in_scope(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, None)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, None)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, obj)


_linked_admin_url = helpers.AdminReadonlyField.get_admin_url  # type: ignore[attr-defined]


def _admin_url_the_organizer_may_open(self: helpers.AdminReadonlyField, remote_field: Any, remote_obj: Any) -> str:
    """On an organizer's page, a read-only foreign key links only to a festival-scoped admin:
    Django links every one to its admin page, which answers 403 for a model the organizer has
    no admin of (an entrant's account, a decision's author): those show as text instead."""
    remote_admin = self.model_admin.admin_site._registry.get(remote_field.model) if self.model_admin else None
    if isinstance(self.model_admin, FestivalScopedAdmin) and not isinstance(remote_admin, FestivalScopedAdmin):
        return str(remote_obj)
    return str(_linked_admin_url(self, remote_field, remote_obj))


helpers.AdminReadonlyField.get_admin_url = _admin_url_the_organizer_may_open  # type: ignore[attr-defined]


class ReadOnlyScopedAdmin(FestivalScopedAdmin):
    """Rows written by services and pipelines only: visible to their organizers, never edited here."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # The change list needs it (with obj None) to offer actions; a row's page stays read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ScopedInline(ScopeMixin, admin.TabularInline):
    """Rows edited inside a parent the organizer may already edit (the parent admin checks the
    festival); their form fields are scoped like the parent's."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request_roles(request).is_organizer

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request_roles(request).is_organizer

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request_roles(request).is_organizer

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request_roles(request).is_organizer


class ReadOnlyInline(ScopedInline):
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def actor_of(request: HttpRequest) -> Any:
    """The signed-in user, as the ``actor`` of a service call."""
    user = request.user
    assert user.is_authenticated
    return user


def ip_of(request: HttpRequest) -> str | None:
    return client_ip(request)  # the one reading of the client's address (trusted proxy set-up)


def kept_forms(formset: Any) -> list[Any]:
    """The forms of an inline that stay: not marked for deletion, not an untouched extra row."""
    return [
        form
        for form in formset.forms
        if form.cleaned_data
        and not form.cleaned_data.get("DELETE")
        and (form.instance.pk is not None or form.has_changed())
    ]


def saved_by_service(formsets: Any) -> None:
    """The inlines were written by a service (which audited them): the admin's own change
    message lists no rows of its own."""
    for formset in formsets:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def adopt(obj: Model, saved: Model) -> None:
    """Make the admin's unsaved form instance the row a service saved (the admin logs and
    redirects with ``obj``)."""
    obj.__dict__.update(saved.__dict__)
