"""Reads for assignment: the judges a round may use, coverage gaps, and conflicts of interest
as they apply to a judge or to a round's assignments (found after assignment).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from festival.models import AuditEvent, JudgeMembership, User
from judging import audit_actions
from judging.assignment.conflict_check import Conflicts, conflicted_rows, conflicts_among, round_conflicts
from judging.models import Assignment, AssignmentState, Round
from judging.rounds.competition import competing


def conflicts_of_user(user: User) -> Conflicts:
    """Conflicts of the user's active judge memberships (a handful of queries, any edition size)."""
    return conflicts_among(list(JudgeMembership.objects.filter(user=user, is_active=True).select_related("user")))


@dataclass(frozen=True)
class CoverageGap:
    submission_id: int
    title: str
    judges: int  # active assignments
    needed: int
    reason: str


def round_judges(round_: Round) -> list[JudgeMembership]:
    """Judges who may be given entries in ``round_``: its panels' members, or the whole jury."""
    qs = JudgeMembership.objects.filter(edition_id=round_.edition_id, is_active=True).select_related("user")
    if round_.panels.exists():
        qs = qs.filter(panels__round=round_).distinct()
    return list(qs.order_by("pk"))


@dataclass(frozen=True)
class FoundConflict:
    """An assignment whose judge turned out to be conflicted with the entry after assignment."""

    assignment_id: int
    submission_id: int
    title: str
    judge: str
    reason: str
    settled: bool  # taken off the judge (CONFLICTED); False: still active, hidden and not counting
    found_at: datetime | None  # when it was taken off (the audit row); None while unsettled
    judges: int  # the entry's active, conflict-free judges now
    needed: int

    @property
    def short(self) -> bool:
        return self.judges < self.needed


def conflicts_found_after_assignment(round_: Round, conflicts: Conflicts | None = None) -> list[FoundConflict]:
    """For the round page: conflicts that appeared after assignment and may need a new judge.

    Two kinds: assignments still ACTIVE whose judge is conflicted now (a credit edited after
    assignment: read-time rules already hide the entry from the judge and stop their score
    counting), and assignments taken off a judge (a later declaration) whose entry is still
    short of judges. A few queries over the conflicts and the taken-off rows only.
    """
    conflicts = round_conflicts(round_) if conflicts is None else conflicts
    found = Q(state=AssignmentState.CONFLICTED)
    if conflicts:
        found |= Q(state=AssignmentState.ACTIVE) & conflicted_rows(conflicts)
    rows = list(
        Assignment.objects.filter(competing(), found, round=round_)
        .order_by("submission_id", "pk")
        .values_list("pk", "judge_id", "submission_id", "state", "submission__title", "judge__user__email")
    )
    if not rows:
        return []
    ids = {sid for _, _, sid, _, _, _ in rows}
    judges: dict[int, int] = defaultdict(int)
    for judge_id, submission_id in Assignment.objects.filter(
        round=round_, state=AssignmentState.ACTIVE, submission_id__in=ids
    ).values_list("judge_id", "submission_id"):
        if (judge_id, submission_id) not in conflicts:
            judges[submission_id] += 1
    audits = {
        int(target_id): (created_at, (after or {}).get("reason", ""))
        for target_id, created_at, after in AuditEvent.objects.filter(
            action=audit_actions.ASSIGNMENT_CONFLICT_FOUND,
            target_type=Assignment._meta.label_lower,
            target_id__in=[str(pk) for pk, _, _, state, _, _ in rows if state == AssignmentState.CONFLICTED],
        ).values_list("target_id", "created_at", "after")
    }
    result = []
    for pk, judge_id, submission_id, state, title, email in rows:
        settled = state == AssignmentState.CONFLICTED
        found_at, logged_reason = audits.get(pk, (None, ""))
        item = FoundConflict(
            assignment_id=pk,
            submission_id=submission_id,
            title=title,
            judge=email,
            reason=conflicts.get((judge_id, submission_id)) or logged_reason or "Conflict of interest.",
            settled=settled,
            found_at=found_at if settled else None,
            judges=judges[submission_id],
            needed=round_.judges_per_entry,
        )
        if not settled or item.short:  # a settled one drops off once the entry has its judges again
            result.append(item)
    return result
