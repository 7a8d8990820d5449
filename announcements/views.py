"""Pages of announcements: the entrant's outcome and laurels, the organizers' schedule, the public pages.

Views hold no business logic: reads through ``announcements.selectors`` / ``public``,
writes through ``announcements.services``. Public pages answer 404 until the edition's
final is announced, and are cacheable (``Cache-Control: public``) once it is.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from announcements import laurels, public, selectors, services, signing
from announcements.forms import AnnouncementForm, ArtworkForm, ConsentForm, CorrectionForm
from announcements.models import LaurelArtwork, Outcome, SignedResults
from festival.client import client_ip
from festival.models import AwardTier, Edition, Festival, User
from festival.permissions import organizer_required
from festival.views import _organized_edition  # the one organizer scoping check of editions
from judging.models import Round, RoundKind
from media.playback import serve_film_asset
from submissions.selectors import entrant_submission

PUBLIC_CACHE = {"public": True, "max_age": 300}
LAUREL_FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


# --- entrants -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """The entrant's outcome ("Under review" until announced), released feedback, laurels, consent."""
    submission = entrant_submission(user=_user(request), submission_id=pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                services.withdraw_public_consent(submission=submission, user=_user(request))
                messages.success(request, "Your film will no longer appear on the public pages.")
                return redirect("announcements:outcome", pk=pk)
            if form.is_valid():
                services.give_public_consent(
                    submission=submission,
                    user=_user(request),
                    show_poster=form.cleaned_data["show_poster"],
                    show_credits=form.cleaned_data["show_credits"],
                )
                messages.success(request, "Thank you: your choice for the public pages is saved.")
                return redirect("announcements:outcome", pk=pk)
        except services.AnnouncementError as error:
            messages.error(request, str(error))
    status = selectors.entrant_statuses([submission]).get(submission.pk)
    context = {
        "submission": submission,
        "status": status,
        "history": selectors.outcome_history(submission.pk) if status and status.announced else [],
        "feedback": selectors.released_feedback(submission) if status and status.announced else [],
        "consent": getattr(submission, "public_consent", None),
        "consent_statement": services.PUBLIC_CONSENT_STATEMENT,
        "form": form,
        "laurel_links": _laurel_links(submission.pk) if status and status.distinction else [],
        "artwork": list(LaurelArtwork.objects.filter(edition_id=submission.edition_id, distinction=status.distinction))
        if status and status.distinction
        else [],
    }
    return render(request, "announcements/outcome.html", context)


def _laurel_links(pk: int) -> list[dict[str, str]]:
    links = []
    for color in laurels.COLORS:
        for fmt, size in (("svg", "web"), ("png", "web"), ("png", "print")):
            url = reverse("announcements:laurel", kwargs={"pk": pk, "color": color, "fmt": fmt})
            label = f"{color.title()} {fmt.upper()}" + (
                f" ({laurels.SIZES[size]} px{', print' if size == 'print' else ''})" if fmt == "png" else ""
            )
            links.append({"url": f"{url}?size={size}" if fmt == "png" else url, "label": label})
    return links


@login_required
@require_GET
def laurel(request: HttpRequest, pk: int, color: str, fmt: str) -> HttpResponse | FileResponse:
    """The entrant's laurel (only once announced, only for a distinction); the festival's artwork if uploaded."""
    submission = entrant_submission(user=_user(request), submission_id=pk)
    status = selectors.entrant_statuses([submission]).get(submission.pk)
    size = request.GET.get("size", "web")
    if status is None or status.distinction is None or color not in laurels.COLORS or fmt not in LAUREL_FORMATS:
        raise Http404
    if size not in laurels.SIZES:
        raise Http404("Unknown size; use web or print.")
    edition = submission.edition
    name = f"{edition.festival.slug}-{edition.year}-{laurels.slug_for(status.distinction)}-{color}"
    artwork = LaurelArtwork.objects.filter(
        edition=edition, distinction=status.distinction, content_type=LAUREL_FORMATS[fmt]
    ).first()
    if artwork is not None:
        return FileResponse(
            artwork.file.open("rb"), as_attachment=True, filename=f"{name}.{fmt}", content_type=artwork.content_type
        )
    facts = {"festival": edition.festival.name, "year": edition.year, "distinction": status.distinction, "color": color}
    if fmt == "svg":
        body: bytes = laurels.svg(**facts).encode()  # type: ignore[arg-type]
    else:
        body = laurels.png(**facts, size=size)  # type: ignore[arg-type]
        name += f"-{size}"
    response = HttpResponse(body, content_type=LAUREL_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- organizers ------------------------------------------------------------------------------


@organizer_required
@require_GET
def organize(request: HttpRequest, edition_id: int) -> HttpResponse:
    """Per round: when it is announced (with a countdown), what feedback goes, announce now, corrections."""
    edition = _organized_edition(request, edition_id)
    rows = []
    for countdown in selectors.countdowns(edition):
        outcomes = (
            list(
                Outcome.objects.filter(announcement=countdown.announcement)
                .select_related("submission", "tier", "advanced_to")
                .order_by("rank", "submission__title")
            )
            if countdown.announcement and countdown.announcement.announced_at
            else []
        )
        rows.append(
            {
                "countdown": countdown,
                "left": timedelta(seconds=countdown.seconds_left) if countdown.seconds_left is not None else None,
                "form": AnnouncementForm(
                    zone=edition.zone,
                    announcement=countdown.announcement,
                    final=countdown.round.kind == RoundKind.FINAL,
                    prefix=f"r{countdown.round.pk}",
                ),
                "outcomes": [(o, selectors.describe(o)) for o in outcomes],
            }
        )
    context = {
        "edition": edition,
        "rows": rows,
        "tiers": selectors.tiers_of(edition),
        "correction": CorrectionForm(),
        "artwork_form": ArtworkForm(distinctions=laurels.distinctions_of(edition)),
        "artwork": LaurelArtwork.objects.filter(edition=edition).order_by("distinction"),
        "public_url": reverse(
            "announcements:public_edition", kwargs={"festival": edition.festival.slug, "year": edition.year}
        ),
        "final_announced": selectors.final_announced(edition),
    }
    return render(request, "announcements/organize.html", context)


def _round_of(edition: Edition, round_id: str | None) -> Round:
    if not (round_id or "").isdigit():
        raise Http404
    return get_object_or_404(Round, pk=int(round_id or 0), edition=edition)


@organizer_required
@require_POST
def organize_action(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _organized_edition(request, edition_id)
    action = request.POST.get("action", "")
    back = redirect("announcements:organize", edition_id=edition.pk)
    try:
        if action == "schedule":
            round = _round_of(edition, request.POST.get("round"))
            form = AnnouncementForm(
                request.POST, zone=edition.zone, final=round.kind == RoundKind.FINAL, prefix=f"r{round.pk}"
            )
            if not form.is_valid():
                messages.error(request, _errors(form))
                return back
            services.schedule_announcement(
                round_=round,
                actor=_user(request),
                ip=_ip(request),
                announce_at=form.cleaned_data["announce_at"],
                feedback=form.cleaned_data["feedback"],
                official_selection=form.cleaned_data.get("official_selection", False),
            )
            messages.success(request, f"{round.name}: announcement terms saved.")
        elif action == "announce":
            round = _round_of(edition, request.POST.get("round"))
            done = services.announce(round_=round, actor=_user(request), ip=_ip(request))
            messages.success(
                request, f"{round.name}: outcomes announced." if done else f"{round.name} was already announced."
            )
        elif action == "correct":
            _correct(request, edition)
        elif action == "artwork":
            upload = ArtworkForm(request.POST, request.FILES, distinctions=laurels.distinctions_of(edition))
            if not upload.is_valid():
                messages.error(request, _errors(upload))
                return back
            services.upload_laurel_artwork(
                edition=edition,
                distinction=upload.cleaned_data["distinction"],
                upload=upload.cleaned_data["file"],
                actor=_user(request),
            )
            messages.success(request, f"Laurel artwork for {upload.cleaned_data['distinction']} saved.")
        else:
            messages.error(request, "Unknown action.")
    except (services.AnnouncementError, laurels.ArtworkError) as error:
        messages.error(request, str(error))
    return back


def _errors(form: forms.Form) -> str:
    return "; ".join(f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items())


def _correct(request: HttpRequest, edition: Edition) -> None:
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        raise services.AnnouncementError(_errors(form))
    found = get_object_or_404(Outcome, pk=form.cleaned_data["outcome"], announcement__round__edition=edition)
    tier_id = form.cleaned_data["tier"]
    tier = get_object_or_404(AwardTier, pk=tier_id, edition=edition) if tier_id else None
    services.correct_outcome(
        outcome=found,
        kind=form.cleaned_data["kind"],
        tier=tier,
        rank=form.cleaned_data["rank"],
        advanced_to=found.advanced_to,
        reason=form.cleaned_data["reason"],
        actor=_user(request),
        ip=_ip(request),
    )
    messages.success(request, f"Outcome of “{found.submission.title}” corrected; the entrant is told.")


# --- public ----------------------------------------------------------------------------------


def _ld(data: object) -> str:
    """JSON for a ``<script type="application/ld+json">`` data block: ``<``, ``>`` and ``&`` escaped."""
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _public_edition(festival: str, year: int) -> Edition:
    edition = selectors.public_edition(festival, year)
    if edition is None:
        raise Http404("No results have been announced for this edition.")
    return edition


@require_GET
@cache_control(**PUBLIC_CACHE)
def public_edition(request: HttpRequest, festival: str, year: int) -> HttpResponse:
    edition = _public_edition(festival, year)
    films = public.public_films(edition)
    page_url = request.path
    context = {
        "edition": edition,
        "awards": [f for f in films if f.is_award],
        "finalists": [f for f in films if not f.is_award],
        "json_ld": _ld(public.edition_ld(edition, films, site_url=settings.SITE_URL, page_url=page_url)),
        "results_url": reverse("announcements:results_json", kwargs={"festival": festival, "year": year}),
        "key_url": reverse("announcements:public_key", kwargs={"festival": festival}),
    }
    return render(request, "announcements/public_edition.html", context)


@require_GET
@cache_control(**PUBLIC_CACHE)
def public_film(request: HttpRequest, festival: str, year: int, submission_id: int) -> HttpResponse:
    edition = _public_edition(festival, year)
    films = [f for f in public.public_films(edition, submission_id=submission_id) if f.public]
    if not films:
        raise Http404
    film = films[0]
    ld = {"@context": "https://schema.org", **public.movie_ld(film, site_url=settings.SITE_URL, edition=edition)}
    facts = {"festival": edition.festival.name, "year": edition.year, "distinction": film.distinction}
    context = {
        "edition": edition,
        "film": film,
        # Without a poster, the film's laurel stands in (an inline image, not a script).
        "laurel_svg": "" if film.poster_url else laurels.svg(**facts),  # type: ignore[arg-type]
        "json_ld": _ld(ld),
        "back_url": reverse("announcements:public_edition", kwargs={"festival": festival, "year": year}),
    }
    return render(request, "announcements/public_film.html", context)


@require_GET
@cache_control(**PUBLIC_CACHE)
def public_poster(request: HttpRequest, festival: str, year: int, submission_id: int, asset: str) -> HttpResponse:
    """A public film's poster (only the poster, only if the entrant chose to show it)."""
    edition = _public_edition(festival, year)
    films = [f for f in public.public_films(edition, submission_id=submission_id) if f.public and f.poster_url]
    if not films or not films[0].poster_url.endswith("/" + asset) or not asset.startswith("poster"):
        raise Http404
    film_id = films[0].submission.film_id
    assert film_id is not None
    return serve_film_asset(request, film_id=film_id, asset=asset)


@require_GET
@cache_control(**PUBLIC_CACHE)
def public_key(request: HttpRequest, festival: str) -> HttpResponse:
    """The festival's results public key (PEM), to check a downloaded results.json."""
    found = get_object_or_404(Festival, slug=festival)
    if not signing.key_path(found.slug).exists():
        raise Http404("This festival has not signed any results yet.")
    pem = signing.public_pem(signing.ensure_key(found.slug).public_key())
    return HttpResponse(pem, content_type="application/x-pem-file")


@require_GET
@cache_control(**PUBLIC_CACHE)
def results_json(request: HttpRequest, festival: str, year: int) -> HttpResponse:
    """The edition's signed results.json, only once its final is announced."""
    edition = selectors.public_edition(festival, year)
    signed = SignedResults.objects.filter(edition=edition).first() if edition else None
    if signed is None:
        raise Http404("No results have been announced for this edition.")
    response = HttpResponse(signed.document, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{festival}-{year}-results.json"'
    return response
