"""Entrant pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from festival.selectors import edition_windows


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    editions = edition_windows(now)
    return render(request, "submissions/dashboard.html", {"editions": editions})
