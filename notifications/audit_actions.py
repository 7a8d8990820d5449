"""Audit action names written by the notifications services: every ``record_audit`` call names one of these.

The values are stored in ``AuditEvent.action`` and searched by organizers: never rename a value,
add a new one instead."""

from __future__ import annotations

from typing import Final

NOTIFICATIONS_PREFERENCES: Final = "notifications.preferences"
NOTIFICATIONS_UNSUBSCRIBED: Final = "notifications.unsubscribed"
TEMPLATE_SAVED: Final = "notifications.template_saved"
TEMPLATE_RESET: Final = "notifications.template_reset"
MESSAGE_RELEASED: Final = "notifications.released"
MESSAGE_DISCARDED: Final = "notifications.discarded"
BROADCAST_SENT: Final = "notifications.broadcast"
BROADCAST_RELEASED: Final = "notifications.broadcast_released"
