"""The browser page that uploads a submission's film with tus-js-client."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from submissions.models import Submission
from submissions.selectors import is_editable
from submissions.uploads.services import allowed_extensions, format_bytes


@login_required
@require_GET
@ensure_csrf_cookie
def upload_page(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = (
        Submission.objects.select_related("edition__festival", "film__job")
        .filter(pk=submission_id, entrant_id=request.user.pk)
        .first()
    )
    if submission is None:
        raise Http404("No such submission.")
    edition = submission.edition
    now = timezone.now()
    window = edition.window
    extensions = allowed_extensions(list(edition.allowed_containers or []))
    context = {
        "submission": submission,
        "edition": edition,
        "accepting": window.accepts_at(now),
        "window_summary": window.describe(now),
        "can_upload": is_editable(submission) and window.accepts_at(now),
        "max_size": edition.max_file_size_bytes,
        "max_size_label": format_bytes(edition.max_file_size_bytes),
        "extensions": extensions,
        "accept": ",".join(f".{ext}" for ext in extensions),
        "endpoint": reverse("submissions:tus-create"),
        "dashboard_url": reverse("submissions:dashboard"),
        "chunk_size": settings.LAUREL_UPLOAD_PATCH_BYTES,
    }
    return render(request, "submissions/upload.html", context)
