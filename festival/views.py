"""Festival pages: home, organizer console, judge invitations, health."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from festival import health, selectors, services
from festival.client import client_ip
from festival.forms import InviteJudgeForm
from festival.models import Edition, User
from festival.permissions import organizer_required, request_roles


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    editions = selectors.edition_windows(now)
    return render(request, "festival/home.html", {"editions": editions})


@organizer_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    now = timezone.now()
    festivals = selectors.festivals_organized_by(request.user)
    return render(request, "festival/console.html", {"festivals": festivals, "now": now})


def _organized_edition(request: HttpRequest, edition_id: int) -> Edition:
    edition = get_object_or_404(Edition.objects.select_related("festival"), pk=edition_id)
    if not request_roles(request).organizes(edition.festival_id):
        # Same answer as a missing edition: organizers of other festivals learn nothing.
        raise Http404
    return edition


@organizer_required
@require_http_methods(["GET", "POST"])
def edition_judges(request: HttpRequest, edition_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    edition = _organized_edition(request, edition_id)
    form = InviteJudgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = services.invite_judge(edition=edition, email=form.cleaned_data["email"], invited_by=request.user)
        messages.success(request, f"Invitation sent to {issued.invitation.email}.")
        return redirect("festival:edition_judges", edition_id=edition.pk)
    context = {
        "edition": edition,
        "form": form,
        "judges": selectors.judges_of(edition),
        "invitations": selectors.invitations_of(edition),
        "now": timezone.now(),
    }
    return render(request, "festival/edition_judges.html", context)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Accept a judge invitation: only the invited address, only once, only before it expires."""
    try:
        found = services.find_invitation(token=token)
    except services.InvitationError as error:
        return render(request, "festival/invitation_error.html", {"message": error.message}, status=error.status)
    if not request.user.is_authenticated:
        return render(request, "festival/invitation.html", {"invitation": found, "path": request.path})
    assert isinstance(request.user, User)
    if request.method == "POST":
        try:
            membership = services.accept_invitation(token=token, user=request.user, ip=client_ip(request))
        except services.InvitationError as error:
            return render(request, "festival/invitation_error.html", {"message": error.message}, status=error.status)
        messages.success(request, f"Welcome to the jury of {membership.edition}.")
        return redirect("judging:queue")
    return render(request, "festival/invitation.html", {"invitation": found, "path": request.path})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = health.cached_checks()
    healthy = all(result.ok for result in results)
    # Details name hosts and versions: only staff (and development) see them.
    show_detail = settings.DEBUG or request.user.is_staff
    payload = {
        "status": "ok" if healthy else "failing",
        "checks": {
            result.name: {"ok": result.ok, **({"detail": result.detail} if show_detail else {})} for result in results
        },
    }
    return JsonResponse(payload, status=200 if healthy else 503)


@login_required
def after_login(request: HttpRequest) -> HttpResponse:
    """Send each person to the page of their main role."""
    roles = request_roles(request)
    if roles.is_organizer:
        return redirect("festival:console")
    if roles.is_judge:
        return redirect("judging:queue")
    return redirect("submissions:dashboard")
