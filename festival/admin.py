"""Organizer back office.

Organizers are staff, but each sees and edits only the festivals they organize: the
querysets and permissions below are scoped by OrganizerMembership rather than by Django's
global model permissions, which cannot express "this festival, not that one".
Edition dates are entered and shown in the edition's own time zone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from festival import services
from festival.models import (
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
from festival.permissions import request_roles


class FestivalScopedAdmin(admin.ModelAdmin):
    """Admin whose rows belong to a festival reached through ``festival_path``."""

    festival_path = "festival"

    def _festival_ids(self, request: HttpRequest) -> frozenset[int]:
        return request_roles(request).organizer_of

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.festival_path}__in": self._festival_ids(request)})

    def _allowed(self, request: HttpRequest, obj: Model | None) -> bool:
        roles = request_roles(request)
        if not roles.is_organizer:
            return False
        if obj is None or roles.is_superuser:
            return True
        festival_id = obj.pk if isinstance(obj, Festival) else self._festival_of(obj)
        return roles.organizes(festival_id)

    def _festival_of(self, obj: Model) -> int:
        target: Any = obj
        for part in self.festival_path.split("__"):
            target = getattr(target, part)
        return int(target.pk)

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

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model in (Festival, Edition) and not request.user.is_superuser:
            ids = self._festival_ids(request)
            lookup = "pk__in" if db_field.related_model is Festival else "festival__in"
            kwargs["queryset"] = db_field.related_model.objects.filter(**{lookup: ids})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OrganizerInline(admin.TabularInline):
    """Rows edited inside an edition the organizer may already edit (checked by the parent)."""

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request_roles(request).is_organizer

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request_roles(request).is_organizer


class CategoryInline(OrganizerInline):
    model = Category
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


class AwardTierInline(OrganizerInline):
    model = AwardTier
    extra = 0


@admin.register(Festival)
class FestivalAdmin(FestivalScopedAdmin):
    festival_path = "pk"
    list_display = ["name", "slug", "website"]
    prepopulated_fields = {"slug": ("name",)}

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser  # new festivals are set up by the platform's admins


@admin.register(Edition)
class EditionAdmin(FestivalScopedAdmin):
    list_display = ["name", "festival", "year", "time_zone", "submissions_close_at", "films_per_entrant"]
    list_filter = ["festival", "year"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [CategoryInline, AwardTierInline]
    fieldsets = [
        (None, {"fields": ["festival", "name", "slug", "year"]}),
        (
            "Submission window (entered in the edition's time zone)",
            {"fields": ["time_zone", "submissions_open_at", "submissions_close_at", "grace_period"]},
        ),
        (
            "Rules",
            {
                "fields": [
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
                ]
            },
        ),
    ]

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
    autocomplete_fields = ["user"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        membership = services.add_organizer(festival=obj.festival, user=obj.user, actor=request.user)
        obj.pk = membership.pk


@admin.register(JudgeMembership)
class JudgeMembershipAdmin(FestivalScopedAdmin):
    festival_path = "edition__festival"
    list_display = ["user", "edition", "is_active", "created_at"]
    list_filter = ["edition", "is_active"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # judges join through an invitation (Organize → Judges)


@admin.register(JudgeInvitation)
class JudgeInvitationAdmin(FestivalScopedAdmin):
    festival_path = "edition__festival"
    list_display = ["email", "edition", "created_at", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = ["token_digest", "invited_by", "accepted_at", "accepted_by", "revoked_at"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # sent from Organize → Judges, which e-mails the link

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "ip"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

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
