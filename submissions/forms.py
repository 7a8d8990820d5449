"""Entrant forms. They validate input and shape it for the services; they never write."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from festival.models import Category, Edition
from submissions.attestations import applicable_attestations, attestation_text, required_attestations
from submissions.models import AITool, AIUse, CreditRole, ProductionStage, Submission
from submissions.models.entries import RUNTIME_MAX_SECONDS, SYNOPSIS_MAX
from submissions.services import AIUseInput, CreditInput
from submissions.services.entries import DETAIL_FIELDS, MAX_CREDITS
from submissions.validation import country_choices, normalize_languages

_RUNTIME = re.compile(r"^\s*(?:(\d{1,3}):)?(\d{1,5})\s*$")


def format_runtime(seconds: int | None) -> str:
    return "" if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"


class RuntimeField(forms.Field):
    """A runtime typed as minutes:seconds (4:30) or as seconds (270)."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 12, "placeholder": "4:30"})

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        match = _RUNTIME.match(text) if len(text) <= 12 else None
        if match is None:
            raise ValidationError("Enter the runtime as minutes:seconds, for example 4:30.")
        minutes, seconds = match.groups()
        if minutes is not None and int(seconds) >= 60:
            raise ValidationError("Seconds must be below 60, for example 4:30.")
        total = int(minutes or 0) * 60 + int(seconds)
        if not 1 <= total <= RUNTIME_MAX_SECONDS:
            raise ValidationError(f"Enter a runtime between 0:01 and {format_runtime(RUNTIME_MAX_SECONDS)}.")
        return total


class SubmissionDetailsForm(forms.ModelForm):
    declared_runtime_seconds = RuntimeField(
        label="Runtime", required=False, help_text="Minutes:seconds, for example 4:30."
    )
    languages = forms.CharField(
        label="Languages",
        required=False,
        max_length=200,
        help_text="Two-letter codes separated by commas, for example en, fr. Use zxx if there is no dialogue.",
    )
    country = forms.ChoiceField(
        label="Country of production", required=False, choices=lambda: [("", "— choose —"), *country_choices()]
    )

    class Meta:
        model = Submission
        fields = list(DETAIL_FIELDS)
        labels = {"prize_contact_name": "Prize contact: name", "prize_contact_email": "Prize contact: e-mail"}
        widgets = {"synopsis": forms.Textarea(attrs={"rows": 8, "maxlength": SYNOPSIS_MAX})}

    def __init__(self, *args: Any, edition: Edition, **kwargs: Any) -> None:
        instance: Submission | None = kwargs.get("instance")
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "declared_runtime_seconds": format_runtime(instance.declared_runtime_seconds),
                    "languages": ", ".join(instance.languages or []),
                },
            )
        super().__init__(*args, **kwargs)
        categories = list(edition.categories.all())
        if categories:
            field = self.fields["category"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Category.objects.filter(edition=edition)
            field.empty_label = "— choose —"
        else:
            del self.fields["category"]

    def clean_languages(self) -> list[str]:
        return normalize_languages(re.split(r"[,\s;]+", self.cleaned_data.get("languages") or ""))

    def _post_clean(self) -> None:
        # The services validate the model (and write it); the form only checks its fields.
        pass

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class CreditForm(forms.Form):
    name = forms.CharField(max_length=150)
    # A blank first choice, so the empty extra rows of the formset stay unchanged (and ignored).
    role = forms.ChoiceField(choices=[("", "— choose —"), *CreditRole.choices])
    organization = forms.CharField(max_length=150, required=False)
    is_entrant = forms.BooleanField(label="This is me", required=False)


class BaseCreditFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = self._kept()
        if not kept:
            raise ValidationError("List at least one person in the credits: you.")
        if not any(f.cleaned_data.get("is_entrant") for f in kept):
            raise ValidationError("Mark the credit that is you (“This is me”): the entrant must be one of the team.")

    def _kept(self) -> list[CreditForm]:
        """Filled-in rows not marked for removal (blank extra rows are ignored)."""
        return [f for f in self.forms if f.has_changed() and not f.cleaned_data.get("DELETE")]

    def credits(self) -> list[CreditInput]:
        return [
            CreditInput(
                name=f.cleaned_data["name"],
                role=f.cleaned_data["role"],
                organization=f.cleaned_data.get("organization", ""),
                is_entrant=bool(f.cleaned_data.get("is_entrant")),
            )
            for f in self._kept()
        ]


CreditFormSet = cast(
    "type[BaseCreditFormSet]",
    forms.formset_factory(
        CreditForm,
        formset=BaseCreditFormSet,
        extra=2,
        can_delete=True,
        max_num=MAX_CREDITS,
        validate_max=True,
        absolute_max=MAX_CREDITS,
    ),
)


def tool_choices(tools: list[AITool], stage: str) -> list[Any]:
    """The tool picker: tools typical for the stage first, then every other tool."""
    typical = [(str(t.pk), t.name) for t in tools if stage in (t.stages or [])]
    others = [(str(t.pk), t.name) for t in tools if stage not in (t.stages or [])]
    choices: list[Any] = [("", "— choose, or name it below —")]
    if typical:
        choices.append((f"Often used for {ProductionStage(stage).label.lower()}", typical))
    if others:
        choices.append(("Other tools", others))
    return choices


class AIUseForm(forms.Form):
    """One production stage: whether AI was used in it, and how."""

    used = forms.BooleanField(required=False)
    tool = forms.ChoiceField(required=False, label="Tool")
    tool_other = forms.CharField(required=False, max_length=100, label="Other tool (if not in the list)")
    model_version = forms.CharField(required=False, max_length=100, label="Model / version")
    runtime_share_percent = forms.IntegerField(
        required=False, min_value=0, max_value=100, label="Share of the final runtime (%)"
    )
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, stage: str, tools: list[AITool], **kwargs: Any) -> None:
        kwargs["prefix"] = stage
        super().__init__(*args, **kwargs)
        self.stage = stage
        self.stage_label = ProductionStage(stage).label
        self.fields["used"].label = f"AI was used for {self.stage_label.lower()}"
        tool = self.fields["tool"]
        assert isinstance(tool, forms.ChoiceField)
        tool.choices = tool_choices(tools, stage)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("used"):
            return data
        if not data.get("tool") and not (data.get("tool_other") or "").strip():
            self.add_error("tool", "Choose the tool, or name it in “Other tool”.")
        if data.get("runtime_share_percent") is None:
            self.add_error("runtime_share_percent", "Give the share of the final runtime, 0 to 100.")
        return data

    def use(self) -> AIUseInput | None:
        data = self.cleaned_data
        if not data.get("used"):
            return None
        return AIUseInput(
            stage=self.stage,
            tool_id=int(data["tool"]) if data.get("tool") else None,
            tool_other=data.get("tool_other") or "",
            model_version=data.get("model_version") or "",
            runtime_share_percent=data["runtime_share_percent"],
            notes=data.get("notes") or "",
        )


