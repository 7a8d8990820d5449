"""The dashboard page: figures from ``dashboard.selectors``, charts drawn by static/laurel/dashboard.js."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard import selectors
from festival.models import Edition
from festival.permissions import organizer_required, request_roles


@organizer_required
@require_GET
def edition_dashboard(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition.objects.select_related("festival"), pk=edition_id)
    if not request_roles(request).organizes(edition.festival_id):
        raise Http404  # the same answer as a missing edition
    board = selectors.edition_dashboard(edition, now=timezone.now())
    return render(request, "dashboard/edition.html", {"edition": edition, "board": board, "charts": board.charts()})
