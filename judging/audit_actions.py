"""Audit action names written by judging services: every ``record_audit`` call names one of these.

The values are stored in ``AuditEvent.action`` and searched by organizers: never rename a value,
add a new one instead."""

from __future__ import annotations

from typing import Final

ASSIGNMENT_ADDED: Final = "assignment.added"
ASSIGNMENT_CONFLICT_FOUND: Final = "assignment.conflict_found"
ASSIGNMENT_CONFLICT_REASSIGNED: Final = "assignment.conflict_reassigned"
ASSIGNMENT_JUDGE_WITHDRAWN: Final = "assignment.judge_withdrawn"
ASSIGNMENT_REMOVED: Final = "assignment.removed"
ASSIGNMENT_REQUESTED: Final = "assignment.requested"
ASSIGNMENT_RUN: Final = "assignment.run"
BALLOT_CHANGED: Final = "ballot.changed"
BALLOT_SUBMITTED: Final = "ballot.submitted"
CONFLICT_DECLARED: Final = "conflict.declared"
CONFLICT_REMOVED: Final = "conflict.removed"
CONFLICT_WAIVED: Final = "conflict.waived"
FINAL_AWARDS_PUBLISHED: Final = "final.awards_published"
FINAL_TIE_DECIDED: Final = "final.tie_decided"
JUDGE_PREFERENCES_CHANGED: Final = "judge.preferences_changed"
RESULTS_EXPORT_REQUESTED: Final = "results.export_requested"
ROUND_ADVANCED: Final = "round.advanced"
ROUND_ADVANCEMENT_CHANGED: Final = "round.advancement_changed"
ROUND_CHANGED: Final = "round.changed"
ROUND_CLOSED: Final = "round.closed"
ROUND_CREATED: Final = "round.created"
ROUND_DELETED: Final = "round.deleted"
ROUND_ENTRIES_ADDED: Final = "round.entries_added"
ROUND_ENTRY_ADDED: Final = "round.entry_added"
ROUND_ENTRY_REMOVED: Final = "round.entry_removed"
ROUND_OPENED: Final = "round.opened"
ROUND_PANELS_SET: Final = "round.panels_set"
ROUND_RUBRIC_SET: Final = "round.rubric_set"
SCORE_DRAFT_SAVED: Final = "score.draft_saved"
SCORE_EXCLUDED: Final = "score.excluded"
SCORE_REOPENED: Final = "score.reopened"
SCORE_RESTORED: Final = "score.restored"
SCORE_SUBMITTED: Final = "score.submitted"
ASSIGNMENT_MORE_JUDGING: Final = "assignment.more_judging"
