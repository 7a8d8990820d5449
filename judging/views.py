"""Judge pages: the queue, the scoring page, the judge's conflicts, media for judges.

The scoring page saves through the JSON API (``judging.api``), so pages and API share one
set of rules. Anything not the judge's — unassigned, withdrawn, conflicted — is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from festival.client import client_ip
from festival.live import live_response
from festival.models import Category, JudgeMembership, User
from festival.parsing import id_or_404, parse_natural
from festival.permissions import organizer_required, request_roles
from festival.selectors import editions_judged_by
from judging.assignment import adaptive as adaptive_services
from judging.assignment import conflict_services
from judging.assignment import runs as assignment_runs
from judging.assignment import selectors as assignment_selectors
from judging.assignment import services as assignment_services
from judging.assignment.conflict_check import round_conflicts
from judging.confirmation import require_confirmation
from judging.errors import JudgingError, NotAssigned
from judging.final.selectors import final_rounds_for
from judging.models import Assignment, CategoryPreference, ConflictKind, DeclaredConflict, Round
from judging.rounds import overview
from judging.rounds import selectors as round_selectors
from judging.rounds import services as round_services
from judging.rounds.competition import entries_that_left
from judging.scoring import selectors as scoring_selectors
from judging.scoring.services import watch_session_token
from media.playback import playback_for, serve_film_asset


def _posted_id(request: HttpRequest, name: str) -> int:
    """A row id from the POST; anything else is a 404 (never a 500 on a tampered form)."""
    return id_or_404(request.POST.get(name, ""))


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    if not request_roles(request).is_judge:
        raise Http404
    user = _user(request)
    rounds = scoring_selectors.judge_queue(user)
    for round_queue in rounds:
        round_queue.show_page(request.GET.get(f"page-{round_queue.round.pk}"))
    finals = final_rounds_for(user.pk)
    editions = list(editions_judged_by(user))
    waiting = [e for e in editions if e.pk not in {q.round.edition_id for q in rounds}]
    return render(
        request,
        "judging/queue.html",
        {"rounds": rounds, "finals": finals, "editions": editions, "waiting": waiting, "now": timezone.now()},
    )


def _assignment_or_404(request: HttpRequest, assignment_id: int, round_id: int | None = None) -> Assignment:
    try:
        return scoring_selectors.judge_assignment(user=_user(request), assignment_id=assignment_id, round_id=round_id)
    except NotAssigned as exc:
        raise Http404 from exc


def film_base_url(assignment: Assignment) -> str:
    return reverse("judging:media", kwargs={"assignment_id": assignment.pk, "asset": "x"})[:-1]


@login_required
@require_GET
def score_page(request: HttpRequest, round_id: int, assignment_id: int) -> HttpResponse:
    assignment = _assignment_or_404(request, assignment_id, round_id)
    round_ = assignment.round
    submission = assignment.submission
    now = timezone.now()
    score = scoring_selectors.score_of(assignment)
    criteria = round_selectors.criteria_of(round_)
    previous, following = scoring_selectors.neighbours(assignment)
    # None while the film is processing (or has none): the page says "not available yet".
    playback = playback_for(submission.film_id, base_url=film_base_url(assignment)) if submission.film_id else None
    values = dict(score.values) if score else {}
    rows = [{"criterion": c, "value": values.get(str(c.pk), "")} for c in criteria]
    page_data = {
        "assignment": assignment.pk,
        "version": score.version if score else 0,
        "state": score.state if score else "new",
        "session": watch_session_token(assignment=assignment, now=now),
        "scoreUrl": reverse("judging:api-score", kwargs={"assignment_id": assignment.pk}),
        "submitUrl": reverse("judging:api-score-submit", kwargs={"assignment_id": assignment.pk}),
        "watchUrl": reverse("judging:api-watch", kwargs={"assignment_id": assignment.pk}),
        "nextUrl": reverse("judging:score", kwargs={"round_id": round_.pk, "assignment_id": following})
        if following
        else None,
        "previousUrl": reverse("judging:score", kwargs={"round_id": round_.pk, "assignment_id": previous})
        if previous
        else None,
        "queueUrl": reverse("judging:queue"),
        "requiredWatchShare": round_.required_watch_share,
        "watchedShare": assignment.watched_share,
    }
    context: dict[str, Any] = {
        "assignment": assignment,
        "round": round_,
        "submission": submission,
        "score": score,
        "rows": rows,
        "open": round_.is_open_at(now),
        "closed": round_.is_closed_at(now),
        "peers": scoring_selectors.peer_scores(assignment, score),
        "ai_uses": scoring_selectors.ai_uses_of(submission.pk),
        "credits": scoring_selectors.credits_of(submission.pk) if round_.show_credits else None,
        "playback": playback,
        "page_data": page_data,
        "previous": previous,
        "following": following,
    }
    return render(request, "judging/score.html", context)


@login_required
@require_GET
def judge_media(request: HttpRequest, assignment_id: int, asset: str) -> HttpResponse:
    """The film's renditions for a judge: only through an active, conflict-free assignment."""
    assignment = _assignment_or_404(request, assignment_id)
    film_id = assignment.submission.film_id
    if film_id is None:
        raise Http404
    return serve_film_asset(request, film_id=film_id, asset=asset)


