"""Organizer back office for judging: rounds and rubric, panels, assignments, scores, waivers.

Scoped to the organizer's festivals like ``festival.admin``. Every change that matters goes
through ``judging.*.services`` so it is audited; overrides (reopen, exclude, waive, manual
assignment) are explicit actions with a reason.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet, TextField
from django.forms import BaseInlineFormSet, ModelForm, Textarea
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from festival.admin_base import (
    FestivalScopedAdmin,
    LargeTablePaginator,
    ReadOnlyScopedAdmin,
    ScopedInline,
    actor_of,
    adopt,
    ip_of,
    kept_forms,
    register_scope,
    saved_by_service,
)
from festival.models import User
from festival.selectors import Scope
from judging.assignment import conflict_services
from judging.assignment import services as assignment_services
from judging.errors import JudgingError
from judging.models import (
    Assignment,
    AwardDecision,
    Ballot,
    ConflictWaiver,
    Criterion,
    DeclaredConflict,
    Panel,
    Round,
    RoundEntry,
    Score,
    TieDecision,
)
from judging.rounds import services as round_services
from judging.scoring import selectors as scoring_selectors
from judging.scoring import services as scoring

register_scope(Criterion, Scope(festival="round__edition__festival"))
register_scope(Panel, Scope(festival="round__edition__festival"))


def _actor(request: HttpRequest) -> User:
    user: User = actor_of(request)
    return user


def criterion_specs(formset: BaseInlineFormSet[Any, Any, Any]) -> list[round_services.CriterionSpec]:
    ordered = sorted(kept_forms(formset), key=lambda form: form.cleaned_data.get("position") or 0)
    return [
        round_services.CriterionSpec(
            id=form.instance.pk,
            name=form.cleaned_data["name"],
            weight=form.cleaned_data["weight"],
            guidance=form.cleaned_data.get("guidance") or "",
            scale_min=form.cleaned_data["scale_min"],
            scale_max=form.cleaned_data["scale_max"],
            required=form.cleaned_data.get("required", False),
        )
        for form in ordered
    ]


def panel_specs(formset: BaseInlineFormSet[Any, Any, Any]) -> list[round_services.PanelSpec]:
    return [
        round_services.PanelSpec(
            id=form.instance.pk,
            name=form.cleaned_data["name"],
            category_id=form.cleaned_data["category"].pk if form.cleaned_data.get("category") else None,
            judge_ids=tuple(j.pk for j in form.cleaned_data.get("judges") or ()),
        )
        for form in kept_forms(formset)
    ]


def _as_form_error(exc: JudgingError) -> ValidationError:
    return ValidationError(exc.message)


class RubricFormSet(BaseInlineFormSet):
    """Refuses on the form what ``set_rubric`` would refuse (see ``check_rubric``)."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        specs = criterion_specs(self)
        if specs or self.instance.pk is not None:
            try:
                round_services.check_rubric(round_=self.instance, specs=specs)
            except JudgingError as exc:
                raise _as_form_error(exc) from exc


class PanelFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms) or self.instance.edition_id is None:
            return
        try:
            round_services.check_panels(round_=self.instance, specs=panel_specs(self))
        except JudgingError as exc:
            raise _as_form_error(exc) from exc


class CriterionInline(ScopedInline):
    model = Criterion
    formset = RubricFormSet
    fields = ["position", "name", "weight", "scale_min", "scale_max", "required", "guidance"]
    formfield_overrides = {TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 60})}}


class PanelInline(ScopedInline):
    model = Panel
    formset = PanelFormSet
    fields = ["name", "category", "judges"]
    autocomplete_fields = ["judges"]


