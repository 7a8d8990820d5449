"""The organizer's results pages: ranking per round, detail, advancement, the final's ladder, exports."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from festival.client import client_ip
from festival.models import Edition, User
from festival.permissions import organizer_required, request_roles
from judging.confirmation import require_confirmation
from judging.errors import JudgingError
from judging.final import selectors as final_selectors
from judging.final import services as final_services
from judging.final.voting import METHODS
from judging.models import ExportFile, Round, RoundKind, RunState
from judging.results import advancement, export_services, exports, rankings
from judging.results import services as refresh_rankings
from judging.results.forms import AdvancementRuleForm, RoundEntryForm, TieDecisionForm, parse_ids
from judging.rounds import selectors as round_selectors
from judging.rounds.services import set_advancement_rule
from submissions.models import Submission

PAGE_LIMIT = 200
BAND_SHOWN = 200  # the tie band's closest calls shown on the page (a 100,000-entry band can hold 20,000)
JUDGE_ENDS = 25  # the most lenient and the harshest judges shown, unless all are asked for (?judges=all)


def organized_edition(request: HttpRequest, edition_id: int) -> Edition:
    edition = get_object_or_404(Edition.objects.select_related("festival"), pk=edition_id)
    if not request_roles(request).organizes(edition.festival_id):
        raise Http404  # another festival's edition: the same answer as a missing one
    return edition


def _round_of(edition: Edition, round_id: int) -> Round:
    round = get_object_or_404(Round, pk=round_id, edition=edition)
    round.edition = edition
    return round


def _method(value: str | None) -> str:
    return value if value in METHODS else "schulze"


@organizer_required
@require_GET
def results_page(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = organized_edition(request, edition_id)
    rounds = round_selectors.rounds_of(edition)
    context: dict[str, object] = {"edition": edition, "rounds": rounds, "methods": METHODS}
    if not rounds:
        return render(request, "judging/results.html", context)
    wanted = request.GET.get("round", "")
    round = next((r for r in rounds if str(r.pk) == wanted), rounds[0])
    round.edition = edition
    method = _method(request.GET.get("method"))
    ranking = rankings.ranking_of(round)
    if not ranking.is_current:
        # Never calibrate inside a request: a worker computes it; the page says what it shows.
        refresh_rankings.request_ranking_refresh(round_id=round.pk)
    # One page of the stored rows at a time (a lazy range: the paginator never builds a list),
    # so a 100,000-entry round renders as fast as a 200-entry one.
    page = Paginator(range(ranking.scored), PAGE_LIMIT).get_page(request.GET.get("page"))
    rows = ranking.rows(offset=max(page.start_index() - 1, 0), limit=PAGE_LIMIT)
    later = [r for r in rounds if r.position > round.position]
    all_judges = request.GET.get("judges") == "all"
    judges = ranking.judges(ends=None if all_judges else JUDGE_ENDS)
    context.update(
        round=round,
        method=method,
        ranking=ranking,
        rows=rows,
        page=page,
        cut=ranking.summary.get("cut"),
        tied=ranking.tied(),
        tied_total=ranking.tied_count,
        close_calls=ranking.close_calls,
        band=ranking.band(limit=BAND_SHOWN),
        calibration_note=ranking.summary.get("calibration_note", ""),
        next_round=later[0] if later else None,
        judges=judges,
        judge_ends=JUDGE_ENDS,
        judges_hidden=ranking.judge_count - len(judges),
        judge_flags=ranking.judge_flags(),
        caterpillar=ranking.caterpillar(),
        judges_plot=ranking.judges_plot(),
        criteria=ranking.criteria(),
        rule_form=AdvancementRuleForm(
            initial={"mode": round.advancement_mode, "count": round.advance_count, "share": round.advance_share}
        ),
        entry_form=RoundEntryForm(),
        flagged=ranking.flagged,
        xlsx_job=export_services.latest_export(ranking),
        xlsx_inline=ranking.scored <= settings.LAUREL_XLSX_INLINE_MAX_ROWS,
    )
    if round.kind == RoundKind.FINAL:
        final = final_selectors.final_outcome(round, method=method)
        pending = {entry for tie in final.ladder.pending for entry in tie.entries}
        context["final"] = final
        context["ladder_rows"] = [
            {
                "rank": p.rank,
                "tier": p.tier.name if p.tier else "",
                "entry": p.entry,
                "title": final.title(p.entry),
                "pending": p.entry in pending,
                "below_minimum": p.entry in final.below_minimum,
            }
            for p in final.ladder.placements
        ]
        context["pending_ties"] = [
            {
                "rank_from": tie.rank_from,
                "rank_to": tie.rank_to,
                "tiers": " / ".join(name or "no award" for name in tie.tiers),
                "entries": [(entry, final.title(entry)) for entry in tie.entries],
            }
            for tie in final.ladder.pending
        ]
    return render(request, "judging/results.html", context)


def _back(edition: Edition, round_: Round, method: str) -> HttpResponseRedirect:
    query = urlencode({"round": round_.pk, "method": method})
    return HttpResponseRedirect(f"{reverse('judging:results', kwargs={'edition_id': edition.pk})}?{query}")


@organizer_required
@require_POST
def results_action(request: HttpRequest, edition_id: int, round_id: int) -> HttpResponse:
    """One organizer decision on a round: advance, change the rule, add/remove an entry, ties, awards."""
    assert isinstance(request.user, User)
    edition = organized_edition(request, edition_id)
    round = _round_of(edition, round_id)
    user, ip = request.user, client_ip(request)
    action = request.POST.get("action", "")
    method = _method(request.POST.get("method"))
    try:
        if action == "advance":
            require_confirmation(request, what="advance these entries to the next round")
            done = advancement.apply_advancement(
                round_=round,
                decided_by=user,
                include_tied=request.POST.get("include_tied") == "1",
                confirm_band=request.POST.get("confirm_band") == "1",
                ip=ip,
            )
            messages.success(
                request,
                f"{len(done.added)} entries entered {done.next_round.name}"
                + (f" ({done.already} were already there)." if done.already else "."),
            )
        elif action == "rule":
            rule = AdvancementRuleForm(request.POST)
            if not rule.is_valid():
                messages.error(
                    request, "Check the rule: " + " ".join(str(e) for errs in rule.errors.values() for e in errs)
                )
            else:
                data = rule.cleaned_data
                set_advancement_rule(
                    round_=round, mode=data["mode"], count=data["count"], share=data["share"], actor=user
                )
                messages.success(request, "Advancement rule saved.")
        elif action in ("add", "remove"):
            entry_form = RoundEntryForm(request.POST)
            if not entry_form.is_valid():
                messages.error(request, "Give the entry's number and a reason.")
            else:
                submission = Submission.objects.filter(
                    pk=entry_form.cleaned_data["submission"], edition=edition
                ).first()
                if submission is None:
                    messages.error(request, "There is no entry with that number in this edition.")
                elif action == "add":
                    advancement.add_round_entry(
                        round_=round,
                        submission=submission,
                        decided_by=user,
                        reason=entry_form.cleaned_data["reason"],
                        ip=ip,
                    )
                    messages.success(request, f"Entry #{submission.pk} added to {round.name}.")
                else:
                    advancement.remove_round_entry(
                        round_=round,
                        submission=submission,
                        decided_by=user,
                        reason=entry_form.cleaned_data["reason"],
                        ip=ip,
                    )
                    messages.success(request, f"Entry #{submission.pk} removed from {round.name}.")
        elif action == "decide_tie":
            tie = TieDecisionForm(request.POST)
            order = parse_ids(request.POST.getlist("order"))
            if not tie.is_valid() or order is None:
                messages.error(request, "Order the tied entries and give a reason.")
            else:
                final_services.decide_tie(
                    round_=round, order=order, reason=tie.cleaned_data["reason"], decided_by=user, method=method, ip=ip
                )
                messages.success(request, "Tie decided.")
        elif action == "recompute":
            if refresh_rankings.request_ranking_refresh(round_id=round.pk):
                messages.success(request, "The ranking is being recomputed; this page shows it when it is ready.")
            else:
                messages.info(request, "The ranking is already being recomputed.")
        elif action == "publish":
            require_confirmation(request, what="publish the award ladder")
            awards = final_services.publish_awards(round_=round, decided_by=user, method=method, ip=ip)
            messages.success(request, f"Award ladder published: {len(awards)} awards.")
        else:
            return HttpResponse("Unknown action.", status=400, content_type="text/plain")
    except JudgingError as error:  # AdvancementError, FinalError and the rounds service's own
        messages.error(request, error.message)
    return _back(edition, round, method)


@require_GET
def results_export(request: HttpRequest, edition_id: int, round_id: int, fmt: str) -> HttpResponseBase:
    # organizer_required's rules, inline: it is typed for HttpResponse, exports stream.
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if fmt not in exports.FORMATS or not request_roles(request).is_organizer:
        raise Http404
    edition = organized_edition(request, edition_id)
    round = _round_of(edition, round_id)
    ranking = rankings.ranking_of(round)
    # A final is decided by ballots: its exports hold the published ladder, whatever the scores.
    if not ranking.is_current and round.kind != RoundKind.FINAL:
        refresh_rankings.request_ranking_refresh(round_id=round.pk)
        return HttpResponse(
            "The ranking is being recomputed after recent changes; export it again in a moment.",
            status=409,
            content_type="text/plain",
            headers={"Retry-After": "10"},
        )
    if fmt == "xlsx" and ranking.scored > settings.LAUREL_XLSX_INLINE_MAX_ROWS:
        # Too large to build inside a request: a worker builds it; the results page links it.
        export_services.request_xlsx_export(
            ranking=ranking, actor=request.user if isinstance(request.user, User) else None
        )
        messages.info(
            request, "The Excel file is being prepared; a download link appears on this page when it is ready."
        )
        return _back(edition, round, "schulze")
    return exports.FORMATS[fmt](ranking)


@require_GET
def results_file(request: HttpRequest, edition_id: int, round_id: int, export_id: int) -> HttpResponseBase:
    """A built export file, read through the storage API (any host can serve it)."""
    # organizer_required's rules, inline, as for results_export: a file response streams.
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request_roles(request).is_organizer:
        raise Http404
    edition = organized_edition(request, edition_id)
    round = _round_of(edition, round_id)
    export = get_object_or_404(ExportFile, pk=export_id, round=round, state=RunState.DONE)
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=export.file.name.rsplit("/", 1)[-1],
        content_type=exports.XLSX_CONTENT_TYPE,
    )