def _membership_or_404(request: HttpRequest, edition_id: int) -> JudgeMembership:
    return get_object_or_404(
        JudgeMembership.objects.select_related("edition__festival", "user"),
        edition_id=edition_id,
        user=_user(request),
        is_active=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def judge_profile(request: HttpRequest, edition_id: int) -> HttpResponse:
    """A judge declares conflicts and chooses preferred categories for one edition."""
    judge = _membership_or_404(request, edition_id)
    user = _user(request)
    categories = list(Category.objects.filter(edition_id=edition_id))
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "declare":
                declared = conflict_services.declare_conflict(
                    judge=judge,
                    kind=request.POST.get("kind", ""),
                    value=request.POST.get("value", ""),
                    actor=user,
                    ip=client_ip(request),
                )
                messages.success(request, declared_message(declared.taken_off))
            elif action == "remove":
                conflict = get_object_or_404(DeclaredConflict, pk=_posted_id(request, "conflict"), judge=judge)
                conflict_services.remove_conflict(conflict=conflict, actor=user, ip=client_ip(request))
                messages.success(request, "Conflict removed.")
            elif action == "preferences":
                wanted = set(request.POST.getlist("categories"))
                conflict_services.set_category_preferences(
                    judge=judge,
                    categories=[c for c in categories if str(c.pk) in wanted],
                    actor=user,
                    ip=client_ip(request),
                )
                messages.success(request, "Preferences saved.")
            else:
                raise JudgingError("Unknown action.")
            return redirect("judging:profile", edition_id=edition_id)
        except JudgingError as exc:
            error = exc.message
    preferred = set(CategoryPreference.objects.filter(judge=judge).values_list("category_id", flat=True))
    context = {
        "judge": judge,
        "edition": judge.edition,
        "conflicts": list(DeclaredConflict.objects.filter(judge=judge).exclude(kind=ConflictKind.ENTRY).order_by("id")),
        "kinds": [(k.value, k.label) for k in ConflictKind if k != ConflictKind.ENTRY],
        "categories": [{"category": c, "checked": c.pk in preferred} for c in categories],
        "error": error,
        "form": request.POST if error else {},
    }
    return render(request, "judging/profile.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["POST"])
def declare_entry_conflict(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """From the scoring page: "I know who made this". The entry leaves the judge's queue."""
    assignment = _assignment_or_404(request, assignment_id)
    declared = conflict_services.declare_conflict(
        judge=assignment.judge,
        kind=ConflictKind.ENTRY,
        submission=assignment.submission,
        value=request.POST.get("value", ""),
        actor=_user(request),
        ip=client_ip(request),
    )
    messages.success(request, "Thank you. " + declared_message(declared.taken_off))
    return redirect("judging:queue")


def declared_message(taken_off: int) -> str:
    """What a judge is told after declaring: what happened, not what might happen next."""
    if not taken_off:
        return "Conflict recorded. None of your entries is touched by it."
    entries = "The entry was" if taken_off == 1 else f"{taken_off} entries were"
    return (
        f"Conflict recorded. {entries} taken off your queue and any score you gave stopped counting; "
        "the organizers decide who judges it instead."
    )


# --- Organizer: one round at a glance ---------------------------------------------------


def _organized_round(request: HttpRequest, round_id: int) -> Round:
    round_ = get_object_or_404(Round.objects.select_related("edition__festival"), pk=round_id)
    if not request_roles(request).organizes(round_.edition.festival_id):
        raise Http404  # same answer as a missing round
    return round_


@login_required
@require_GET
def queue_status(request: HttpRequest) -> HttpResponse:
    """The judge queue's live progress (polled by static/laurel/live.js)."""
    values, active = scoring_selectors.queue_live_status(_user(request))
    return live_response(request, values=values, active=active)


@organizer_required
@require_GET
def round_status(request: HttpRequest, round_id: int) -> HttpResponse:
    """The organizer's round page's live counts and judges' progress."""
    round_ = _organized_round(request, round_id)
    values, active = overview.round_live_status(round_, round_conflicts(round_))
    return live_response(request, values=values, active=active)


@organizer_required
@require_http_methods(["GET", "POST"])
def round_overview(request: HttpRequest, round_id: int) -> HttpResponse:
    """Progress, judges' loads, the coverage report, and the round's actions (all audited)."""
    round_ = _organized_round(request, round_id)
    user = _user(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add_entries":
                added = round_services.add_entries_to_round(round_=round_, actor=user)
                messages.success(request, f"{added} entries added to the round.")
            elif action == "assign":
                seed = parse_natural(request.POST.get("seed", "").strip() or "0", maximum=999_999_999)
                if seed is None:
                    raise JudgingError("The seed is a whole number from 0 to 999999999 (e.g. 0 or 2027).")
                assignment_runs.request_assignment_run(round_=round_, seed=seed, actor=user)
                messages.success(
                    request, "Assignment queued: a worker is assigning judges; this page shows its progress."
                )
            elif action == "more_judging":
                budget = parse_natural(request.POST.get("budget", "").strip(), maximum=9_999_999)
                if budget is None:
                    raise JudgingError("The budget is a whole number of extra scores.")
                seed = parse_natural(request.POST.get("seed", "").strip() or "0", maximum=999_999_999)
                if seed is None:
                    raise JudgingError("The seed is a whole number from 0 to 999999999 (e.g. 0 or 2027).")
                more = adaptive_services.request_more_judging(round_=round_, budget=budget, seed=seed, actor=user)
                messages.success(
                    request,
                    f"{more.created} extra assignments for the {len(more.proposed)} entries least certain at the cut; "
                    f"{len(more.short)} could not get another judge.",
                )
            elif action == "withdraw":
                judge = get_object_or_404(JudgeMembership, pk=_posted_id(request, "judge"), edition=round_.edition)
                result = assignment_services.withdraw_judge(round_=round_, judge=judge, actor=user)
                messages.success(request, f"{judge.user} withdrawn; {result.created} entries re-assigned.")
            elif action == "reassign":
                assignment = get_object_or_404(
                    Assignment.objects.select_related("round__edition", "judge__user"),
                    pk=_posted_id(request, "assignment"),
                    round=round_,
                )
                result = assignment_services.reassign_conflicted(assignment=assignment, actor=user)
                if result.created:
                    messages.success(request, f"Entry #{assignment.submission_id} given to another judge.")
                else:
                    why = result.short.get(assignment.submission_id, "no judge is free within the caps.")
                    messages.error(request, f"Entry #{assignment.submission_id} is still short of judges: {why}")
            elif action == "open":
                require_confirmation(request, what="open the round for scoring now")
                round_services.open_round(round_=round_, actor=user)
                messages.success(request, "The round is open for scoring.")
            elif action == "close":
                require_confirmation(request, what="close the round and lock its scores")
                round_services.close_round(round_=round_, actor=user)
                messages.success(request, "The round is closed; its scores are locked.")
            else:
                raise JudgingError("Unknown action.")
        except JudgingError as exc:
            messages.error(request, exc.message)
        return redirect("judging:round-overview", round_id=round_.pk)
    conflicts = round_conflicts(round_)  # read once: counts, loads, coverage and found conflicts share them
    histogram = overview.coverage_histogram(round_, conflicts)
    short_total = sum(b.entries for b in histogram if b.judges < round_.judges_per_entry)
    # A lazy range: Django's paginator validates the page number and never materialises the list.
    short_page = Paginator(range(short_total), overview.SHORT_PAGE).get_page(request.GET.get("short_page"))
    counts, loads = overview.progress(round_, conflicts)
    judge_page = Paginator(overview.furthest_behind_first(loads), overview.JUDGE_PAGE).get_page(
        request.GET.get("judge_page")
    )
    context = {
        "round": round_,
        "counts": counts,
        "judge_page": judge_page,
        "histogram": histogram,
        "short_total": short_total,
        "short_page": short_page,
        # The histogram already says whether any entry is short: no need to look for them otherwise.
        "gaps": assignment_services.coverage_report(
            round_, offset=max(short_page.start_index() - 1, 0), conflicts=conflicts
        )
        if short_total
        else [],
        "run": overview.latest_assignment_run(round_),
        "left": entries_that_left(round_),
        "found": assignment_selectors.conflicts_found_after_assignment(round_, conflicts),
        "now": timezone.now(),
    }
    return render(request, "judging/round_overview.html", context)
