"""Adaptive judging: more judges where the cut is uncertain, at a budget the organizer sets.

After a first pass, the entries whose side of the round's cut is least certain
(``judging.results.calibration.least_certain``: the smaller of P(above) and P(below), by the
calibrated score and its interval) each get one more judge, most uncertain first,
until the budget (extra scores) is spent. Judges are picked by the platform's planner,
so load caps, panels, category preferences and conflicts apply, and a judge who ever
had the entry is never given it again. Seeded: equal scores, budget and seed propose
the same assignments. Run it again once those scores are in to spend more.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from festival.models import User
from festival.services import record_audit
from judging import audit_actions
from judging.assignment import selectors as assignment_selectors
from judging.assignment.conflict_check import by_entry, conflicts_among
from judging.assignment.services import _entry_inputs, _judge_inputs, plan_assignments, write_plan
from judging.errors import JudgingError
from judging.models import AssignmentSource, Round
from judging.results import selectors as results
from judging.results.calibration import least_certain

MAX_BUDGET = 1_000_000


class AdaptiveError(JudgingError):
    """More judging cannot be asked for as given; ``message`` is shown to the organizer."""


@dataclass(frozen=True)
class MoreJudging:
    created: int  # new assignments (extra scores asked for)
    proposed: list[int]  # submission ids given one more judge, most uncertain first
    short: dict[int, str]  # submission id -> why no judge could be found


@transaction.atomic
def request_more_judging(*, round_: Round, budget: int, seed: int, actor: User) -> MoreJudging:
    """Give one more judge to each of the ``budget`` entries least certain at the cut (audited)."""
    if not 1 <= budget <= MAX_BUDGET:
        raise AdaptiveError(f"The budget is a number of extra scores, from 1 to {MAX_BUDGET:,}.")
    if round_.is_closed_at(timezone.now()):
        raise AdaptiveError("This round is closed: its scores are locked, so more judging cannot be asked for.")
    Round.objects.select_for_update().filter(pk=round_.pk).first()  # one assignment run per round at a time
    outcome = results.round_results(round_)
    cut = outcome.cut()
    if cut is None:
        raise AdaptiveError("Set an advancement rule first: more judging goes where the cut is uncertain.")
    chosen = outcome.submission_ids(least_certain(outcome.calibration.ranking(), cut, budget))
    if not chosen:
        raise AdaptiveError("No entry has counted scores yet: judge a first pass before asking for more.")
    k = round_.judges_per_entry
    # The planner fills each entry up to k: counting k - 1 now asks for exactly one more.
    entries = [replace(entry, active=k - 1) for entry in _entry_inputs(round_, chosen)]
    judges = assignment_selectors.round_judges(round_)
    conflicts = by_entry(conflicts_among(judges, round_=round_))
    plan = plan_assignments(
        entries, _judge_inputs(round_, judges), k=k, cap=round_.load_cap, conflicts=conflicts, seed=seed
    )
    created = write_plan(round_=round_, plan=plan, source=AssignmentSource.ADAPTIVE)
    record_audit(
        actor=actor,
        action=audit_actions.ASSIGNMENT_MORE_JUDGING,
        target=round_,
        after={
            "seed": seed,
            "budget": budget,
            "created": created,
            "ranked_by": outcome.calibration.primary,
            "cut_value": round(cut.cut_value, 6),
            "entries": chosen,
            "short": len(plan.short),
        },
    )
    return MoreJudging(created=created, proposed=chosen, short=plan.short)
