"""Entrant pages: the dashboard, a submission's details, credits, AI disclosure, statements, submit.

Views read through ``submissions.selectors`` and write only through ``submissions.services``;
another user's submission is a 404 everywhere (``entrant_submission``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from festival.live import live_response
from festival.models import Edition, User
from festival.parsing import parse_natural
from festival.selectors import edition_windows
from media.ai_usage import ShotLabelError, ai_usage_context, label_shots, shot_labels_from_post
from media.playback import serve_film_asset
from submissions import selectors, services
from submissions.attestations import applicable_attestations, attestation_text, required_attestations
from submissions.forms import (
    AIStatementForm,
    AttestationsForm,
    CreditFormSet,
    SubmissionDetailsForm,
    ai_use_forms,
    format_runtime,
)
from submissions.middleware import too_large_message
from submissions.models import Submission
from submissions.validation import country_name


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _posted(request: HttpRequest) -> tuple[QueryDict | None, str | None]:
    """The POST data, or the reason it could not be read.

    Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig); the page
    says so next to the form instead of failing.
    """
    if request.method != "POST":
        return None, None
    try:
        return request.POST, None
    except RequestDataTooBig:
        return None, too_large_message()


def _own(request: HttpRequest, pk: int) -> Submission:
    return selectors.entrant_submission(user=_user(request), submission_id=pk)


def _refuse_locked(request: HttpRequest, submission: Submission) -> HttpResponse | None:
    if selectors.is_editable(submission):
        return None
    messages.error(request, "This film can no longer be changed.")
    return redirect("submissions:detail", pk=submission.pk)


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, f"submissions/{template}", context, status=status)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    rows = selectors.dashboard_rows(_user(request))
    windows = edition_windows(timezone.now())
    context = {"rows": rows, "editions": windows, "any_processing": any(row.is_processing for row in rows)}
    return _page(request, "dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def submission_new(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition.objects.select_related("festival"), pk=edition_id)
    now = timezone.now()
    data, too_big = _posted(request)
    form = SubmissionDetailsForm(data, edition=edition)
    context: dict[str, Any] = {
        "form": form,
        "edition": edition,
        "accepting": edition.window.accepts_at(now),
        "window": edition.window.describe(now),
        "too_big": too_big,
    }
    if too_big:
        return _page(request, "submission_form.html", context, status=413)
    if data is not None and form.is_valid():
        changes = form.changes()
        title = changes.pop("title")
        try:
            submission = services.create_submission(
                entrant=_user(request), edition=edition, title=title, details=changes
            )
        except services.SubmissionError as error:
            form.add_error(None, error.message)
            return _page(request, "submission_form.html", context, status=error.status)
        messages.success(request, f"“{submission.title}” is saved as a draft. Next: the credits.")
        return redirect("submissions:credits", pk=submission.pk)
    return _page(request, "submission_form.html", context, status=400 if data is not None else 200)


@login_required
@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The review page: everything entered, the film's status, and what still blocks submitting."""
    submission = _own(request, pk)
    row = selectors.submission_row(submission)
    edition = submission.edition
    problems = selectors.submission_problems(submission, now=timezone.now()) if row.editable else []
    made = {a.code: a for a in submission.attestations.all()}
    required = set(required_attestations(edition))
    statements = [
        {"code": code, "text": attestation_text(code), "required": code in required, "record": made.get(code)}
        for code in applicable_attestations(edition)
    ]
    # What the file itself says about AI (no flags: those are for organizers); the entrant
    # labels the shots while the entry can still change.
    ai_usage = (
        ai_usage_context(
            submission.film_id,
            show_flags=False,
            label_form_action=reverse("submissions:shots", kwargs={"pk": submission.pk}) if row.editable else "",
            asset_base_url=reverse("submissions:media", kwargs={"pk": submission.pk, "asset": "x"})[:-1],
        )
        if submission.film_id is not None
        else None
    )
    context = {
        "submission": submission,
        "row": row,
        "ai_usage": ai_usage,
        "edition": edition,
        "runtime": format_runtime(submission.declared_runtime_seconds),
        "country": country_name(submission.country),
        "credits": list(submission.credits.all()),
        "ai_uses": list(submission.ai_uses.select_related("tool")),
        "statements": statements,
        "problems": problems,
        "can_submit": submission.state == "uploaded" and not problems,
    }
    return _page(request, "submission_detail.html", context)


@login_required
@require_GET
def live_status(request: HttpRequest) -> HttpResponse:
    """The dashboard's and film page's live processing status (polled by static/laurel/live.js)."""
    values, active = selectors.live_status(_user(request), submission_id=parse_natural(request.GET.get("submission")))
    return live_response(request, values=values, active=active)


@login_required
@require_GET
def submission_media(request: HttpRequest, pk: int, asset: str) -> HttpResponse:
    """The entrant's own film's assets (shot thumbnails); anyone else's submission is a 404."""
    submission = _own(request, pk)
    if submission.film_id is None:
        raise Http404("No film yet.")
    return serve_film_asset(request, film_id=submission.film_id, asset=asset)


