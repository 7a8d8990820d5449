"""The juror's final ballot: rank the finalists (drag, or move up/down) or compare them in pairs.

Blind like every judge page: finalists are shown by title and logline only. The
up/down buttons work without JavaScript (they re-render the page in the new order
without saving it); static/laurel/ballot.js adds dragging and keeps focus on the item.
"""

from __future__ import annotations

import random
from itertools import combinations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from festival.client import client_ip
from festival.models import JudgeMembership, User
from festival.parsing import parse_natural
from judging.final import selectors, services
from judging.final.voting import BallotError
from judging.models import BallotMethod, Round, RoundKind
from judging.results.forms import parse_ids
from media.playback import playback_for, serve_film_asset
from submissions.models import Submission


def _juror(request: HttpRequest, round_id: int) -> tuple[Round, JudgeMembership]:
    assert isinstance(request.user, User)
    round = get_object_or_404(Round.objects.select_related("edition"), pk=round_id, kind=RoundKind.FINAL)
    membership = (
        JudgeMembership.objects.select_related("user")
        .filter(edition_id=round.edition_id, user=request.user, is_active=True)
        .first()
    )
    if membership is None:
        raise Http404  # not on this jury: the final does not exist for them
    return round, membership


def _finalist(request: HttpRequest, round_id: int, submission_id: int) -> tuple[Round, Submission]:
    """A finalist this juror ranks (not one they are conflicted with); anything else is a 404."""
    round, membership = _juror(request, round_id)
    finalist = next((s for s in selectors.ballot_finalists(round, membership) if s.pk == submission_id), None)
    if finalist is None:
        raise Http404
    return round, finalist


def _final_media_base(round_: Round, submission: Submission) -> str:
    kwargs = {"round_id": round_.pk, "submission_id": submission.pk, "asset": "x"}
    return reverse("judging:final-media", kwargs=kwargs)[:-1]


@login_required
@require_GET
def final_film(request: HttpRequest, round_id: int, submission_id: int) -> HttpResponse:
    """Watch a finalist before ranking it (blind: title, logline and film only)."""
    round, finalist = _finalist(request, round_id, submission_id)
    playback = playback_for(finalist.film_id, base_url=_final_media_base(round, finalist)) if finalist.film_id else None
    return render(request, "judging/final_film.html", {"round": round, "finalist": finalist, "playback": playback})


@login_required
@require_GET
def final_media(request: HttpRequest, round_id: int, submission_id: int, asset: str) -> HttpResponse:
    _round, finalist = _finalist(request, round_id, submission_id)
    if finalist.film_id is None:
        raise Http404
    return serve_film_asset(request, film_id=finalist.film_id, asset=asset)


def _initial_order(round_: Round, membership: JudgeMembership, finalists: list[Submission]) -> list[Submission]:
    ballot = selectors.ballot_of(round_, membership.pk)
    if ballot is not None and ballot.method == BallotMethod.RANKING:
        position = {pk: i for i, pk in enumerate(selectors.ballot_order(ballot))}
        return sorted(finalists, key=lambda s: (position.get(s.pk, len(position)), s.pk))
    # A per-juror shuffle, so the listing order does not favour the same film on every ballot.
    shuffled = list(finalists)
    random.Random(f"{round_.pk}:{membership.pk}").shuffle(shuffled)  # noqa: S311 (not security)
    return shuffled


def _moved(order: list[int], move: str) -> list[int]:
    """Apply a no-JavaScript "up:<id>" / "down:<id>" button to the posted order."""
    direction, _, raw = move.partition(":")
    moved = parse_natural(raw)
    if moved is None or moved not in order:
        return order
    index = order.index(moved)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
    return order


@login_required
@require_http_methods(["GET", "POST"])
def final_ballot(request: HttpRequest, round_id: int) -> HttpResponse:
    round, membership = _juror(request, round_id)
    finalists = selectors.ballot_finalists(round, membership)
    by_id = {s.pk: s for s in finalists}
    order = _initial_order(round, membership, finalists)
    error = ""
    status = 200
    if request.method == "POST":
        assert isinstance(request.user, User)
        posted = parse_ids(request.POST.getlist("order"))
        if posted is None:
            error, status = "The ballot was not understood; reload the page and try again.", 400
        else:
            move = request.POST.get("move", "")
            if move:
                posted = _moved(posted, move)
            else:
                try:
                    services.submit_ballot(
                        round_=round,
                        judge=membership,
                        actor=request.user,
                        ranking=posted,
                        ip=client_ip(request),
                    )
                except BallotError as exc:
                    error, status = exc.message, 400
                else:
                    messages.success(request, "Your ballot is saved. You can change it until the final closes.")
                    return redirect("judging:final-ballot", round_id=round.pk)
            # Keep the juror's order (nothing lost); finalists missing from it follow.
            kept = [pk for pk in dict.fromkeys(posted) if pk in by_id]  # first place of a duplicate wins
            order = [by_id[pk] for pk in kept] + [s for s in order if s.pk not in kept]
    context = {
        "round": round,
        "order": order,
        "error": error,
        "ballot": selectors.ballot_of(round, membership.pk),
        "closed": round.is_closed_at(timezone.now()),
    }
    return render(request, "judging/final_ballot.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def final_pairs(request: HttpRequest, round_id: int) -> HttpResponse:
    round, membership = _juror(request, round_id)
    finalists = selectors.ballot_finalists(round, membership)
    ballot = selectors.ballot_of(round, membership.pk)
    chosen: dict[frozenset[int], int] = (
        selectors.ballot_pairs(ballot) if ballot is not None and ballot.method == BallotMethod.PAIRS else {}
    )
    error = ""
    status = 200
    if request.method == "POST":
        assert isinstance(request.user, User)
        chosen = {}
        pairs: list[tuple[int, int]] = []
        for a, b in combinations(sorted(s.pk for s in finalists), 2):
            answer = request.POST.get(f"pair-{a}-{b}", "")
            if answer in (str(a), str(b)):
                winner = int(answer)
                chosen[frozenset((a, b))] = winner
                pairs.append((winner, b if winner == a else a))
        try:
            services.submit_ballot(
                round_=round, judge=membership, actor=request.user, pairs=pairs, ip=client_ip(request)
            )
        except BallotError as exc:
            error, status = exc.message, 400
        else:
            messages.success(request, "Your comparisons are saved. You can change them until the final closes.")
            return redirect("judging:final-pairs", round_id=round.pk)
    rows = [
        {"a": a, "b": b, "name": f"pair-{a.pk}-{b.pk}", "winner": chosen.get(frozenset((a.pk, b.pk)))}
        for a, b in combinations(sorted(finalists, key=lambda s: s.pk), 2)
    ]
    context = {"round": round, "rows": rows, "error": error, "closed": round.is_closed_at(timezone.now())}
    return render(request, "judging/final_pairs.html", context, status=status)
