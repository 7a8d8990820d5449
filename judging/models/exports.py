"""Large exports built by a worker: an Excel file of a round's ranking, kept in storage.

CSV and JSON stream row by row at any size; XLSX is a zip whose directory comes last, so a
large one is written by a worker (``judging.build_export``) while the results page shows
its progress and then a download link. Each file belongs to the snapshot it was built from:
a file of an earlier ranking is never offered as the current one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from judging.models.rounds import Round
from judging.models.runs import RunState
from judging.models.snapshots import RankingSnapshot


class ExportFile(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="export_files")
    snapshot = models.ForeignKey(RankingSnapshot, null=True, on_delete=models.SET_NULL, related_name="+")
    format = models.CharField(max_length=8, default="xlsx")
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["round", "-requested_at"], name="export_file_latest")]

    def __str__(self) -> str:
        return f"{self.format} export of round {self.round_id} ({self.state})"

    @property
    def percent(self) -> int:
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0
