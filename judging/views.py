"""Judge pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from festival.models import User
from festival.permissions import request_roles
from festival.selectors import editions_judged_by


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    if not request_roles(request).is_judge:
        raise Http404
    return render(request, "judging/queue.html", {"editions": editions_judged_by(request.user)})
