"""Audit action names written by the media services (pipeline, AI-usage evidence).

Every ``record_audit`` call names one of these.

The values are stored in ``AuditEvent.action`` and searched by organizers: never rename a value,
add a new one instead."""

from __future__ import annotations

from typing import Final

MEDIA_AI_USAGE_RECORDED: Final = "media.ai_usage.recorded"
MEDIA_DECLARATION_UPDATED: Final = "media.declaration.updated"
MEDIA_DUPLICATES_DETECTED: Final = "media.duplicates.detected"
MEDIA_FILM_FAILED: Final = "media.film_failed"
MEDIA_FILM_READY: Final = "media.film_ready"
MEDIA_FILM_REPROCESS: Final = "media.film_reprocess"
MEDIA_JOB_REAPED_FAILED: Final = "media.job_reaped_failed"
MEDIA_JOB_REAPED_REQUEUED: Final = "media.job_reaped_requeued"
MEDIA_SHOTS_LABELLED: Final = "media.shots.labelled"
MEDIA_JOB_TAKEN_OVER: Final = "media.job_taken_over"
