"""Rounds of an edition, their rubric, panels of judges, conflicts and preferences.

Tables, choices and constraints only; every write goes through ``judging.*.services``.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from festival.models import Category, Edition, JudgeMembership
from submissions.models import Submission


class RoundKind(models.TextChoices):
    SCREENING = "screening", "Screening"
    JURY = "jury", "Jury"
    FINAL = "final", "Final"


class AdvancementMode(models.TextChoices):
    NONE = "none", "No automatic advancement"
    TOP_N = "top_n", "Top N entries by calibrated score"
    TOP_SHARE = "top_share", "Top share of entries by calibrated score"


class Round(models.Model):
    """One stage of judging in an edition (screening, then jury, then the final)."""

    edition = models.ForeignKey(Edition, db_index=False, on_delete=models.CASCADE, related_name="rounds")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=RoundKind.choices, default=RoundKind.SCREENING)
    position = models.PositiveSmallIntegerField(default=0, help_text="Rounds run in this order.")
    judges_per_entry = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    load_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most entries one judge is given in this round (blank: no cap)."
    )
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    # Visibility rules.
    show_credits = models.BooleanField(
        default=False, help_text="Judges see the film's credits (names of the team). Blind when off."
    )
    peers_visible_after_submit = models.BooleanField(
        default=True, help_text="A judge sees the other judges' scores once their own is submitted."
    )
    required_watch_share = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share of the film a judge must have watched before submitting (0.9 = 90 %).",
    )
    # Advancement rule, applied to the round's calibrated ranking.
    advancement_mode = models.CharField(max_length=16, choices=AdvancementMode.choices, default=AdvancementMode.NONE)
    advance_count = models.PositiveIntegerField(null=True, blank=True, help_text="N for top N.")
    advance_share = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share for top share (0.1 = best 10 %).",
    )
    # The final: a finalist must appear on more than this share of the ballots to win a tier.
    min_ballot_share = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(0.99)],
        help_text="Final rounds: a finalist must be on more than this share of the ballots to win a tier "
        "(0.5 = a majority; 0 = one ballot is enough).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["edition_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "position"], name="round_position_per_edition"),
            models.CheckConstraint(
                condition=models.Q(opens_at__isnull=True)
                | models.Q(closes_at__isnull=True)
                | models.Q(opens_at__lt=models.F("closes_at")),
                name="round_window_order",
            ),
            models.CheckConstraint(
                condition=models.Q(required_watch_share__gte=0.0, required_watch_share__lte=1.0),
                name="round_watch_share_range",
            ),
            models.CheckConstraint(
                condition=models.Q(advance_share__isnull=True)
                | models.Q(advance_share__gt=0.0, advance_share__lte=1.0),
                name="round_advance_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition} — {self.name}"

    def is_closed_at(self, moment: datetime) -> bool:
        return self.closes_at is not None and moment >= self.closes_at

    def is_open_at(self, moment: datetime) -> bool:
        started = self.opens_at is None or moment >= self.opens_at
        return started and not self.is_closed_at(moment)


class Criterion(models.Model):
    """One line of a round's rubric."""

    round = models.ForeignKey(Round, db_index=False, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=80)
    guidance = models.TextField(blank=True)
    weight = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=10)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale_min__lt=models.F("scale_max")), name="criterion_scale_order"
            ),
            models.CheckConstraint(condition=models.Q(weight__gt=0.0), name="criterion_weight_positive"),
            models.UniqueConstraint(fields=["round", "name"], name="criterion_name_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.scale_min}–{self.scale_max}, ×{self.weight:g})"


class Panel(models.Model):
    """A group of judges for a round, optionally for one category of entries."""

    round = models.ForeignKey(Round, db_index=False, on_delete=models.CASCADE, related_name="panels")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(max_length=120)
    judges = models.ManyToManyField(JudgeMembership, related_name="panels", blank=True)

    class Meta:
        ordering = ["round_id", "name"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="panel_name_per_round")]

    def __str__(self) -> str:
        return self.name


class ConflictKind(models.TextChoices):
    PERSON = "person", "A person (collaborator, relative, student...)"
    COMPANY = "company", "A company or organization"
    TEXT = "text", "Something else (free text)"
    ENTRY = "entry", "A specific entry"


class DeclaredConflict(models.Model):
    """What a judge declares they cannot judge fairly. Matched against entries' credits."""

    judge = models.ForeignKey(JudgeMembership, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(max_length=16, choices=ConflictKind.choices)
    value = models.CharField(max_length=300)
    # ``judging.assignment.conflicts.normalize_name(value)``: what credits are compared with.
    normalized = models.CharField(max_length=300, db_index=True)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.CASCADE, related_name="declared_conflicts"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["judge_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="entry") | models.Q(submission__isnull=False),
                name="conflict_entry_has_submission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.judge}: {self.get_kind_display()} {self.value}"


class ConflictWaiver(models.Model):
    """An organizer's explicit decision that a detected conflict does not stand."""

    judge = models.ForeignKey(JudgeMembership, db_index=False, on_delete=models.CASCADE, related_name="waivers")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="conflict_waivers")
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["judge", "submission"], name="conflict_waiver_once")]

    def __str__(self) -> str:
        return f"Waiver for {self.judge} on entry #{self.submission_id}"


class CategoryPreference(models.Model):
    """A category a judge prefers to judge; assignment favours it."""

    judge = models.ForeignKey(JudgeMembership, db_index=False, on_delete=models.CASCADE, related_name="preferences")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["judge", "category"], name="category_preference_once")]

    def __str__(self) -> str:
        return f"{self.judge} prefers {self.category}"


class RoundEntry(models.Model):
    """An entry taking part in a round: all submitted entries in the first, advanced ones later."""

    round = models.ForeignKey(Round, db_index=False, on_delete=models.CASCADE, related_name="entries")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="round_entries")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "submission"], name="round_entry_once")]

    def __str__(self) -> str:
        return f"#{self.submission_id} in {self.round_id}"
