"""Films (uploaded source files) and the processing job that makes each watchable."""

from __future__ import annotations

from django.db import models


class Film(models.Model):
    """One uploaded source file, stored through the storage API under a server-made name."""

    source_name = models.CharField(max_length=500, help_text="Storage name of the original upload.")
    original_filename = models.CharField(max_length=255, blank=True, help_text="Sanitized; metadata only.")
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, blank=True)
    # Films compared with each other for duplicates share a group (e.g. "edition:12").
    group_key = models.CharField(max_length=64, db_index=True)
    rules = models.JSONField(help_text="media.rules.FilmRules at hand-off.")
    declared_ai = models.JSONField(null=True, blank=True, help_text="media.rules.DeclaredAIUse.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_filename or self.source_name


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROBING = "probing", "Checking the file"
    TRANSCODING = "transcoding", "Transcoding"
    ANALYSING = "analysing", "Analysing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ProcessingJob(models.Model):
    """The state machine of one film's processing; transitions are compare-and-set."""

    film = models.OneToOneField(Film, on_delete=models.CASCADE, related_name="job")
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # 0-100
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    stderr_tail = models.TextField(blank=True)
    # Problems that do not fail the film (e.g. an analyser that crashed), one per line.
    notes = models.TextField(blank=True)
    # Touched by the running attempt; the reaper re-queues jobs whose heartbeat went stale.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "updated_at"], name="job_state_updated")]
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_max_100")]

    def __str__(self) -> str:
        return f"{self.film} — {self.state}"
