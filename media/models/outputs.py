"""What processing produced for a film: stored outputs and the QC report.

An output row is written only after every file it lists is in storage, so a row is the
commit marker of that output: a re-run produces exactly the outputs that have no row, and
files without a row (left by a killed worker) are removed before being written again.
"""

from __future__ import annotations

from django.db import models

from media.models.films import Film


class OutputKind(models.TextChoices):
    HLS = "hls", "HLS rendition"
    HLS_MASTER = "hls_master", "HLS master playlist"
    MP4 = "mp4", "MP4 rendition"
    POSTER = "poster", "Poster"
    STORYBOARD = "storyboard", "Storyboard"
    SHOTS = "shots", "Shot thumbnails"


class FilmOutput(models.Model):
    """One produced unit (an HLS rung, the MP4, the posters, ...) and the asset names it holds.

    Asset names are relative ("hls/720p/index.m3u8"); the storage name of an asset is
    ``films/<film id>/<asset name>`` (see ``media.storage_names``).
    """

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="outputs")
    kind = models.CharField(max_length=16, choices=OutputKind.choices)
    key = models.CharField(max_length=64, help_text='Unit name, e.g. "hls/720p", "poster".')
    files = models.JSONField(default=list, help_text="Relative asset names, in order.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["film", "key"], name="film_output_unique_key")]
        ordering = ["film_id", "key"]

    def __str__(self) -> str:
        return f"{self.film_id}:{self.key}"


class Severity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"


class QCReport(models.Model):
    """Technical QC / eligibility: measured values and findings ({code, severity, message, value})."""

    film = models.OneToOneField(Film, on_delete=models.CASCADE, related_name="qc_report")
    findings = models.JSONField(default=list)
    metrics = models.JSONField(default=dict)
    blocking = models.BooleanField(default=False, help_text="At least one finding is an error.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"QC of film {self.film_id}"
