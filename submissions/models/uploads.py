"""Resumable (tus 1.0.0) uploads of a submission's film.

The bytes live in the storage API as numbered parts, one object per accepted PATCH; this
row is the durable record of how many bytes were acknowledged (``offset``) and which part
objects hold them. Every append moves ``offset`` with a compare-and-set, so two web
processes on different hosts can never both accept bytes at the same offset.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from submissions.models.entries import Submission

FILENAME_MAX = 255


class UploadState(models.TextChoices):
    RECEIVING = "receiving", "Receiving"
    ASSEMBLING = "assembling", "Assembling"  # every byte is in; the parts become the source
    COMPLETE = "complete", "Complete"


class Upload(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="uploads")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads")
    length = models.PositiveBigIntegerField(help_text="Upload-Length declared at creation.")
    offset = models.PositiveBigIntegerField(default=0, help_text="Bytes acknowledged so far.")
    # [{"name": storage name, "offset": first byte, "size": bytes, "sha256": hex}], in order.
    parts = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=UploadState.choices, default=UploadState.RECEIVING)
    original_filename = models.CharField(max_length=FILENAME_MAX, blank=True, help_text="Sanitized; metadata only.")
    filetype = models.CharField(max_length=100, blank=True, help_text="Sanitized client-declared media type.")
    source_name = models.CharField(max_length=500, blank=True, help_text="Storage name of the finished file.")
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "state"], name="upload_owner_state")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset__lte=models.F("length")), name="upload_offset_within_length"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_filename or self.pk} ({self.offset}/{self.length})"
