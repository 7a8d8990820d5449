"""Assignment as a job: requested by the organizer, carried out by a worker, shown on the round page."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from judging.assignment.runs import carry_out_assignment_run, request_assignment_run
from judging.errors import JudgingError
from judging.models import Assignment, AssignmentRun, AssignmentState, RunState
from judging.rounds.services import add_entries_to_round
from tests.conftest import WorkerProcess
from tests.judging.factories import judge_of, rubric_round, submitted_entry


def filled_round(entries: int = 4, judges: int = 3):
    round_ = rubric_round(judges_per_entry=2)
    for _ in range(judges):
        judge_of(round_.edition)
    for _ in range(entries):
        submitted_entry(round_.edition)
    add_entries_to_round(round_=round_, actor=None)
    return round_


@pytest.mark.django_db
def test_a_run_is_queued_then_carried_out_once() -> None:
    round_ = filled_round()
    run = request_assignment_run(round_=round_, seed=3, actor=None)
    assert (run.state, Assignment.objects.count()) == (RunState.QUEUED, 0)

    done = carry_out_assignment_run(run_id=run.pk)

    assert done is not None
    assert (done.state, done.created, done.short, done.error) == (RunState.DONE, 8, 0, "")
    assert done.started_at is not None and done.finished_at is not None
    assert Assignment.objects.filter(round=round_, state=AssignmentState.ACTIVE).count() == 8
    assert carry_out_assignment_run(run_id=run.pk) is None  # a redelivered message does nothing more


@pytest.mark.django_db
def test_one_active_run_per_round_and_a_lost_workers_run_is_replaced() -> None:
    round_ = filled_round()
    first = request_assignment_run(round_=round_, seed=1, actor=None)
    with pytest.raises(JudgingError, match="already queued or running"):
        request_assignment_run(round_=round_, seed=2, actor=None)
    AssignmentRun.objects.filter(pk=first.pk).update(
        state=RunState.RUNNING, started_at=timezone.now() - timedelta(hours=1)
    )

    second = request_assignment_run(round_=round_, seed=2, actor=None)

    first.refresh_from_db()
    assert (first.state, first.error) == (RunState.FAILED, "The worker running it was lost.")
    assert second.state == RunState.QUEUED


@pytest.mark.django_db
def test_a_run_that_fails_says_why_and_frees_the_round(monkeypatch) -> None:
    round_ = filled_round()
    run = request_assignment_run(round_=round_, seed=0, actor=None)

    def refuse(**kwargs: object) -> None:
        raise JudgingError("No judges in this round's panels.")

    monkeypatch.setattr("judging.assignment.runs.assign_round", refuse)
    failed = carry_out_assignment_run(run_id=run.pk)

    assert failed is not None
    assert (failed.state, failed.error) == (RunState.FAILED, "No judges in this round's panels.")
    assert request_assignment_run(round_=round_, seed=1, actor=None).state == RunState.QUEUED


@pytest.mark.services
def test_a_real_worker_carries_out_the_run(celery_worker: WorkerProcess) -> None:
    round_ = filled_round(entries=6)
    run = request_assignment_run(round_=round_, seed=5, actor=None)  # transactional test: on_commit sends it
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not run.active:
            break
        time.sleep(0.2)
    assert (run.state, run.created) == (RunState.DONE, 12), celery_worker.log()


@pytest.mark.django_db
def test_the_judges_a_run_gives_entries_are_told_by_a_task_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from judging.assignment import runs as assignment_runs
    from judging.rounds.services import open_round
    from judging.tasks import notify_assignments_ready
    from notifications import events
    from notifications.models import Message

    round_ = filled_round(entries=4, judges=3)
    open_round(round_=round_, actor=None, at=timezone.now() - timedelta(hours=1))
    queued: list[tuple[int, list[int]]] = []
    monkeypatch.setattr(
        assignment_runs,
        "enqueue_assignment_notices",
        lambda *, round_id, judge_ids: queued.append((round_id, judge_ids)),
    )
    run = request_assignment_run(round_=round_, seed=3, actor=None)
    told = Message.objects.filter(event=events.ASSIGNMENTS_READY)

    carry_out_assignment_run(run_id=run.pk)

    judges = sorted(set(Assignment.objects.filter(round=round_).values_list("judge_id", flat=True)))
    assert queued == [(round_.pk, judges)] and len(judges) == 3
    assert told.count() == 0  # the run's own task sent nothing
    assert notify_assignments_ready(round_.pk, judges) == 3
    assert sorted(told.values_list("recipient__judge_memberships__pk", flat=True)) == judges
    notify_assignments_ready(round_.pk, judges)  # a redelivered message tells no one twice
    assert told.count() == 3
