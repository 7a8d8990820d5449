"""Assignment runs: an organizer's "assign judges" request, carried out by a worker.

Planning and writing 300,000 assignments takes tens of seconds at 100,000 entries, far too
long for a web request; the round page shows the run's state and progress instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from judging.models.rounds import Round


class RunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class AssignmentRun(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignment_runs")
    seed = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.QUEUED)
    created = models.PositiveIntegerField(default=0, help_text="Assignments the run made.")
    short = models.PositiveIntegerField(default=0, help_text="Entries still short of judges after it.")
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["round", "state"], name="assignment_run_state")]
        constraints = [
            # At most one run per round waits or works at a time.
            models.UniqueConstraint(
                fields=["round"],
                condition=models.Q(state__in=["queued", "running"]),
                name="assignment_run_one_active_per_round",
            )
        ]

    def __str__(self) -> str:
        return f"Assignment run {self.pk} of round {self.round_id} ({self.state})"

    @property
    def active(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING)
