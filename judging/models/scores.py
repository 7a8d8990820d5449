"""Who judges what (assignments), their scores and how much of each film they watched.

The audit trail of every score and decision change is ``festival.models.AuditEvent``,
written by ``judging.*.services`` (append-only: nothing updates or deletes those rows).
"""

from __future__ import annotations

import uuid

from django.db import models

from festival.models import JudgeMembership
from judging.models.rounds import Round
from submissions.models import Submission


class AssignmentState(models.TextChoices):
    ACTIVE = "active", "Active"
    WITHDRAWN = "withdrawn", "Judge withdrew"
    CONFLICTED = "conflicted", "Conflict of interest"
    REMOVED = "removed", "Removed by an organizer"


class AssignmentSource(models.TextChoices):
    AUTO = "auto", "Assignment run"
    REASSIGNED = "reassigned", "Re-assigned"
    MANUAL = "manual", "Organizer"
    ADAPTIVE = "adaptive", "More judging at the cut"


class Assignment(models.Model):
    """A judge is to judge an entry in a round. Only active ones open the entry to the judge."""

    round = models.ForeignKey(Round, db_index=False, on_delete=models.CASCADE, related_name="assignments")
    judge = models.ForeignKey(JudgeMembership, on_delete=models.CASCADE, related_name="assignments")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="assignments")
    state = models.CharField(max_length=16, choices=AssignmentState.choices, default=AssignmentState.ACTIVE)
    source = models.CharField(max_length=16, choices=AssignmentSource.choices, default=AssignmentSource.AUTO)
    position = models.PositiveIntegerField(default=0, help_text="Order in the judge's queue (shuffled).")
    # Viewing completion, kept plausible by the server (see judging.scoring.services.record_watch).
    watched_seconds = models.FloatField(default=0.0)
    watched_share = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round_id", "judge_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "judge", "submission"], name="assignment_once_per_round_judge_entry"
            ),
            models.CheckConstraint(
                condition=models.Q(watched_share__gte=0.0, watched_share__lte=1.0),
                name="assignment_watched_share_range",
            ),
        ]
        indexes = [
            # A judge's queue, and the round page's per-judge loads (index-only with the entry).
            models.Index(
                fields=["round", "judge", "state", "position"], include=["submission"], name="assignment_queue_entry"
            ),
            # An entry's judges: the round page's coverage (index-only with the judge).
            models.Index(fields=["round", "submission", "state"], include=["judge"], name="assignment_entry_judge"),
        ]

    def __str__(self) -> str:
        return f"{self.judge_id} judges #{self.submission_id} in round {self.round_id}"


class ScoreState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Score(models.Model):
    """A judge's score of an entry in a round: one per (round, judge, entry).

    ``values`` maps criterion id (as a string) to the judge's integer value on that
    criterion's scale. ``total`` is the weighted mean of the values each rescaled to
    0-10 (so criteria with different scales compare); set on submit.
    """

    round = models.ForeignKey(Round, db_index=False, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(JudgeMembership, on_delete=models.CASCADE, related_name="scores")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="scores")
    assignment = models.OneToOneField(
        "judging.Assignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="score"
    )
    values = models.JSONField(default=dict, blank=True)
    comment_to_organizers = models.TextField(blank=True)
    feedback_to_filmmaker = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=ScoreState.choices, default=ScoreState.DRAFT)
    version = models.PositiveIntegerField(default=1, help_text="Bumped by every save (optimistic locking).")
    total = models.FloatField(null=True, blank=True)
    # Excluded scores stay for the record but count nowhere (e.g. a conflict found later).
    excluded = models.BooleanField(default=False)
    excluded_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round_id", "submission_id", "judge_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "judge", "submission"], name="score_once_per_round_judge_entry"),
            models.CheckConstraint(
                condition=~models.Q(state="submitted") | models.Q(submitted_at__isnull=False),
                name="score_submitted_has_time",
            ),
        ]
        indexes = [
            # The round's counted scores: rankings' freshness key, the round page's counts and the
            # dashboard's scores per day read them index-only (PostgreSQL; SQLite keeps the key columns).
            models.Index(
                fields=["round", "state", "excluded"],
                include=["id", "judge", "submission", "total", "updated_at", "submitted_at"],
                name="score_counted",
            ),
            # The admin's score list: filtered by round, ordered by entry then judge.
            models.Index(fields=["round", "submission", "judge"], name="score_round_entry"),
        ]

    def __str__(self) -> str:
        return f"Score of #{self.submission_id} by {self.judge_id} in round {self.round_id}"

    @property
    def counts(self) -> bool:
        """Whether calibration and rankings use this score."""
        return self.state == ScoreState.SUBMITTED and not self.excluded


class WatchSession(models.Model):
    """One scoring-page view that reported watching; the server bounds it by wall time.

    Made on the page's first watch report (never on a GET). ``started_at`` is when the page
    was served (signed into the page's token). A newer session supersedes the older ones of
    its assignment, so at most one is active: reports from a superseded one are refused.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="watch_sessions")
    started_at = models.DateTimeField()
    watched_seconds = models.FloatField(default=0.0)
    last_report_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=models.Q(superseded_at__isnull=True),
                name="one_active_watch_session",
            )
        ]

    def __str__(self) -> str:
        return f"Watch session {self.key}"
