"""Organizer back office for the festival domain.

Scoping (which festivals an organizer sees) lives in ``festival.admin_base``; every write
here calls ``festival.services`` (the admin holds no business logic and writes no row a
service owns). Edition dates are entered and shown in the edition's own time zone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from festival import services
from festival.admin_base import (
    FestivalScopedAdmin,
    LargeTablePaginator,
    ReadOnlyScopedAdmin,
    ScopedInline,
    actor_of,
    adopt,
    ip_of,
    kept_forms,
    register_scope,
    saved_by_service,
)
from festival.audit_actions import known_actions
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
from festival.selectors import Scope

register_scope(Category, Scope(festival="edition__festival"))
register_scope(AwardTier, Scope(festival="edition__festival"))


def category_specs(formset: BaseInlineFormSet[Any, Any, Any]) -> list[services.CategorySpec]:
    return [
        services.CategorySpec(
            id=form.instance.pk,
            name=form.cleaned_data["name"],
            slug=form.cleaned_data.get("slug") or "",
            description=form.cleaned_data.get("description") or "",
            position=form.cleaned_data.get("position") or 0,
        )
        for form in kept_forms(formset)
    ]


def tier_specs(formset: BaseInlineFormSet[Any, Any, Any]) -> list[services.TierSpec]:
    return [
        services.TierSpec(
            name=form.cleaned_data["name"],
            rank_from=form.cleaned_data["rank_from"],
            rank_to=form.cleaned_data["rank_to"],
        )
        for form in kept_forms(formset)
    ]


class AwardLadderFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if not any(form.errors for form in self.forms):
            services.check_award_ladder(tier_specs(self))


class CategoryFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if not any(form.errors for form in self.forms) and self.instance.pk is not None:
            services.check_categories(edition=self.instance, categories=category_specs(self))


class CategoryInline(ScopedInline):
    model = Category
    formset = CategoryFormSet
    fields = ["name", "slug", "description", "position"]
    prepopulated_fields = {"slug": ("name",)}


class AwardTierInline(ScopedInline):
    model = AwardTier
    formset = AwardLadderFormSet
    fields = ["name", "rank_from", "rank_to"]


@admin.register(Festival)
class FestivalAdmin(FestivalScopedAdmin):
    scope = Scope(festival="pk")
    list_display = ["name", "slug", "website"]
    search_fields = ["name", "slug"]
    fields = list(services.FESTIVAL_FIELDS)
    prepopulated_fields = {"slug": ("name",)}

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # new festivals are set up by the platform (services.create_festival)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Festival, form: ModelForm[Festival], change: bool) -> None:
        saved = services.update_festival(
            festival=Festival.objects.get(pk=obj.pk),
            actor=actor_of(request),
            ip=ip_of(request),
            **{name: form.cleaned_data[name] for name in form.changed_data},
        )
        adopt(obj, saved)


@admin.register(Edition)
class EditionAdmin(FestivalScopedAdmin):
    scope = Scope(festival="festival")
    list_display = ["name", "festival", "year", "time_zone", "submissions_close_at", "films_per_entrant"]
    list_filter = ["festival", "year"]
    list_select_related = ["festival"]
    search_fields = ["name", "slug", "festival__name"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [CategoryInline, AwardTierInline]
    fieldsets = [
        (None, {"fields": ["festival", *services.EDITION_IDENTITY]}),
        ("Submission window (entered in the edition's time zone)", {"fields": list(services.EDITION_WINDOW)}),
        ("Rules", {"fields": list(services.EDITION_RULES)}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return ["festival"] if obj is not None else []  # an edition never moves to another festival

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "allowed_containers": list(DEFAULT_CONTAINERS),
            "required_attestations": list(DEFAULT_ATTESTATIONS),
            **super().get_changeform_initial_data(request),
        }

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # an edition holds entries and scores: it is never deleted from the admin

    def save_model(self, request: HttpRequest, obj: Edition, form: ModelForm[Edition], change: bool) -> None:
        data = dict(form.cleaned_data)
        for name in ("allowed_containers", "required_attestations", "blocking_qc"):
            if name in data and data[name] is None:
                data[name] = []  # an emptied JSON list field reads as None
        if change:
            saved = services.update_edition(
                edition=Edition.objects.get(pk=obj.pk),
                actor=actor_of(request),
                ip=ip_of(request),
                **{name: data[name] for name in form.changed_data if name in services.EDITION_FIELDS},
            )
        else:
            rules = {name: data[name] for name in services.EDITION_FIELDS if name in data}
            # Left empty on the add form: the platform's defaults (every container, every statement).
            for name in ("allowed_containers", "required_attestations"):
                if not rules.get(name):
                    rules.pop(name, None)
            saved = services.create_edition(festival=data["festival"], actor=actor_of(request), **rules)
        adopt(obj, saved)

    def save_related(self, request: HttpRequest, form: ModelForm[Edition], formsets: Any, change: bool) -> None:
        edition = form.instance
        for formset in formsets:
            if formset.model is Category:
                specs = category_specs(formset)
                if change or specs:
                    services.set_categories(
                        edition=edition, categories=specs, actor=actor_of(request), ip=ip_of(request)
                    )
            elif formset.model is AwardTier:
                tiers = tier_specs(formset)
                if change or tiers:  # an edition added without rungs keeps the default ladder
                    services.set_award_ladder(edition=edition, tiers=tiers, actor=actor_of(request), ip=ip_of(request))
        saved_by_service(formsets)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # Show and read the window's dates in the edition's own zone, not the server's.
        zone = request.POST.get("time_zone")
        if not zone and object_id:
            zone = Edition.objects.filter(pk=object_id).values_list("time_zone", flat=True).first()
        try:
            timezone.activate(zone or "UTC")
        except Exception:  # an unknown zone in the POST: the form reports it on the field
            timezone.activate("UTC")
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        finally:
            timezone.deactivate()


@admin.register(OrganizerMembership)
class OrganizerMembershipAdmin(admin.ModelAdmin):
    """Who organizes which festival: the platform's superusers decide (Django permissions)."""

    list_display = ["user", "festival", "created_at"]
    list_select_related = ["user", "festival"]
    autocomplete_fields = ["user"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        membership = services.add_organizer(festival=obj.festival, user=obj.user, actor=actor_of(request))
        adopt(obj, membership)


@admin.register(JudgeMembership)
class JudgeMembershipAdmin(FestivalScopedAdmin):
    """Judges join by accepting an invitation (Organize → Judges); here an organizer only
    suspends a judge or lets them back in. Never a way to make any account a judge."""

    scope = Scope(festival="edition__festival")
    list_display = ["user", "edition", "is_active", "created_at"]
    list_filter = ["edition", "is_active"]
    list_select_related = ["user", "edition"]
    search_fields = ["user__email", "user__full_name"]
    fields = ["user", "edition", "is_active"]
    ordering = ["edition", "user__email"]
    readonly_fields = ["user", "edition"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # suspend instead: the judge's scores and assignments stay on record

    def save_model(
        self, request: HttpRequest, obj: JudgeMembership, form: ModelForm[JudgeMembership], change: bool
    ) -> None:
        saved = services.set_judge_active(
            membership=JudgeMembership.objects.get(pk=obj.pk),
            is_active=form.cleaned_data["is_active"],
            actor=actor_of(request),
            ip=ip_of(request),
        )
        adopt(obj, saved)


@admin.register(JudgeInvitation)
class JudgeInvitationAdmin(ReadOnlyScopedAdmin):
    """Invitations are sent from Organize → Judges (which e-mails the link); an organizer can
    revoke one that was not used yet."""

    scope = Scope(festival="edition__festival")
    list_display = ["email", "edition", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["edition"]
    list_select_related = ["edition"]
    search_fields = ["email"]
    readonly_fields = [
        "email",
        "edition",
        "created_at",
        "expires_at",
        "invited_by",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected invitations (their links stop working)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[JudgeInvitation]) -> None:
        revoked = sum(
            services.revoke_invitation(invitation=invitation, actor=actor_of(request), ip=ip_of(request))
            for invitation in queryset
        )
        self.message_user(request, f"{revoked} invitation(s) revoked.", messages.SUCCESS)


class AuditActionFilter(admin.SimpleListFilter):
    """By action, offering the actions the apps define (``known_actions``): the field's own
    filter reads ``SELECT DISTINCT action`` over the whole trail on every page of the list."""

    title = "action"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [(action, action) for action in known_actions()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(action=value) if value else queryset  # audit_action_time


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The platform's audit trail (append-only): its superusers read it here. Millions of rows:
    the list is ordered and filtered by indexes and never counted in full."""

    list_display = ["created_at", "actor", "action", "target_type", "target_id", "ip"]
    list_filter = [AuditActionFilter]
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    show_full_result_count = False
    paginator = LargeTablePaginator

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ()
    list_filter = ("is_staff", "is_superuser", "is_active")
