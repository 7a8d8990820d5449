"""Organizer back office for submissions.

Organizers see the submissions of their own festivals only (``FestivalScopedAdmin``).
The entrant's data is read-only here: every change to a submission goes through
``submissions.services`` so it is checked and audited; the one organizer action,
disqualifying with a reason, is an admin action that calls the service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from festival.admin_base import FestivalScopedAdmin, ReadOnlyInline
from festival.client import client_ip
from festival.models import User
from festival.selectors import Scope
from submissions import services
from submissions.forms import DisqualifyForm
from submissions.models import AITool, AIUse, AttestationRecord, Credit, Submission


class CreditInline(ReadOnlyInline):
    model = Credit
    fields = ["name", "role", "organization", "is_entrant"]


class AIUseInline(ReadOnlyInline):
    model = AIUse
    fields = ["stage", "tool", "tool_other", "model_version", "runtime_share_percent", "notes"]


class AttestationInline(ReadOnlyInline):
    model = AttestationRecord
    fields = ["code", "text", "user", "accepted_at"]


@admin.register(Submission)
class SubmissionAdmin(FestivalScopedAdmin):
    scope = Scope(festival="edition__festival")
    list_display = ["title", "edition", "category", "entrant", "state", "processing", "film_page", "submitted_at"]
    list_filter = ["edition", "state"]
    list_select_related = ["edition", "category", "entrant", "film__job"]
    search_fields = ["title", "entrant__email", "credits__name"]
    date_hierarchy = "created_at"
    inlines = [CreditInline, AIUseInline, AttestationInline]
    actions = ["disqualify"]
    fieldsets = [
        (None, {"fields": ["edition", "category", "entrant", "state", "film_page"]}),
        (
            "Film details",
            {
                "fields": [
                    "title",
                    "logline",
                    "synopsis",
                    "declared_runtime_seconds",
                    "languages",
                    "country",
                    "ai_statement",
                ]
            },
        ),
        ("Prize contact", {"fields": ["prize_contact_name", "prize_contact_email", "prize_contact_phone"]}),
        (
            "Dates",
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "submitted_at",
                    "withdrawn_at",
                    "disqualified_at",
                    "disqualified_reason",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # (a search by credit name joins credits: the admin adds DISTINCT only then)
        return super().get_queryset(request).select_related("edition__festival", "category", "entrant", "film__job")

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [*(field.name for field in Submission._meta.fields), "film_page"]

    @admin.display(description="Film")
    def film_page(self, obj: Submission) -> str:
        """The organizer's film page (player, QC report, job): the film's own admin row is the
        pipeline's, so linking there would answer 403."""
        if obj.film_id is None:
            return "—"
        return format_html(
            '<a href="{}">Player, QC and processing</a>', reverse("media:film_detail", args=[obj.film_id])
        )

    @admin.display(description="Processing")
    def processing(self, obj: Submission) -> str:
        film = obj.film
        job = getattr(film, "job", None) if film is not None else None
        return job.get_state_display() if job is not None else "—"

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # entrants create submissions

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # read-only: changes go through the services (and the disqualify action)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # a submission is withdrawn or disqualified, never deleted

    @admin.action(description="Disqualify the selected submissions (asks for a reason)")
    def disqualify(self, request: HttpRequest, queryset: QuerySet[Submission]) -> HttpResponse | None:
        assert isinstance(request.user, User)
        form = DisqualifyForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for submission in queryset:
                try:
                    services.disqualify_submission(
                        submission=submission,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                        ip=client_ip(request),
                    )
                except services.SubmissionError as error:
                    self.message_user(request, f"“{submission}”: {error.message}", messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(request, f"Disqualified {done} submission(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Disqualify submissions",
            "opts": self.model._meta,
            "submissions": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "submissions/admin_disqualify.html", context)


@admin.register(AITool)
class AIToolAdmin(admin.ModelAdmin):
    """The tool vocabulary entrants pick from; shared by every festival (platform admins edit it)."""

    list_display = ["name", "slug", "vendor", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "vendor"]
    prepopulated_fields = {"slug": ("name",)}
