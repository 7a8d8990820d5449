"""The entrant's AI-use disclosure (one row per production stage) and attestations."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from festival.models import Attestation
from submissions.models.entries import Submission


class ProductionStage(models.TextChoices):
    SCRIPT = "script", "Script / story"
    IMAGE = "image", "Image generation"
    VIDEO = "video", "Video generation"
    VOICE = "voice", "Voice / dialogue"
    MUSIC = "music", "Music / sound"
    EDIT = "edit", "Edit / VFX / compositing"
    UPSCALE = "upscale", "Upscale / restoration"
    OTHER = "other", "Other"


class AITool(models.Model):
    """The seeded vocabulary of AI tools (a data migration adds the well-known ones)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    vendor = models.CharField(max_length=100, blank=True)
    # Stages the tool is typically used for, to order the picker; any tool fits any stage.
    stages = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "AI tool"

    def __str__(self) -> str:
        return self.name


class AIUse(models.Model):
    """How AI was used in one production stage of a film."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="ai_uses")
    stage = models.CharField(max_length=16, choices=ProductionStage.choices)
    tool = models.ForeignKey(AITool, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tool_other = models.CharField("other tool", max_length=100, blank=True)
    model_version = models.CharField("model / version", max_length=100, blank=True)
    runtime_share_percent = models.PositiveSmallIntegerField(
        "share of final runtime (%)", validators=[MaxValueValidator(100)]
    )
    notes = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["submission", "stage"]
        verbose_name = "AI use"
        constraints = [
            models.UniqueConstraint(fields=["submission", "stage"], name="ai_use_stage_once"),
            models.CheckConstraint(condition=models.Q(runtime_share_percent__lte=100), name="ai_use_share_max_100"),
            models.CheckConstraint(
                condition=models.Q(tool__isnull=False) | ~models.Q(tool_other=""),
                name="ai_use_names_a_tool",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.tool_name}"

    @property
    def tool_name(self) -> str:
        return self.tool.name if self.tool_id and self.tool else self.tool_other


class AttestationRecord(models.Model):
    """One rights or consent statement an entrant made for a film: what, who and when."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attestations")
    code = models.CharField(max_length=32, choices=Attestation.choices)
    text = models.TextField(help_text="The statement exactly as it was shown.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["submission", "code"]
        constraints = [models.UniqueConstraint(fields=["submission", "code"], name="attestation_once")]

    def __str__(self) -> str:
        return f"{self.code} by {self.user} at {self.accepted_at:%Y-%m-%d %H:%M}"
