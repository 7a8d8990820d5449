"""The final: jurors' ballots, organizers' tie decisions and the award ladder as decided.

Tables and constraints only; writes go through ``judging.final.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Greatest, Least

from festival.models import AwardTier, JudgeMembership
from judging.models.rounds import Round
from submissions.models import Submission


class BallotMethod(models.TextChoices):
    RANKING = "ranking", "Ranking of all finalists"
    PAIRS = "pairs", "Comparisons in pairs"


class AggregationMethod(models.TextChoices):
    SCHULZE = "schulze", "Schulze method"
    BRADLEY_TERRY = "bradley_terry", "Bradley–Terry model"


class Ballot(models.Model):
    """One juror's ballot in a final round; re-submitting replaces its lines."""

    round = models.ForeignKey(Round, db_index=False, on_delete=models.CASCADE, related_name="ballots")
    judge = models.ForeignKey(JudgeMembership, on_delete=models.CASCADE, related_name="ballots")
    method = models.CharField(max_length=16, choices=BallotMethod.choices)
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round_id", "judge_id"]
        constraints = [models.UniqueConstraint(fields=["round", "judge"], name="ballot_once_per_round_judge")]

    def __str__(self) -> str:
        return f"Ballot of {self.judge_id} in round {self.round_id}"


class BallotRanking(models.Model):
    """A finalist's place on a ranking ballot (1 = best)."""

    ballot = models.ForeignKey(Ballot, db_index=False, on_delete=models.CASCADE, related_name="rankings")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["ballot_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "submission"], name="ballot_ranks_entry_once"),
            models.UniqueConstraint(fields=["ballot", "position"], name="ballot_position_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.submission_id} at {self.position}"


class BallotPair(models.Model):
    """One comparison on a pairwise ballot: the juror prefers ``winner`` to ``loser``."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="pairs")
    winner = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    loser = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["ballot_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(winner=models.F("loser")), name="ballot_pair_distinct"),
            # Each unordered pair once per ballot, whichever way it was decided.
            models.UniqueConstraint(
                Least("winner", "loser"), Greatest("winner", "loser"), "ballot", name="ballot_pair_once"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.winner_id} over #{self.loser_id}"


class TieDecision(models.Model):
    """An organizer's order for entries the ballots left tied across a tier boundary."""

    round = models.ForeignKey(Round, db_index=False, on_delete=models.CASCADE, related_name="tie_decisions")
    # The tied entries' ids, sorted and comma-joined: one decision per tied group.
    group_key = models.CharField(max_length=400)
    order = models.JSONField(help_text="Submission ids of the tied group, best first.")
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "group_key"], name="tie_decision_once_per_group")]

    def __str__(self) -> str:
        return f"Tie decision {self.group_key} in round {self.round_id}"


class AwardDecision(models.Model):
    """A film's place on the published award ladder of a final round."""

    round = models.ForeignKey(Round, db_index=False, on_delete=models.CASCADE, related_name="awards")
    tier = models.ForeignKey(AwardTier, on_delete=models.PROTECT, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="awards")
    rank = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=16, choices=AggregationMethod.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round_id", "rank", "submission_id"]
        constraints = [models.UniqueConstraint(fields=["round", "submission"], name="award_once_per_round_entry")]

    def __str__(self) -> str:
        return f"#{self.submission_id}: {self.tier.name} (rank {self.rank})"
