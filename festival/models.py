"""The festival domain: people, festivals, editions and their rules, roles, audit trail.

Tables, choices and constraints only; every write goes through ``festival.services``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from festival.deadlines import SubmissionWindow

GiB = 1024**3


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (for example Europe/Paris).")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person: entrant, judge or organizer. Signs in with an e-mail address."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Festival(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    website = models.URLField(blank=True)
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizerMembership(models.Model):
    """Organizer role: runs one festival (all its editions)."""

    festival = models.ForeignKey(Festival, on_delete=models.CASCADE, related_name="organizers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organizer_memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["festival", "user"], name="organizer_once")]

    def __str__(self) -> str:
        return f"{self.user} organizes {self.festival}"


class Attestation(models.TextChoices):
    """Rights and consent statements an edition can require of every entrant."""

    RIGHTS = "rights", "I own or license all music, footage and other material in the film"
    LIKENESS_CONSENT = (
        "likeness_consent",
        "Every real person whose likeness or voice appears (synthetic or cloned) has consented",
    )
    NO_MINORS = "no_minors", "No minors appear in the film"
    TRAINING_DATA = (
        "training_data",
        "I have described any custom model or training data used, and have the right to use it",
    )
    RULES = "rules", "I accept the edition's rules"


class QCCheck(models.TextChoices):
    """Technical checks the media pipeline reports as warnings unless the edition makes them blocking.

    The values are the finding codes of ``media.qc``; breaking a rule above (runtime,
    container, resolution, file size) is always blocking.
    """

    NO_AUDIO = "no_audio", "The film has no audio track"
    FRAME_RATE = "frame_rate", "Frame rate below 15 fps"
    VARIABLE_FRAME_RATE = "variable_frame_rate", "Variable frame rate"
    LOUDNESS = "loudness", "Integrated loudness outside -27 to -13 LUFS"
    TRUE_PEAK = "true_peak", "True peak above -1 dBTP"
    BLACK_HEAD = "black_head", "Black at the start"
    BLACK_TAIL = "black_tail", "Black at the end"
    BLACK_RUN = "black_run", "A long run of black"
    SILENCE_HEAD = "silence_head", "Silence at the start"
    SILENCE_TAIL = "silence_tail", "Silence at the end"
    SILENCE_RUN = "silence_run", "A long run of silence"


DEFAULT_ATTESTATIONS = [a.value for a in Attestation]
DEFAULT_CONTAINERS = ["mp4", "mov", "webm", "mkv"]


class Edition(models.Model):
    """One year of a festival, with its submission window and its rules."""

    festival = models.ForeignKey(Festival, on_delete=models.CASCADE, related_name="editions")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000), MaxValueValidator(2200)])
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Deadlines are shown and entered in this time zone.",
    )
    submissions_open_at = models.DateTimeField()
    submissions_close_at = models.DateTimeField()
    grace_period = models.DurationField(
        default=timedelta(0),
        help_text="Films are still accepted this long after the announced deadline.",
    )
    # Rules every film is checked against (server-side, by the media pipeline and on submit).
    runtime_min_seconds = models.PositiveIntegerField(default=60)
    runtime_max_seconds = models.PositiveIntegerField(default=600)
    max_file_size_bytes = models.PositiveBigIntegerField(default=5 * GiB)
    allowed_containers = models.JSONField(default=list, blank=True)
    min_short_side_px = models.PositiveIntegerField(
        default=720, help_text="Smallest allowed shorter side, so vertical and square films qualify."
    )
    films_per_entrant = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    ai_video_required = models.BooleanField(default=True, help_text="Every film must declare AI-generated video.")
    minors_allowed = models.BooleanField(default=False)
    required_attestations = models.JSONField(default=list, blank=True)
    blocking_qc = models.JSONField(
        "blocking QC checks",
        default=list,
        blank=True,
        help_text="Technical checks that stop a film instead of warning (codes of QCCheck).",
    )
    lock_after_submit = models.BooleanField(
        default=True, help_text="A submitted film and its details can no longer be edited."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["festival", "slug"], name="edition_slug_per_festival"),
            models.CheckConstraint(
                condition=models.Q(runtime_min_seconds__lte=models.F("runtime_max_seconds")),
                name="edition_runtime_range",
            ),
            models.CheckConstraint(
                condition=models.Q(submissions_open_at__lt=models.F("submissions_close_at")),
                name="edition_window_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.runtime_min_seconds > self.runtime_max_seconds:
            errors["runtime_max_seconds"] = "The maximum runtime must not be below the minimum."
        if (
            self.submissions_open_at
            and self.submissions_close_at
            and self.submissions_open_at >= self.submissions_close_at
        ):
            errors["submissions_close_at"] = "Submissions must close after they open."
        unknown = set(self.required_attestations or []) - set(Attestation.values)
        if unknown:
            errors["required_attestations"] = f"Unknown attestations: {', '.join(sorted(unknown))}."
        unknown_qc = set(self.blocking_qc or []) - set(QCCheck.values)
        if unknown_qc:
            errors["blocking_qc"] = f"Unknown QC checks: {', '.join(sorted(unknown_qc))}."
        bad = set(self.allowed_containers or []) - {"mp4", "mov", "webm", "mkv", "avi"}
        if bad:
            errors["allowed_containers"] = f"Unsupported containers: {', '.join(sorted(bad))}."
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def window(self) -> SubmissionWindow:
        return SubmissionWindow(
            opens_at=self.submissions_open_at,
            closes_at=self.submissions_close_at,
            grace_period=self.grace_period,
            zone=self.zone,
        )

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)


class Category(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["edition", "slug"], name="category_slug_per_edition")]

    def __str__(self) -> str:
        return self.name


class AwardTier(models.Model):
    """A rung of the award ladder: the films ranked ``rank_from``..``rank_to`` win it."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="award_tiers")
    name = models.CharField(max_length=80)
    rank_from = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    rank_to = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["rank_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rank_from__gte=1, rank_to__gte=models.F("rank_from")),
                name="award_tier_rank_range",
            ),
            models.UniqueConstraint(fields=["edition", "rank_from"], name="award_tier_start_once"),
        ]

    def __str__(self) -> str:
        if self.rank_from == self.rank_to:
            return f"{self.name} (#{self.rank_from})"
        return f"{self.name} (#{self.rank_from}–{self.rank_to})"


