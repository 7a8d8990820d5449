"""Organizer back office for AI-usage evidence, flags and possible duplicates (imported by media/admin.py).

Everything here is computed from the files, so it is view-only. An organizer sees the
films of the editions of festivals they organize: a film's ``group_key`` is "edition:<id>".
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from festival.admin_base import ReadOnlyScopedAdmin, related_queryset
from festival.models import Edition
from festival.selectors import Scope
from media.ai_usage.selectors import ai_usage_context
from media.models import AIEvidence, AIFlag, DuplicatePair


class EditionFilter(admin.SimpleListFilter):
    """Filter by edition, offering only the editions the organizer may see."""

    title = "edition"
    parameter_name = "group"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        editions = related_queryset(request, Edition).select_related("festival").order_by("festival__name", "-year")
        return [(f"edition:{e.pk}", f"{e.festival.name} — {e.name}") for e in editions]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        path = getattr(self, "group_path", "film__group_key")
        return queryset.filter(**{path: self.value()})


class PairEditionFilter(EditionFilter):
    group_path = "group_key"


class EvidenceAdminBase(ReadOnlyScopedAdmin):
    """View-only, scoped to the organizer's editions through the film's group key."""

    scope = Scope(group_key="film__group_key")

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # no actions here either


@admin.register(AIEvidence)
class AIEvidenceAdmin(EvidenceAdminBase):
    list_display = ["film", "film_group", "c2pa_state", "recorded_at"]
    list_filter = [EditionFilter, "c2pa_state"]
    list_select_related = ["film"]
    search_fields = ["film__original_filename", "=film__id"]
    fields = ["film", "c2pa_state", "recorded_at", "summary"]
    readonly_fields = ["film", "c2pa_state", "recorded_at", "summary"]

    @admin.display(description="Group", ordering="film__group_key")
    def film_group(self, obj: AIEvidence) -> str:
        return obj.film.group_key

    @admin.display(description="Evidence, flags and shots")
    def summary(self, obj: AIEvidence) -> SafeString:
        base_url = reverse("media:film_asset", kwargs={"film_id": obj.film_id, "asset": "x"})[:-1]
        html: SafeString = render_to_string(
            "media/ai_usage.html", ai_usage_context(obj.film_id, show_flags=True, asset_base_url=base_url)
        )
        return html


@admin.register(AIFlag)
class AIFlagAdmin(EvidenceAdminBase):
    list_display = ["film", "code", "severity", "message", "created_at"]
    list_filter = [EditionFilter, "severity", "code"]
    list_select_related = ["film"]
    search_fields = ["film__original_filename", "=film__id", "message"]
    readonly_fields = ["film", "code", "severity", "message", "evidence", "created_at"]


@admin.register(DuplicatePair)
class DuplicatePairAdmin(EvidenceAdminBase):
    scope = Scope(group_key="group_key")
    list_display = ["film_a", "film_b", "group_key", "matched_frames", "compared_frames", "detected_at"]
    list_filter = [PairEditionFilter]
    list_select_related = ["film_a", "film_b"]
    search_fields = ["=film_a__id", "=film_b__id", "group_key"]
    readonly_fields = ["film_a", "film_b", "group_key", "matched_frames", "compared_frames", "detected_at"]
