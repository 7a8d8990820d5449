"""Audit action names written by the announcements services: every ``record_audit`` call names one of these.

The values are stored in ``AuditEvent.action`` and searched by organizers: never rename a value,
add a new one instead."""

from __future__ import annotations

from typing import Final

ANNOUNCEMENT_MADE: Final = "announcement.made"
ANNOUNCEMENT_OUTCOME_CORRECTED: Final = "announcement.outcome_corrected"
ANNOUNCEMENT_PUBLIC_CONSENT_CHANGED: Final = "announcement.public_consent_changed"
ANNOUNCEMENT_PUBLIC_CONSENT_GIVEN: Final = "announcement.public_consent_given"
ANNOUNCEMENT_PUBLIC_CONSENT_WITHDRAWN: Final = "announcement.public_consent_withdrawn"
ANNOUNCEMENT_SCHEDULED: Final = "announcement.scheduled"
ANNOUNCEMENT_LAUREL_UPLOADED: Final = "announcement.laurel_uploaded"
