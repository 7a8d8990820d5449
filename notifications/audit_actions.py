"""Audit action names written by the notifications services: every ``record_audit`` call names one of these.

The values are stored in ``AuditEvent.action`` and searched by organizers: never rename a value,
add a new one instead."""

from __future__ import annotations

from typing import Final

NOTIFICATIONS_PREFERENCES: Final = "notifications.preferences"
NOTIFICATIONS_UNSUBSCRIBED: Final = "notifications.unsubscribed"
