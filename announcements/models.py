"""Announcements: per-round embargo and feedback terms, fixed outcomes, consent, laurel artwork, signed results.

Tables, choices and constraints only; every write goes through ``announcements.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from festival.models import AwardTier, Edition
from judging.models import Round
from submissions.models import Submission


class FeedbackRelease(models.TextChoices):
    NONE = "none", "No feedback"
    TEXT = "text", "Judges' feedback text only"
    SCORES = "scores", "Feedback with per-criterion scores"


class Announcement(models.Model):
    """When and how a round's (or the final's) outcomes reach the entrants."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="announcement")
    announce_at = models.DateTimeField(
        null=True, blank=True, help_text="Entrants see their outcome from this moment (blank: not scheduled)."
    )
    feedback = models.CharField(max_length=8, choices=FeedbackRelease.choices, default=FeedbackRelease.NONE)
    official_selection = models.BooleanField(
        default=False, help_text="Entries advancing from this round are announced as the Official Selection."
    )
    announced_at = models.DateTimeField(null=True, blank=True)
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Announcement of {self.round}"


class OutcomeKind(models.TextChoices):
    NOT_ADVANCED = "not_advanced", "Not advanced"
    ADVANCED = "advanced", "Advanced"
    OFFICIAL_SELECTION = "official_selection", "Official Selection"
    FINALIST = "finalist", "Finalist"
    AWARD = "award", "Award"


class Outcome(models.Model):
    """An entrant's outcome in one announced round, fixed at the announcement (corrections audited)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="outcomes")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=24, choices=OutcomeKind.choices)
    advanced_to = models.ForeignKey(Round, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(AwardTier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    fixed_at = models.DateTimeField()
    corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["announcement_id", "rank", "submission_id"]
        constraints = [
            models.UniqueConstraint(fields=["announcement", "submission"], name="outcome_once_per_announcement"),
            models.CheckConstraint(
                condition=~models.Q(kind="award") | models.Q(tier__isnull=False), name="outcome_award_has_tier"
            ),
        ]
        indexes = [models.Index(fields=["submission", "announcement"], name="outcome_submission")]

    def __str__(self) -> str:
        return f"#{self.submission_id}: {self.kind}"


class PublicConsent(models.Model):
    """The entrant's explicit consent to show the film on the public winners pages.

    Given (or withdrawn) on the submission's page; ``statement`` is the text exactly as shown.
    """

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="public_consent")
    statement = models.TextField()
    show_poster = models.BooleanField(default=True)
    show_credits = models.BooleanField(default=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Public listing consent for #{self.submission_id}"


class LaurelArtwork(models.Model):
    """A festival's own laurel for one distinction (an SVG or a transparent PNG), used instead of ours."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="laurel_artwork")
    distinction = models.CharField(max_length=80, help_text="An award tier's name, Finalist or Official Selection.")
    file = models.FileField(upload_to="laurels/")
    content_type = models.CharField(max_length=40)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "distinction", "content_type"], name="laurel_artwork_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.distinction} laurel for {self.edition}"


class SignedResults(models.Model):
    """An edition's ``results.json`` as signed at an announcement (the latest one is published)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="signed_results")
    document = models.TextField(help_text="The exact JSON bytes published (payload and signature).")
    key_id = models.CharField(max_length=64)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-signed_at", "-id"]
        get_latest_by = "signed_at"

    def __str__(self) -> str:
        return f"Signed results of {self.edition} at {self.signed_at:%Y-%m-%d %H:%M}"
