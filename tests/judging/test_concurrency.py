"""Two tabs submitting the same score at the same moment, on PostgreSQL: one wins, one gets 409."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from judging.errors import JudgingError, StaleScore
from judging.models import Score, ScoreState
from judging.scoring.services import save_score, submit_score
from tests.conftest import service_missing
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry


@pytest.mark.services
def test_a_simultaneous_double_submit_lets_exactly_one_through(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        service_missing("DATABASE_URL does not point at PostgreSQL (row locks are what is tested)")
    round_ = rubric_round()
    judge = judge_of(round_.edition)
    assignment = assign(round_, judge, submitted_entry(round_.edition))
    values = {str(c.pk): 5 for c in round_.criteria.all()}
    save_score(assignment=assignment, expected_version=0, values={}, actor=judge.user)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def tab() -> None:
        try:
            barrier.wait(timeout=10)
            submit_score(assignment=assignment, expected_version=1, values=values, actor=judge.user)
            outcomes.append("submitted")
        except StaleScore:
            outcomes.append("stale")
        except JudgingError as exc:  # pragma: no cover - would be a bug
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["stale", "submitted"]
    score = Score.objects.get()
    assert (score.state, score.version) == (ScoreState.SUBMITTED, 2)
