"""Forms of the organizer's results page (advancement rule, wild cards, tie decisions)."""

from __future__ import annotations

from django import forms

from festival.parsing import parse_natural
from judging.final.voting import METHODS
from judging.models import AdvancementMode


class AdvancementRuleForm(forms.Form):
    mode = forms.ChoiceField(choices=AdvancementMode.choices, label="Advancement rule")
    count = forms.IntegerField(required=False, min_value=1, label="N (for top N)")
    share = forms.FloatField(required=False, min_value=0.0001, max_value=1.0, label="Share (for top share, 0.1 = 10 %)")


class RoundEntryForm(forms.Form):
    submission = forms.IntegerField(min_value=1, label="Entry number")
    reason = forms.CharField(max_length=500, label="Reason (kept in the audit trail)")


class TieDecisionForm(forms.Form):
    reason = forms.CharField(max_length=1000, label="Reason (kept with the decision)")
    method = forms.ChoiceField(choices=[(m, m) for m in METHODS], required=False)


def parse_ids(values: list[str]) -> list[int] | None:
    """Entry ids from a form's repeated field; None if any is not a whole number."""
    ids = [parse_natural(value) for value in values]
    return None if any(i is None for i in ids) else [i for i in ids if i is not None]
