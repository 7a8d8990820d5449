"""Organizer pages of the media app: a film's player, QC report and job, and its assets."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from festival.permissions import organizer_required, request_roles
from media import selectors, services
from media.ai_usage import ai_usage_context
from media.models import Film
from media.playback import playback_for, serve_film_asset


def _organized_film(request: HttpRequest, film_id: int) -> Film:
    """The film, if the user organizes the festival of its edition; else 404 (reveals nothing)."""
    film = selectors.film_for_organizer(film_id=film_id)
    if film is None:
        raise Http404
    roles = request_roles(request)
    festival_id = selectors.festival_id_of_group(film.group_key)
    if not roles.is_superuser and (festival_id is None or not roles.organizes(festival_id)):
        raise Http404
    return film


@organizer_required
def film_asset(request: HttpRequest, film_id: int, asset: str) -> HttpResponse:
    _organized_film(request, film_id)
    return serve_film_asset(request, film_id=film_id, asset=asset)


@organizer_required
def film_detail(request: HttpRequest, film_id: int) -> HttpResponse:
    film = _organized_film(request, film_id)
    base_url = reverse("media:film_asset", kwargs={"film_id": film.pk, "asset": "x"})[:-1]
    context = {
        "film": film,
        "status": selectors.film_status(film.pk),
        "report": selectors.qc_report(film.pk),
        "playback": playback_for(film.pk, base_url=base_url),
        **ai_usage_context(film.pk, show_flags=True, asset_base_url=base_url),
    }
    return render(request, "media/film_detail.html", context)


@organizer_required
@require_POST
def film_reprocess(request: HttpRequest, film_id: int) -> HttpResponse:
    film = _organized_film(request, film_id)
    user = request.user
    assert user.is_authenticated
    try:
        services.reprocess_film(film_id=film.pk, actor=user)
    except services.ReprocessRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The film was sent for processing again.")
    return redirect("media:film_detail", film_id=film.pk)