class RoundForm(ModelForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("advancement_mode")
        if mode:
            try:
                round_services.check_advancement(mode, data.get("advance_count"), data.get("advance_share"))
            except JudgingError as exc:
                raise _as_form_error(exc) from exc
        return data


@admin.register(Round)
class RoundAdmin(FestivalScopedAdmin):
    scope = Scope(festival="edition__festival")
    form = RoundForm
    list_display = ["name", "edition", "kind", "position", "judges_per_entry", "opens_at", "closes_at", "overview"]
    list_filter = ["edition", "kind"]
    list_select_related = ["edition"]
    search_fields = ["name", "edition__name"]
    inlines = [CriterionInline, PanelInline]
    fieldsets = [
        (None, {"fields": ["edition", "name", "kind", "position"]}),
        ("Assignment", {"fields": ["judges_per_entry", "load_cap"]}),
        ("Scoring window", {"fields": ["opens_at", "closes_at"]}),
        ("Visibility", {"fields": ["show_credits", "peers_visible_after_submit", "required_watch_share"]}),
        ("Advancement", {"fields": ["advancement_mode", "advance_count", "advance_share"]}),
    ]
    actions = ["open_now", "close_now", "add_submitted_entries", "run_assignment"]

    @admin.display(description="Overview")
    def overview(self, obj: Round) -> str:
        url = reverse("judging:round-overview", kwargs={"round_id": obj.pk})
        return format_html('<a href="{}">Progress and coverage</a>', url)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return ["edition"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Round, form: ModelForm[Round], change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = round_services.update_round(
                round_=Round.objects.get(pk=obj.pk),
                actor=_actor(request),
                ip=ip_of(request),
                **{name: data[name] for name in form.changed_data if name in round_services.ROUND_FIELDS},
            )
        else:
            saved = round_services.create_round(
                edition=data["edition"],
                actor=_actor(request),
                ip=ip_of(request),
                **{name: data[name] for name in round_services.ROUND_FIELDS if name in data},
            )
        adopt(obj, saved)

    def save_related(self, request: HttpRequest, form: ModelForm[Round], formsets: Any, change: bool) -> None:
        round_ = form.instance
        for formset in formsets:
            if formset.model is Criterion:
                specs = criterion_specs(formset) or (() if change else round_services.DEFAULT_RUBRIC)
                if specs:
                    round_services.set_rubric(round_=round_, specs=specs, actor=_actor(request), ip=ip_of(request))
            elif formset.model is Panel:
                round_services.set_panels(
                    round_=round_, specs=panel_specs(formset), actor=_actor(request), ip=ip_of(request)
                )
        saved_by_service(formsets)

    def delete_model(self, request: HttpRequest, obj: Round) -> None:
        round_services.delete_round(round_=obj, actor=_actor(request), ip=ip_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Round]) -> None:
        for round_ in queryset:
            self.delete_model(request, round_)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except JudgingError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:judging_round_change", args=[object_id]))

    def _each(self, request: HttpRequest, queryset: QuerySet[Round], verb: str, fn: Any) -> None:
        for round_ in queryset:
            try:
                result = fn(round_)
            except JudgingError as exc:
                self.message_user(request, f"{round_}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{round_}: {verb}{result}", messages.SUCCESS)

    @admin.action(description="Open the selected rounds for scoring now")
    def open_now(self, request: HttpRequest, queryset: QuerySet[Round]) -> None:
        self._each(
            request, queryset, "opened", lambda r: round_services.open_round(round_=r, actor=_actor(request)) and ""
        )

    @admin.action(description="Close the selected rounds now (locks their scores)")
    def close_now(self, request: HttpRequest, queryset: QuerySet[Round]) -> None:
        self._each(
            request, queryset, "closed", lambda r: round_services.close_round(round_=r, actor=_actor(request)) and ""
        )

    @admin.action(description="Add the edition's submitted entries")
    def add_submitted_entries(self, request: HttpRequest, queryset: QuerySet[Round]) -> None:
        self._each(
            request,
            queryset,
            "entries added: ",
            lambda r: round_services.add_entries_to_round(round_=r, actor=_actor(request)),
        )

    @admin.action(description="Assign judges to entries (seed 0; keeps existing assignments)")
    def run_assignment(self, request: HttpRequest, queryset: QuerySet[Round]) -> None:
        def run(r: Round) -> str:
            result = assignment_services.assign_round(round_=r, actor=_actor(request), seed=0)
            return f" {result.created} assignments made, {len(result.short)} entries short of judges."

        self._each(request, queryset, "assigned.", run)


@admin.register(RoundEntry)
class RoundEntryAdmin(ReadOnlyScopedAdmin):
    """Entries come in through "Add the edition's submitted entries" or advancement."""

    scope = Scope(festival="round__edition__festival")
    list_display = ["submission", "round", "added_at"]
    list_filter = ["round"]
    list_select_related = ["submission", "round__edition"]
    search_fields = ["submission__title", "=submission__id"]


class AssignmentForm(ModelForm):
    class Meta:
        model = Assignment
        fields = ["round", "judge", "submission"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        round_, judge, submission = data.get("round"), data.get("judge"), data.get("submission")
        if round_ and judge and submission:
            # The same checks the service makes, so a refusal shows on the form, not as an error page.
            try:
                assignment_services.check_manual_assignment(round_=round_, judge=judge, submission=submission)
            except JudgingError as exc:
                raise ValidationError(exc.message) from exc
        return data


@admin.register(Assignment)
class AssignmentAdmin(FestivalScopedAdmin):
    form = AssignmentForm
    scope = Scope(festival="round__edition__festival")
    list_display = ["submission", "judge", "round", "state", "source", "position", "watched_share"]
    list_filter = ["round", "state", "source"]
    list_select_related = ["submission", "judge__user", "judge__edition", "round__edition"]
    # Each judge's entries in a round: a total order (the change list adds no "-pk"), walked
    # on the unique constraint's index (round, judge, entry) a page at a time.
    ordering = ["round_id", "judge_id", "submission_id"]
    search_fields = ["submission__title", "=submission__id", "judge__user__email"]
    fields = ["round", "judge", "submission"]
    autocomplete_fields = ["round", "judge", "submission"]
    paginator = LargeTablePaginator
    actions = ["remove"]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return ["round", "judge", "submission"] if obj else []

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # use the "remove" action: audited, and the score is kept

    def save_model(self, request: HttpRequest, obj: Assignment, form: ModelForm[Assignment], change: bool) -> None:
        made = assignment_services.add_assignment(
            round_=obj.round, judge=obj.judge, submission=obj.submission, actor=_actor(request)
        )
        adopt(obj, made)

    @admin.action(description="Remove the selected assignments (their scores are excluded)")
    def remove(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        for assignment in queryset:
            assignment_services.remove_assignment(
                assignment=assignment, actor=_actor(request), reason="Removed by an organizer in the admin."
            )
        self.message_user(request, f"{queryset.count()} assignments removed.", messages.SUCCESS)


@admin.register(Score)
class ScoreAdmin(ReadOnlyScopedAdmin):
    scope = Scope(festival="round__edition__festival")
    list_display = ["submission", "judge", "round", "state", "total", "excluded", "version", "updated_at"]
    list_filter = ["round", "state", "excluded"]
    list_select_related = ["submission", "judge__user", "judge__edition", "round__edition"]
    search_fields = ["submission__title", "=submission__id", "judge__user__email"]
    paginator = LargeTablePaginator
    readonly_fields = [*(f.name for f in Score._meta.fields), "history"]
    actions = ["reopen", "exclude_scores", "restore"]

    @admin.display(description="History (append-only)")
    def history(self, obj: Score) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            (
                (
                    e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    e.action,
                    e.actor or "—",
                    e.real_actor if e.real_actor_id != e.actor_id else "",
                    e.ip or "",
                    json.dumps(e.after, sort_keys=True)[:300],
                )
                for e in scoring_selectors.score_history(obj).select_related("actor", "real_actor")
            ),
        )
        head = "<tr><th>When</th><th>What</th><th>Who</th><th>Really</th><th>IP</th><th>After</th></tr>"
        return format_html("<table>{}{}</table>", mark_safe(head), rows)  # noqa: S308 (constant markup)

    def _override(self, request: HttpRequest, queryset: QuerySet[Score], fn: Any, done: str) -> None:
        count = 0
        for score in queryset:
            try:
                fn(score)
                count += 1
            except JudgingError as exc:
                self.message_user(request, f"{score}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{count} scores {done}.", messages.SUCCESS)

    @admin.action(description="Reopen the selected submitted scores (judge can change them again)")
    def reopen(self, request: HttpRequest, queryset: QuerySet[Score]) -> None:
        self._override(
            request,
            queryset,
            lambda s: scoring.reopen_score(
                score=s, reason="Reopened by an organizer in the admin.", actor=_actor(request)
            ),
            "reopened",
        )

    @admin.action(description="Exclude the selected scores from rankings")
    def exclude_scores(self, request: HttpRequest, queryset: QuerySet[Score]) -> None:
        self._override(
            request,
            queryset,
            lambda s: scoring.exclude_score(
                score=s, reason="Excluded by an organizer in the admin.", actor=_actor(request)
            ),
            "excluded",
        )

    @admin.action(description="Count the selected excluded scores again")
    def restore(self, request: HttpRequest, queryset: QuerySet[Score]) -> None:
        self._override(
            request,
            queryset,
            lambda s: scoring.restore_score(
                score=s, reason="Restored by an organizer in the admin.", actor=_actor(request)
            ),
            "restored",
        )


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(ReadOnlyScopedAdmin):
    """Judges declare their own conflicts (on their profile page)."""

    scope = Scope(festival="judge__edition__festival")
    list_display = ["judge", "kind", "value", "submission", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["judge__user", "judge__edition", "submission"]


@admin.register(ConflictWaiver)
class ConflictWaiverAdmin(FestivalScopedAdmin):
    scope = Scope(festival="judge__edition__festival")
    list_display = ["judge", "submission", "decided_by", "created_at"]
    fields = ["judge", "submission", "reason"]
    autocomplete_fields = ["judge", "submission"]
    list_select_related = ["judge__user", "judge__edition", "submission", "decided_by"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # a waiver is a recorded decision

    def save_model(
        self, request: HttpRequest, obj: ConflictWaiver, form: ModelForm[ConflictWaiver], change: bool
    ) -> None:
        waiver = conflict_services.waive_conflict(
            judge=obj.judge, submission=obj.submission, reason=obj.reason, actor=_actor(request)
        )
        adopt(obj, waiver)


class FinalRecordAdmin(ReadOnlyScopedAdmin):
    """The final's ballots and decisions are made on the juror and results pages (audited there);
    the admin only shows them."""

    scope = Scope(festival="round__edition__festival")


@admin.register(Ballot)
class BallotAdmin(FinalRecordAdmin):
    list_display = ["round", "judge", "method", "submitted_at"]
    list_filter = ["round", "method"]
    list_select_related = ["round__edition", "judge__user", "judge__edition"]


@admin.register(TieDecision)
class TieDecisionAdmin(FinalRecordAdmin):
    list_display = ["round", "group_key", "decided_by", "decided_at"]
    list_filter = ["round"]
    list_select_related = ["round__edition", "decided_by"]


@admin.register(AwardDecision)
class AwardDecisionAdmin(FinalRecordAdmin):
    list_display = ["round", "rank", "tier", "submission", "method", "decided_by", "decided_at"]
    list_filter = ["round", "tier"]
    list_select_related = ["round__edition", "tier", "submission", "decided_by"]
