"""Organizer back office for judging: rounds and rubric, panels, assignments, scores, waivers.

Scoped to the organizer's festivals like ``festival.admin``. Every change that matters goes
through ``judging.services`` so it is audited; overrides (reopen, exclude, waive, manual
assignment) are explicit actions with a reason.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from festival.admin import FestivalScopedAdmin, OrganizerInline
from festival.client import client_ip
from festival.models import Category, Edition, JudgeMembership, User
from festival.permissions import request_roles
from festival.services import record_audit
from judging import selectors
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
from judging.services import assignment as assignment_services
from judging.services import conflicts as conflict_services
from judging.services import rounds as round_services
from judging.services import scoring
from submissions.models import Submission

ROUND_FIELDS = [
    "name",
    "kind",
    "position",
    "judges_per_entry",
    "load_cap",
    "opens_at",
    "closes_at",
    "show_credits",
    "peers_visible_after_submit",
    "required_watch_share",
    "advancement_mode",
    "advance_count",
    "advance_share",
]


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class JudgingScopedAdmin(FestivalScopedAdmin):
    """Foreign keys offer only rows of the organizer's own festivals."""

    scoped_lookups: dict[type[Model], str] = {
        Round: "edition__festival__in",
        JudgeMembership: "edition__festival__in",
        Submission: "edition__festival__in",
        Category: "edition__festival__in",
        Edition: "festival__in",
    }

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        lookup = self.scoped_lookups.get(db_field.related_model)
        if lookup and not request.user.is_superuser:
            kwargs["queryset"] = db_field.related_model.objects.filter(**{lookup: self._festival_ids(request)})
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        lookup = self.scoped_lookups.get(db_field.related_model)
        if lookup and not request.user.is_superuser:
            kwargs["queryset"] = db_field.related_model.objects.filter(**{lookup: self._festival_ids(request)})
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CriterionInline(OrganizerInline):
    model = Criterion
    extra = 0
    fields = ["position", "name", "weight", "scale_min", "scale_max", "required", "guidance"]


class PanelInline(OrganizerInline):
    model = Panel
    extra = 0
    fields = ["name", "category", "judges"]
    filter_horizontal = ["judges"]

    # Judges and categories on offer: the organizer's own festivals only (never another's jury).
    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "judges" and not request.user.is_superuser:
            festivals = request_roles(request).organizer_of
            kwargs["queryset"] = JudgeMembership.objects.filter(edition__festival__in=festivals).select_related(
                "user", "edition"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "category" and not request.user.is_superuser:
            festivals = request_roles(request).organizer_of
            kwargs["queryset"] = Category.objects.filter(edition__festival__in=festivals)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _round_state(round_: Round) -> dict[str, Any]:
    return {f: str(getattr(round_, f)) if getattr(round_, f) is not None else None for f in ROUND_FIELDS}


@admin.register(Round)
class RoundAdmin(JudgingScopedAdmin):
    festival_path = "edition__festival"
    list_display = ["name", "edition", "kind", "position", "judges_per_entry", "opens_at", "closes_at", "overview"]
    list_filter = ["edition", "kind"]
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

    def save_model(self, request: HttpRequest, obj: Round, form: ModelForm[Round], change: bool) -> None:
        before = _round_state(Round.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        # Every adjustment (advancement rule, window, visibility) is audited.
        record_audit(
            actor=_actor(request),
            action="round.changed" if change else "round.created",
            target=obj,
            before=before,
            after=_round_state(obj),
            ip=client_ip(request),
        )

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
class RoundEntryAdmin(JudgingScopedAdmin):
    festival_path = "round__edition__festival"
    list_display = ["submission", "round", "added_at"]
    list_filter = ["round"]
    list_select_related = ["submission", "round__edition"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # entries come in through "Add the edition's submitted entries" or advancement

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


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
class AssignmentAdmin(JudgingScopedAdmin):
    form = AssignmentForm
    festival_path = "round__edition__festival"
    list_display = ["submission", "judge", "round", "state", "source", "position", "watched_share"]
    list_filter = ["round", "state", "source"]
    list_select_related = ["submission", "judge__user", "round__edition"]
    fields = ["round", "judge", "submission"]
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
        obj.pk = made.pk

    @admin.action(description="Remove the selected assignments (their scores are excluded)")
    def remove(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        for assignment in queryset:
            assignment_services.remove_assignment(
                assignment=assignment, actor=_actor(request), reason="Removed by an organizer in the admin."
            )
        self.message_user(request, f"{queryset.count()} assignments removed.", messages.SUCCESS)


@admin.register(Score)
class ScoreAdmin(JudgingScopedAdmin):
    festival_path = "round__edition__festival"
    list_display = ["submission", "judge", "round", "state", "total", "excluded", "version", "updated_at"]
    list_filter = ["round", "state", "excluded"]
    list_select_related = ["submission", "judge__user", "round__edition"]
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
                for e in selectors.score_history(obj).select_related("actor", "real_actor")
            ),
        )
        head = "<tr><th>When</th><th>What</th><th>Who</th><th>Really</th><th>IP</th><th>After</th></tr>"
        return format_html("<table>{}{}</table>", mark_safe(head), rows)  # noqa: S308 (constant markup)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # scores are never deleted; exclude them instead

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
class DeclaredConflictAdmin(JudgingScopedAdmin):
    festival_path = "judge__edition__festival"
    list_display = ["judge", "kind", "value", "submission", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["judge__user", "submission"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # judges declare their own conflicts

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)


@admin.register(ConflictWaiver)
class ConflictWaiverAdmin(JudgingScopedAdmin):
    festival_path = "judge__edition__festival"
    list_display = ["judge", "submission", "decided_by", "created_at"]
    fields = ["judge", "submission", "reason"]
    list_select_related = ["judge__user", "submission", "decided_by"]

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
        obj.pk = waiver.pk


class FinalRecordAdmin(JudgingScopedAdmin):
    """The final's ballots and decisions are made on the juror and results pages (audited there);
    the admin only shows them."""

    festival_path = "round__edition__festival"

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Ballot)
class BallotAdmin(FinalRecordAdmin):
    list_display = ["round", "judge", "method", "submitted_at"]
    list_filter = ["round", "method"]
    list_select_related = ["round__edition", "judge__user"]


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
