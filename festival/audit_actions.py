"""Audit action names written by festival services: every ``record_audit`` call names one of these.

The values are stored in ``AuditEvent.action`` and searched by organizers: never rename a value,
add a new one instead."""

from __future__ import annotations

from typing import Final

AWARD_LADDER_SET: Final = "edition.award_ladder_set"
CATEGORIES_SET: Final = "edition.categories_set"
EDITION_CHANGED: Final = "edition.changed"
EDITION_CREATED: Final = "edition.created"
FESTIVAL_CHANGED: Final = "festival.changed"
JUDGE_ACTIVE_SET: Final = "judge.active_set"
JUDGE_INVITATION_REVOKED: Final = "judge.invitation_revoked"
JUDGE_INVITED: Final = "judge.invited"
JUDGE_JOINED: Final = "judge.joined"
ORGANIZER_ADDED: Final = "organizer.added"
