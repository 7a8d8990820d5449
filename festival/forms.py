from __future__ import annotations

from django import forms


class InviteJudgeForm(forms.Form):
    email = forms.EmailField(label="Judge's e-mail address", max_length=254)
