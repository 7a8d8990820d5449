"""Organizer back office for media. Django loads only ``media.admin``: import the modules that register."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from media import (
    admin_ai,  # noqa: F401  (registers the AI-usage evidence, flags and duplicates)
    services,
)
from media.models import Film, FilmOutput, ProcessingJob, QCReport


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the pipeline only: visible, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ProcessingJob)
class ProcessingJobAdmin(ReadOnlyAdmin):
    list_display = ("film", "state", "progress", "attempts", "updated_at", "film_page")
    list_filter = ("state",)
    list_select_related = ("film",)
    search_fields = ("film__original_filename", "film__group_key")
    readonly_fields = (
        "film",
        "state",
        "progress",
        "attempts",
        "failure_reason",
        "notes",
        "stderr_tail",
        "started_at",
        "finished_at",
        "heartbeat_at",
    )
    actions = ("reprocess",)

    @admin.display(description="Player & QC")
    def film_page(self, obj: ProcessingJob) -> str:
        return format_html('<a href="{}">open</a>', reverse("media:film_detail", args=[obj.film_id]))

    @admin.action(description="Process the selected films again")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[ProcessingJob]) -> None:
        user = request.user
        assert user.is_authenticated
        done, refused = 0, 0
        for film_id in queryset.values_list("film_id", flat=True):
            try:
                services.reprocess_film(film_id=film_id, actor=user)
                done += 1
            except services.ReprocessRefused:
                refused += 1
        if done:
            self.message_user(request, f"{done} film(s) sent for processing again.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"{refused} film(s) are being processed right now; skipped.", messages.WARNING)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The change list needs it for actions; every field stays read-only.
        return bool(request.user.is_staff)


@admin.register(Film)
class FilmAdmin(ReadOnlyAdmin):
    list_display = ("id", "original_filename", "group_key", "size_bytes", "created_at")
    search_fields = ("original_filename", "group_key", "sha256")
    readonly_fields = ("source_name", "original_filename", "size_bytes", "sha256", "group_key", "rules", "declared_ai")


@admin.register(QCReport)
class QCReportAdmin(ReadOnlyAdmin):
    list_display = ("film", "blocking", "updated_at")
    list_filter = ("blocking",)
    readonly_fields = ("film", "blocking", "findings", "metrics")


@admin.register(FilmOutput)
class FilmOutputAdmin(ReadOnlyAdmin):
    list_display = ("film", "key", "kind", "width", "height", "size_bytes")
    list_filter = ("kind",)
    readonly_fields = ("film", "kind", "key", "files", "width", "height", "size_bytes", "meta")
