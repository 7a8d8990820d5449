"""Organizer back office for media. Django loads only ``media.admin``: import the modules that register."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from festival.admin_base import ReadOnlyScopedAdmin
from festival.selectors import Scope
from media import (
    admin_ai,  # noqa: F401  (registers the AI-usage evidence, flags and duplicates)
    services,
)
from media.models import Film, FilmOutput, ProcessingJob, QCReport

ON_FILM = Scope(group_key="film__group_key")


def film_page_link(film_id: int) -> str:
    """A link to the organizer's film page (player, QC report, job)."""
    return format_html('<a href="{}">open</a>', reverse("media:film_detail", args=[film_id]))


@admin.register(ProcessingJob)
class ProcessingJobAdmin(ReadOnlyScopedAdmin):
    scope = ON_FILM
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
        return film_page_link(obj.film_id)

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


@admin.register(Film)
class FilmAdmin(ReadOnlyScopedAdmin):
    scope = Scope(group_key="group_key")
    ordering = ("-id",)
    list_display = ("id", "original_filename", "group_key", "size_bytes", "created_at", "film_page")
    search_fields = ("original_filename", "group_key", "sha256")
    readonly_fields = ("source_name", "original_filename", "size_bytes", "sha256", "group_key", "rules", "declared_ai")

    @admin.display(description="Player & QC")
    def film_page(self, obj: Film) -> str:
        return film_page_link(obj.pk)


@admin.register(QCReport)
class QCReportAdmin(ReadOnlyScopedAdmin):
    scope = ON_FILM
    list_display = ("film", "blocking", "updated_at")
    list_select_related = ("film",)
    list_filter = ("blocking",)
    readonly_fields = ("film", "blocking", "findings", "metrics")


@admin.register(FilmOutput)
class FilmOutputAdmin(ReadOnlyScopedAdmin):
    scope = ON_FILM
    list_display = ("film", "key", "kind", "width", "height", "size_bytes")
    list_select_related = ("film",)
    list_filter = ("kind",)
    readonly_fields = ("film", "kind", "key", "files", "width", "height", "size_bytes", "meta")
