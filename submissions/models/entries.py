"""An entrant's film for an edition: details, credits and life cycle.

Core tables the other apps rely on (judging reads Submission and Credit). The stored
``state`` covers what the entrant and organizers do; whether the film is processing,
ready or failed is read from its ``media`` job, never copied here.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from festival.models import Category, Edition
from media.models import Film

TITLE_MAX = 200
LOGLINE_MAX = 300
SYNOPSIS_MAX = 5000
STATEMENT_MAX = 5000
RUNTIME_MAX_SECONDS = 4 * 60 * 60  # nothing a festival of shorts takes is longer


class SubmissionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    UPLOADING = "uploading", "Uploading"
    UPLOADED = "uploaded", "Uploaded"  # processing / ready / failed: see the film's job
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DISQUALIFIED = "disqualified", "Disqualified"


class Submission(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="submissions")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions")
    entrant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions")
    title = models.CharField(max_length=TITLE_MAX)
    logline = models.CharField(max_length=LOGLINE_MAX, blank=True)
    synopsis = models.TextField(max_length=SYNOPSIS_MAX, blank=True)
    declared_runtime_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(RUNTIME_MAX_SECONDS)],
    )
    # ISO 639-1 codes (``zxx``: no spoken language), ISO 3166-1 alpha-2 country.
    languages = models.JSONField(default=list, blank=True)
    country = models.CharField(max_length=2, blank=True)
    prize_contact_name = models.CharField(max_length=150, blank=True)
    prize_contact_email = models.EmailField(blank=True)
    prize_contact_phone = models.CharField(max_length=40, blank=True)
    ai_statement = models.TextField(
        "overall AI statement",
        max_length=STATEMENT_MAX,
        blank=True,
        help_text="How AI was used to make the film, in the entrant's words.",
    )
    state = models.CharField(max_length=16, choices=SubmissionState.choices, default=SubmissionState.DRAFT)
    film = models.OneToOneField(Film, null=True, blank=True, on_delete=models.SET_NULL, related_name="submission")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    disqualified_at = models.DateTimeField(null=True, blank=True)
    disqualified_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["edition", "state"], name="submission_edition_state"),
            models.Index(fields=["entrant", "edition"], name="submission_entrant_edition"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(declared_runtime_seconds__isnull=True)
                | models.Q(declared_runtime_seconds__gte=1, declared_runtime_seconds__lte=RUNTIME_MAX_SECONDS),
                name="submission_runtime_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CreditRole(models.TextChoices):
    DIRECTOR = "director", "Director"
    WRITER = "writer", "Writer"
    PRODUCER = "producer", "Producer"
    AI_ARTIST = "ai_artist", "AI artist"
    EDITOR = "editor", "Editor"
    COMPOSER = "composer", "Composer"
    SOUND = "sound", "Sound"
    CAST = "cast", "Cast"
    OTHER = "other", "Other"


class Credit(models.Model):
    """A team member. Judging matches these names against judges' conflicts.

    ``normalized_name`` / ``normalized_organization`` are ``submissions.names.normalize_name``
    of the two fields, written with them by ``set_credits`` (credits are replaced, never
    edited in place): indexed, so judging finds the credits naming a judge's declared people
    with an index lookup instead of reading every credit of the edition.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="credits")
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=CreditRole.choices)
    organization = models.CharField(max_length=150, blank=True)
    normalized_name = models.CharField(max_length=300, blank=True, db_index=True)
    normalized_organization = models.CharField(max_length=300, blank=True, db_index=True)
    is_entrant = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"
