"""Assignment as a job: the organizer asks, a worker plans and writes, the round page follows.

``request_assignment_run`` records the request (one active run per round, enforced by a
constraint) and queues the task on commit; ``carry_out_assignment_run`` is what the task
``judging.run_assignment`` calls: it marks the run running (committed, so the round page
sees it), runs ``assign_round`` and records the outcome. A run redelivered after its worker
died runs again: ``assign_round`` only adds what is missing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from festival.models import User
from festival.services import record_audit
from judging import audit_actions
from judging.assignment.services import assign_round
from judging.errors import JudgingError
from judging.models import AssignmentRun, Round, RunState

logger = logging.getLogger(__name__)

# A run this long past its start has lost its worker (a 100,000-entry run takes well under a
# minute): a new request may replace it.
STALE_AFTER = timedelta(minutes=15)


def enqueue_assignment_run(*, run_id: int) -> None:
    from festival.celery import app

    app.send_task("judging.run_assignment", args=[run_id])


def enqueue_assignment_notices(*, round_id: int, judge_ids: list[int]) -> None:
    """The judges given entries by a run are told by a task of its own (600 messages at 100,000
    entries): the run is done, and the round page says so, without waiting for them."""
    from festival.celery import app

    app.send_task("judging.notify_assignments_ready", args=[round_id, judge_ids])


@transaction.atomic
def request_assignment_run(*, round_: Round, seed: int, actor: User | None) -> AssignmentRun:
    """Queue an assignment of the round's entries; refuses while another run is queued or running."""
    AssignmentRun.objects.filter(
        round=round_, state=RunState.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    ).update(state=RunState.FAILED, error="The worker running it was lost.", finished_at=timezone.now())
    try:
        with transaction.atomic():
            run = AssignmentRun.objects.create(round=round_, seed=seed, requested_by=actor)
    except IntegrityError:
        raise JudgingError("An assignment of this round is already queued or running; wait for it to finish.") from None
    record_audit(
        actor=actor, action=audit_actions.ASSIGNMENT_REQUESTED, target=round_, after={"run": run.pk, "seed": seed}
    )
    transaction.on_commit(lambda: enqueue_assignment_run(run_id=run.pk))
    return run


def _claim(run_id: int) -> AssignmentRun | None:
    """queued (or running, after a lost worker) -> running; None when the run is finished or gone."""
    with transaction.atomic():
        run = AssignmentRun.objects.select_for_update().select_related("round__edition").filter(pk=run_id).first()
        if run is None or not run.active:
            return None
        run.state = RunState.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["state", "started_at"])
        return run


def _failed(run: AssignmentRun, reason: str) -> AssignmentRun:
    AssignmentRun.objects.filter(pk=run.pk).update(state=RunState.FAILED, error=reason, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def carry_out_assignment_run(*, run_id: int) -> AssignmentRun | None:
    run = _claim(run_id)
    if run is None:
        logger.info("assignment run %s is finished or gone; nothing to do", run_id)
        return None
    try:
        with transaction.atomic():
            result = assign_round(round_=run.round, actor=run.requested_by, seed=run.seed, notify=False)
    except JudgingError as error:
        return _failed(run, error.message)
    except Exception as error:  # a bug: record it on the run so the round is not blocked, then fail loudly
        _failed(run, f"Internal error ({type(error).__name__}); the team has been told.")
        raise
    AssignmentRun.objects.filter(pk=run.pk).update(
        state=RunState.DONE, created=result.created, short=len(result.short), finished_at=timezone.now()
    )
    if result.judge_ids:
        enqueue_assignment_notices(round_id=run.round_id, judge_ids=list(result.judge_ids))
    run.refresh_from_db()
    return run
