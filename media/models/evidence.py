"""AI-usage evidence computed from a film: C2PA manifest, container tags, shots, flags, frame hashes.

Everything here is computed by ``media.ai_usage`` from the file and replaced as a whole on
a re-run, except the entrant's shot labels, which survive a re-run of the same cuts.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from media.models.films import Film


class C2PAState(models.TextChoices):
    # No manifest is the common case and says nothing against a film.
    NONE = "none", "No manifest (no evidence)"
    TRUSTED = "trusted", "Valid, signer trusted"
    UNTRUSTED = "untrusted", "Valid, signer not on the trust list"
    INVALID = "invalid", "Invalid (changed after signing or bad signature)"
    MALFORMED = "malformed", "Unreadable manifest"


class AIEvidence(models.Model):
    """One film's provenance evidence, as found in the file (never what the entrant says)."""

    film = models.OneToOneField(Film, on_delete=models.CASCADE, related_name="ai_evidence")
    c2pa_state = models.CharField(max_length=16, choices=C2PAState.choices, default=C2PAState.NONE)
    c2pa = models.JSONField(default=dict, blank=True, help_text="Summary of the C2PA manifest store.")
    container_tags = models.JSONField(default=dict, blank=True, help_text="Format and stream tags from the probe.")
    tools_found = models.JSONField(default=list, blank=True, help_text="Recognised AI tools: tool, source, value.")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "AI-usage evidence"
        verbose_name_plural = "AI-usage evidence"

    def __str__(self) -> str:
        return f"Evidence for film {self.film_id}: {self.get_c2pa_state_display()}"


class FlagSeverity(models.TextChoices):
    WARNING = "warning", "Evidence contradicts the declaration"
    INFO = "info", "For information"


class AIFlag(models.Model):
    """Where the evidence contradicts the declaration, for organizers; nothing is auto-rejected."""

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="ai_flags")
    code = models.CharField(max_length=64)
    severity = models.CharField(max_length=16, choices=FlagSeverity.choices, default=FlagSeverity.WARNING)
    message = models.TextField()
    evidence = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "AI-usage flag"
        indexes = [models.Index(fields=["code"], name="aiflag_code")]

    def __str__(self) -> str:
        return f"{self.code} (film {self.film_id})"


class ShotLabel(models.TextChoices):
    UNLABELLED = "unlabelled", "Unlabelled"
    AI = "ai", "AI-generated"
    HYBRID = "hybrid", "Hybrid"
    LIVE_ACTION = "live_action", "Live action"


class Shot(models.Model):
    """A shot [start, end) between two scene cuts, with a thumbnail and the entrant's label."""

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="shots")
    index = models.PositiveIntegerField()
    start_seconds = models.FloatField()
    end_seconds = models.FloatField()
    thumbnail = models.CharField(max_length=500, blank=True, help_text="Storage name of the thumbnail.")
    label = models.CharField(max_length=16, choices=ShotLabel.choices, default=ShotLabel.UNLABELLED)

    class Meta:
        ordering = ["film", "index"]
        constraints = [
            models.UniqueConstraint(fields=["film", "index"], name="shot_unique_index"),
            models.CheckConstraint(condition=Q(end_seconds__gt=F("start_seconds")), name="shot_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"Shot {self.index} of film {self.film_id}"


class FrameHash(models.Model):
    """A 64-bit perceptual hash of one sampled frame, stored signed to fit a BIGINT.

    ``group_key`` is copied from the film so the band look-ups stay within an edition.
    """

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="frame_hashes")
    group_key = models.CharField(max_length=64)
    at_seconds = models.FloatField()
    phash = models.BigIntegerField()
    # The hash's three bands (media.ai_usage.phash.bands), indexed: the duplicate check
    # looks candidates up by band instead of reading the group's every hash (covering
    # indexes on PostgreSQL: the look-up never visits the table).
    band0 = models.IntegerField(default=0)
    band1 = models.IntegerField(default=0)
    band2 = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["group_key", "film"], name="framehash_group_film"),
            models.Index(fields=["band0", "group_key"], include=["id", "film", "phash"], name="framehash_band0_group"),
            models.Index(fields=["band1", "group_key"], include=["id", "film", "phash"], name="framehash_band1_group"),
            models.Index(fields=["band2", "group_key"], include=["id", "film", "phash"], name="framehash_band2_group"),
        ]

    def __str__(self) -> str:
        return f"{self.phash:#x} at {self.at_seconds:.2f}s (film {self.film_id})"


class DuplicatePair(models.Model):
    """Two films of a group whose sampled frames match: a possible duplicate or resubmission."""

    film_a = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="+")
    film_b = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="+")
    group_key = models.CharField(max_length=64, db_index=True)
    matched_frames = models.PositiveIntegerField(help_text="Frames of the newer film matching the other.")
    compared_frames = models.PositiveIntegerField()
    detected_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "possible duplicate"
        constraints = [
            # One row per unordered pair: the lower id is always film_a.
            models.CheckConstraint(condition=Q(film_a__lt=F("film_b")), name="duplicate_pair_ordered"),
            models.UniqueConstraint(fields=["film_a", "film_b"], name="duplicate_pair_unique"),
        ]

    def __str__(self) -> str:
        return f"Films {self.film_a_id} and {self.film_b_id}"