@login_required
@require_http_methods(["GET", "POST"])
def submission_edit(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _own(request, pk)
    if refused := _refuse_locked(request, submission):
        return refused
    data, too_big = _posted(request)
    form = SubmissionDetailsForm(data, edition=submission.edition, instance=submission)
    context = {"form": form, "edition": submission.edition, "submission": submission, "too_big": too_big}
    if too_big:
        return _page(request, "submission_form.html", context, status=413)
    if data is not None and form.is_valid():
        try:
            services.update_details(submission=submission, actor=_user(request), changes=form.changes())
        except services.SubmissionError as error:
            form.add_error(None, error.message)
            return _page(request, "submission_form.html", context, status=error.status)
        messages.success(request, "Details saved.")
        return redirect("submissions:detail", pk=submission.pk)
    return _page(request, "submission_form.html", context, status=400 if data is not None else 200)


@login_required
@require_http_methods(["GET", "POST"])
def submission_credits(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _own(request, pk)
    if refused := _refuse_locked(request, submission):
        return refused
    data, too_big = _posted(request)
    initial = [
        {"name": c.name, "role": c.role, "organization": c.organization, "is_entrant": c.is_entrant}
        for c in submission.credits.all()
    ] or [{"name": _user(request).full_name, "is_entrant": True}]
    formset = CreditFormSet(data, initial=initial, prefix="credits")
    context = {"formset": formset, "submission": submission, "too_big": too_big}
    if too_big:
        return _page(request, "credits.html", context, status=413)
    if data is not None and formset.is_valid():
        try:
            services.set_credits(submission=submission, actor=_user(request), credits=formset.credits())
        except services.SubmissionError as error:
            context["error"] = error.message
            return _page(request, "credits.html", context, status=error.status)
        messages.success(request, "Credits saved. Next: the AI disclosure.")
        return redirect("submissions:disclosure", pk=submission.pk)
    return _page(request, "credits.html", context, status=400 if data is not None else 200)


@login_required
@require_http_methods(["GET", "POST"])
def submission_disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _own(request, pk)
    if refused := _refuse_locked(request, submission):
        return refused
    data, too_big = _posted(request)
    stage_forms = ai_use_forms(data, submission=submission)
    statement = AIStatementForm(data, initial={"ai_statement": submission.ai_statement})
    context = {
        "stage_forms": stage_forms,
        "statement": statement,
        "submission": submission,
        "too_big": too_big,
        "video_required": submission.edition.ai_video_required,
    }
    if too_big:
        return _page(request, "disclosure.html", context, status=413)
    if data is not None and statement.is_valid() and all(f.is_valid() for f in stage_forms):
        uses = [use for f in stage_forms if (use := f.use()) is not None]
        try:
            services.set_ai_disclosure(
                submission=submission,
                actor=_user(request),
                uses=uses,
                statement=statement.cleaned_data["ai_statement"],
            )
        except services.SubmissionError as error:
            context["error"] = error.message
            return _page(request, "disclosure.html", context, status=error.status)
        messages.success(request, "AI disclosure saved. Next: the statements.")
        return redirect("submissions:attestations", pk=submission.pk)
    return _page(request, "disclosure.html", context, status=400 if data is not None else 200)


@login_required
@require_http_methods(["GET", "POST"])
def submission_attestations(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _own(request, pk)
    if refused := _refuse_locked(request, submission):
        return refused
    data, too_big = _posted(request)
    made = set(submission.attestations.values_list("code", flat=True))
    form = AttestationsForm(data, edition=submission.edition, initial=dict.fromkeys(made, True))
    context = {"form": form, "submission": submission, "too_big": too_big}
    if too_big:
        return _page(request, "attestations.html", context, status=413)
    if data is not None and form.is_valid():
        try:
            services.record_attestations(submission=submission, actor=_user(request), codes=form.codes())
        except services.SubmissionError as error:
            form.add_error(None, error.message)
            return _page(request, "attestations.html", context, status=error.status)
        messages.success(request, "Statements saved.")
        return redirect("submissions:detail", pk=submission.pk)
    return _page(request, "attestations.html", context, status=400 if data is not None else 200)


@login_required
@require_POST
def submission_submit(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _own(request, pk)
    try:
        services.submit_submission(submission=submission, actor=_user(request))
    except services.SubmissionIncomplete as error:
        for problem in error.problems:
            messages.error(request, problem)
        return redirect("submissions:detail", pk=submission.pk)
    except services.SubmissionError as error:
        messages.error(request, error.message)
        return redirect("submissions:detail", pk=submission.pk)
    messages.success(request, f"“{submission.title}” is submitted to {submission.edition}. Good luck!")
    return redirect("submissions:dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def submission_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdrawing is final, so it asks for confirmation first."""
    submission = _own(request, pk)
    if submission.state not in selectors.ACTIVE_STATES:
        raise Http404("This film cannot be withdrawn.")
    if request.method == "POST":
        try:
            services.withdraw_submission(submission=submission, actor=_user(request))
        except services.SubmissionError as error:
            messages.error(request, error.message)
            return redirect("submissions:detail", pk=submission.pk)
        messages.success(request, f"“{submission.title}” is withdrawn.")
        return redirect("submissions:dashboard")
    return _page(request, "withdraw.html", {"submission": submission})


@login_required
@require_POST
def submission_shots(request: HttpRequest, pk: int) -> HttpResponse:
    """The entrant labels each shot of the film: AI-generated, hybrid or live action."""
    submission = _own(request, pk)
    if refused := _refuse_locked(request, submission):
        return refused
    if submission.film_id is None:
        raise Http404("This submission has no film yet.")
    try:
        labels = shot_labels_from_post(request.POST)
        label_shots(film_id=submission.film_id, labels=labels, user=_user(request))
    except ShotLabelError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Shot labels saved.")
    return redirect(reverse("submissions:detail", kwargs={"pk": submission.pk}) + "#ai-usage")
