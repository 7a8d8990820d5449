"""Forms of the announcements pages: scheduling, corrections, public consent, laurel artwork."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from announcements.models import Announcement, FeedbackRelease, OutcomeKind


class AnnouncementForm(forms.Form):
    """A round's announcement terms; the time is entered in the edition's time zone."""

    announce_at = forms.DateTimeField(
        required=False,
        label="Announce at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    feedback = forms.ChoiceField(choices=FeedbackRelease.choices, label="Feedback released to entrants")
    official_selection = forms.BooleanField(required=False, label="Entries advancing are the Official Selection")

    def __init__(
        self, *args: Any, zone: ZoneInfo, announcement: Announcement | None = None, final: bool = False, **kwargs: Any
    ) -> None:
        self.zone = zone
        if announcement is not None and "initial" not in kwargs:
            local = announcement.announce_at.astimezone(zone) if announcement.announce_at else None
            kwargs["initial"] = {
                "announce_at": local.replace(tzinfo=None) if local else None,
                "feedback": announcement.feedback,
                "official_selection": announcement.official_selection,
            }
        super().__init__(*args, **kwargs)
        self.fields["announce_at"].help_text = f"In the edition's time zone ({zone.key}). Blank: not scheduled."
        if final:  # nothing advances from the final
            del self.fields["official_selection"]

    def clean_official_selection(self) -> bool:
        return bool(self.cleaned_data.get("official_selection", False))

    def clean_announce_at(self) -> datetime | None:
        value: datetime | None = self.cleaned_data.get("announce_at")
        if value is None:
            return None
        naive = value.replace(tzinfo=None) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=self.zone)


class CorrectionForm(forms.Form):
    outcome = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=OutcomeKind.choices, label="Corrected outcome")
    tier = forms.IntegerField(required=False, label="Award tier (for an award)")
    rank = forms.IntegerField(required=False, min_value=1, label="Rank (for an award)")
    reason = forms.CharField(max_length=1000, label="Reason (kept in the audit trail and told to the entrant)")


class ConsentForm(forms.Form):
    agree = forms.BooleanField(required=True, label="I agree")
    show_poster = forms.BooleanField(required=False, initial=True, label="Show the poster")
    show_credits = forms.BooleanField(required=False, initial=True, label="Show the credits")


class ArtworkForm(forms.Form):
    distinction = forms.ChoiceField(choices=[], label="Distinction")
    file = forms.FileField(label="Laurel artwork (SVG or transparent PNG, up to 5 MB)")

    def __init__(self, *args: Any, distinctions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["distinction"].choices = [(d, d) for d in distinctions]  # type: ignore[attr-defined]