class JudgeMembership(models.Model):
    """Judge role: sits on one edition's jury. Created only by accepting an invitation."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="judges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="judge_memberships")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["edition", "user"], name="judge_once_per_edition")]

    def __str__(self) -> str:
        return f"{self.user} judges {self.edition}"


class JudgeInvitation(models.Model):
    """A single-use, expiring invitation bound to one e-mail address.

    Only a digest of the token is stored, so a database leak does not leak live links.
    """

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to judge {self.edition}"


class AuditChain(models.Model):
    """The head of one festival's audit chain (``scope`` "festival:<id>", or "global").

    ``festival.services.record_audit`` locks this row while it appends, so two writers
    cannot both chain onto the same event; ``seq`` and ``head_hash`` are the last event's.
    """

    scope = models.CharField(max_length=40, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"Audit chain {self.scope} at #{self.seq}"


class AuditEvent(models.Model):
    """Append-only record of who changed what. Written by services, never updated.

    Each event carries the hash of the one before it in its festival's chain and its own
    hash over a canonical serialisation (``festival.audit``), so an edited, deleted or
    re-ordered row is found by ``manage.py verify_audit``.
    """

    created_at = models.DateTimeField(db_index=True)
    festival = models.ForeignKey(Festival, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    chain = models.CharField(max_length=40, default="global")
    seq = models.PositiveBigIntegerField(default=0)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The person really at the keyboard when an organizer acts on someone's behalf.
    real_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_seq_once_per_chain")]

    def __str__(self) -> str:
        return f"{self.action} on {self.target_type}#{self.target_id}"
