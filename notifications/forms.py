from __future__ import annotations

from typing import Any

from django import forms

from festival.models import Edition
from notifications import events as ev
from notifications import outbox
from notifications.rendering import TemplateProblem, check_template


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=300)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}))
    hold_for_review = forms.BooleanField(required=False, label="Hold these messages for review before they are sent")
    preview_for = forms.EmailField(required=False, label="Preview for (e-mail of a person of this edition)")

    def __init__(self, *args: Any, event: ev.Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event

    def _checked(self, name: str) -> str:
        value: str = self.cleaned_data[name]
        try:
            check_template(value, self.event.all_placeholders)
        except TemplateProblem as problem:
            raise forms.ValidationError(problem.message) from problem
        return value

    def clean_subject(self) -> str:
        return self._checked("subject")

    def clean_body(self) -> str:
        return self._checked("body")


class ComposeForm(forms.Form):
    kind = forms.ChoiceField(label="Send to")
    state = forms.ChoiceField(required=False, label="Entrants whose submission is")
    category = forms.ChoiceField(required=False, label="In category")
    round = forms.ChoiceField(required=False, label="Judges of round")
    panel = forms.ChoiceField(required=False, label="On panel")
    progress = forms.ChoiceField(required=False, label="Who")
    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Plain text. Placeholders: " + ", ".join("{{ " + n + " }}" for n in ev.COMMON_PLACEHOLDERS),
    )
    hold = forms.BooleanField(required=False, label="Hold for review (send it later from the outbox)")
    preview_for = forms.EmailField(required=False, label="Preview for (e-mail of a recipient)")

    def __init__(self, *args: Any, edition: Edition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, options in outbox.audiences().choices(edition).items():
            self.fields[name].choices = options  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("subject", "body"):
            if name in data:
                try:
                    check_template(data[name], ev.COMMON_PLACEHOLDERS)
                except TemplateProblem as problem:
                    self.add_error(name, problem.message)
        return data

    def audience(self) -> dict[str, Any]:
        keys = (
            ("kind", "state", "category")
            if self.cleaned_data["kind"] == "entrants"
            else ("kind", "round", "panel", "progress")
        )
        return {key: self.cleaned_data[key] for key in keys if self.cleaned_data.get(key)}
