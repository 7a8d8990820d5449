"""Stored rankings: a round's calibrated results, computed once per change and read many times.

Calibrating 100,000 entries takes seconds, so no page, API call, advancement or export
calibrates inside a request. A worker computes a ``RankingSnapshot`` (``judging.results.services.
refresh_round_ranking``) keyed by the round's score state; readers compare that key
with the state now (``judging.results.rankings.ranking_of``) and say how fresh what they show is.
Titles and entrants are not stored: they are read from the submission, where they live.
"""

from __future__ import annotations

from django.db import models

from judging.models.rounds import Round
from submissions.models import Submission


class RankingSnapshot(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ranking_snapshots")
    # What the ranking was computed from (see judging.results.rankings.ranking_state_key): when the
    # round's counted scores, competing entries or rule change, the key changes.
    state_key = models.CharField(max_length=64)
    computed_at = models.DateTimeField(auto_now_add=True)
    compute_ms = models.PositiveIntegerField(default=0)
    # Round-level figures: counts, the cut, per-judge and per-criterion rows (bounded by the
    # number of judges and criteria, never by the number of entries: the tie band and the
    # entries tied at the cut are rows, read from ``RankingRow`` by index, so every page
    # that loads the snapshot costs the same at 100,000 entries as at 100).
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["round", "-computed_at"], name="ranking_snapshot_latest")]

    def __str__(self) -> str:
        return f"Ranking of round {self.round_id} at {self.computed_at:%Y-%m-%d %H:%M:%S}"


class RankingRow(models.Model):
    """One entry's place in a snapshot.

    ``payload`` holds ``judging.results.selectors.ResultRow`` less what has a column here: the
    title (read from the submission), ``at_cut`` and ``p_above`` (looked up by index: who
    advances, who is tied, the tie band).
    """

    # No index of its own: the unique (snapshot, position) key serves every look-up by
    # snapshot, and unlike a bare snapshot index it also gives the order (the newest snapshot
    # is the one read, and the one the planner's statistics know least about).
    snapshot = models.ForeignKey(RankingSnapshot, on_delete=models.CASCADE, related_name="rows", db_index=False)
    # 1..n within a snapshot, without gaps (every entry of the round has a row), so a page of
    # the ranking is a range of the key, never an OFFSET scan.
    position = models.PositiveIntegerField()
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+", db_index=False)
    at_cut = models.CharField(max_length=24, blank=True)
    # In the tie band at the cut (the entry's interval contains it): the probability that it
    # belongs above the cut; null outside the band.
    p_above = models.FloatField(null=True, blank=True)
    payload = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "position"], name="ranking_row_position"),
        ]
        indexes = [
            models.Index(fields=["snapshot", "at_cut"], name="ranking_row_cut"),
            # The tie band of a snapshot, best first, without reading its other rows.
            models.Index(
                fields=["snapshot", "position"],
                include=["p_above", "submission"],
                condition=models.Q(p_above__isnull=False),
                name="ranking_row_band",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.position} in snapshot {self.snapshot_id}"


class RoundRevision(models.Model):
    """How many times the facts a round's ranking reads have changed: moved by database triggers
    only (``judging.results.revision``), never written by Django code.

    ``round_id`` is not a foreign key on purpose: a round deleted with its scores would otherwise
    see the cascade's triggers re-create the revision of a round that no longer exists.
    """

    round_id = models.BigIntegerField(primary_key=True)
    revision = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Round {self.round_id} at revision {self.revision}"
