"""Audit action names written by the submissions services (entries, uploads).

Every ``record_audit`` call names one of these.

The values are stored in ``AuditEvent.action`` and searched by organizers: never rename a value,
add a new one instead."""

from __future__ import annotations

from typing import Final

SUBMISSION_AI_DISCLOSURE_SET: Final = "submission.ai_disclosure_set"
SUBMISSION_ATTESTATIONS_RECORDED: Final = "submission.attestations_recorded"
SUBMISSION_CREATED: Final = "submission.created"
SUBMISSION_CREDITS_SET: Final = "submission.credits_set"
SUBMISSION_DETAILS_UPDATED: Final = "submission.details_updated"
SUBMISSION_DISQUALIFIED: Final = "submission.disqualified"
SUBMISSION_FILM_ATTACHED: Final = "submission.film_attached"
SUBMISSION_SUBMITTED: Final = "submission.submitted"
SUBMISSION_UPLOAD_STARTED: Final = "submission.upload_started"
SUBMISSION_WITHDRAWN: Final = "submission.withdrawn"
UPLOAD_COMPLETE: Final = "upload.complete"
UPLOAD_CREATE: Final = "upload.create"
UPLOAD_EXPIRE: Final = "upload.expire"
UPLOAD_SUPERSEDED: Final = "upload.superseded"
UPLOAD_TERMINATE: Final = "upload.terminate"
