"""Pages of announcements: public winners pages, entrant outcome and laurels, organizer scheduling.

Views hold no business logic: reads through ``announcements.selectors``, writes through
``announcements.services``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from announcements import selectors, signing
from announcements.models import SignedResults
from festival.models import Festival

PUBLIC_CACHE = {"public": True, "max_age": 300}


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