def ai_use_forms(data: Any, *, submission: Submission) -> list[AIUseForm]:
    """One form per production stage, filled from what is declared (two queries)."""
    tools = list(AITool.objects.filter(is_active=True))
    declared: dict[str, AIUse] = {use.stage: use for use in submission.ai_uses.all()}
    forms_: list[AIUseForm] = []
    for stage in ProductionStage.values:
        use = declared.get(stage)
        initial = (
            {
                "used": True,
                "tool": str(use.tool_id) if use.tool_id else "",
                "tool_other": use.tool_other,
                "model_version": use.model_version,
                "runtime_share_percent": use.runtime_share_percent,
                "notes": use.notes,
            }
            if use
            else {}
        )
        if use is not None and use.tool_id and not any(t.pk == use.tool_id for t in tools):
            initial["tool_other"] = use.tool_other or (use.tool.name if use.tool else "")
            initial["tool"] = ""
        forms_.append(AIUseForm(data, stage=stage, tools=tools, initial=initial))
    return forms_


class AIStatementForm(forms.Form):
    ai_statement = forms.CharField(
        label="Overall AI statement",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 5000}),
        help_text="In your words: how AI was used to make the film.",
    )


class AttestationsForm(forms.Form):
    def __init__(self, *args: Any, edition: Edition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        required = set(required_attestations(edition))
        for code in applicable_attestations(edition):
            self.fields[code] = forms.BooleanField(
                label=attestation_text(code),
                required=False,
                help_text="Required to submit." if code in required else "Optional.",
            )

    def codes(self) -> list[str]:
        return [code for code, value in self.cleaned_data.items() if value]


class DisqualifyForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to the entrant and kept in the audit log.",
    )
