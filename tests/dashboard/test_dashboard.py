"""The organizer dashboard: exact figures on a small edition, the same query count at 100 and 2,000 entries."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from festival.models import Edition
from judging.models import Assignment, Score, ScoreState
from media.models import AIFlag, Film, JobState, ProcessingJob, QCReport
from submissions.models import AIUse, ProductionStage, Submission, SubmissionState
from tests.factories import (
    CategoryFactory,
    EditionFactory,
    FilmFactory,
    OrganizerFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.judging.factories import RoundFactory, assign, judge_of
from tests.submissions.factories import ai_tool

pytestmark = pytest.mark.django_db


def _edition(entries: int) -> tuple[Edition, Client]:
    """An edition of ``entries`` films (bulk-built from the factories) in every state the page counts."""
    now = timezone.now()
    edition = EditionFactory.create(
        submissions_open_at=now - timedelta(days=5), submissions_close_at=now + timedelta(days=2), time_zone="UTC"
    )
    categories = [CategoryFactory.create(edition=edition, name=name) for name in ("Narrative", "Music video")]
    entrant = UserFactory.create()
    states = [JobState.READY, JobState.READY, JobState.FAILED, JobState.TRANSCODING]
    films = Film.objects.bulk_create(
        FilmFactory.build(group_key=f"edition:{edition.pk}", job=None) for _ in range(entries)
    )
    ProcessingJob.objects.bulk_create(
        ProcessingJob(
            film=film,
            state=states[i % 4],
            failure_reason="The file is not a film." if states[i % 4] == JobState.FAILED else "",
            started_at=now - timedelta(minutes=10),
            finished_at=now - timedelta(minutes=10) + timedelta(seconds=30 + i % 3 * 30),
        )
        for i, film in enumerate(films)
    )
    submissions = Submission.objects.bulk_create(
        SubmissionFactory.build(
            edition=edition,
            entrant=entrant,
            category=categories[i % 2],
            country=("FR", "US", "CI")[i % 3],
            film=film,
            state=SubmissionState.SUBMITTED if i % 2 == 0 else SubmissionState.UPLOADED,
            submitted_at=now - timedelta(days=i % 3) if i % 2 == 0 else None,
        )
        for i, film in enumerate(films)
    )
    runway, suno = ai_tool("runway"), ai_tool("suno")
    AIUse.objects.bulk_create(
        [AIUse(submission=s, stage=ProductionStage.VIDEO, tool=runway, runtime_share_percent=80) for s in submissions]
        + [
            AIUse(submission=s, stage=ProductionStage.MUSIC, tool=suno, runtime_share_percent=100)
            for s in submissions[::2]
        ]
    )
    QCReport.objects.bulk_create(QCReport(film=f, findings=[], blocking=i % 10 == 0) for i, f in enumerate(films))
    AIFlag.objects.bulk_create(AIFlag(film=f, code="c2pa_tool_undeclared", message="x") for f in films[::5])
    round_ = RoundFactory.create(edition=edition, name="Screening")
    judges = [judge_of(edition, name=f"Judge {n}") for n in range(3)]
    assignments = Assignment.objects.bulk_create(
        Assignment(round=round_, judge=judges[i % 3], submission=s, position=i) for i, s in enumerate(submissions)
    )
    Score.objects.bulk_create(
        Score(
            round=round_, judge=a.judge, submission=a.submission, assignment=a,
            state=ScoreState.SUBMITTED, submitted_at=now, values={}, total=5.0,
        )
        for a in assignments[::4]
    )  # fmt: skip
    client = Client()
    client.force_login(OrganizerFactory.create(festival=edition.festival).user)
    return edition, client


def _judge_rows(body: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'<th scope="row">(Judge \d+)</th><td data-label="Assigned">(\d+)</td><td data-label="Submitted">(\d+)', body
    )


def _charts(body: str) -> dict[str, Any]:
    data = body.split('<script id="dashboard-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    return {chart["key"]: chart for chart in json.loads(data)}


@pytest.mark.parametrize(
    ("moment", "burndown_head"),
    [
        # Of the 12 assignments, the 6 of entries never submitted do not count (as on the round
        # page); 3 of the other 6 are scored, today.
        (datetime(2026, 6, 10, 12, 0, tzinfo=UTC), {"2026-06-10": 3}),  # the round opened at 11:00 today
        (datetime(2026, 6, 10, 0, 30, tzinfo=UTC), {"2026-06-09": 6, "2026-06-10": 3}),  # at 23:30 yesterday
    ],
    ids=["midday", "just-after-midnight"],
)
def test_the_dashboard_shows_exact_figures_with_a_table_behind_each_chart(
    moment: datetime, burndown_head: dict[str, int], frozen_now: Callable[[datetime], datetime]
) -> None:
    frozen_now(moment)
    edition, client = _edition(12)
    response = client.get(f"/organize/editions/{edition.pk}/dashboard/")
    body = response.content.decode()
    charts = _charts(body)
    today = moment.date()

    assert response.status_code == 200
    assert sorted(charts) == sorted(
        ["per-day", "by-category", "by-country", "ai-tools", f"burndown-{edition.rounds.get().pk}"]
    )
    per_day = charts["per-day"]
    assert per_day["labels"][-1] == today.isoformat() and len(per_day["labels"]) == 6
    assert per_day["datasets"][0] == {"label": "Entries started", "data": [0, 0, 0, 0, 0, 12]}
    assert per_day["datasets"][1]["data"][-3:] == [2, 2, 2]  # the even entries, over three days
    assert per_day["datasets"][2]["data"][-1] == 6
    assert charts["by-category"]["labels"] == ["Music video", "Narrative"]
    assert charts["by-category"]["datasets"] == [
        {"label": "All entries", "data": [6, 6]}, {"label": "Submitted", "data": [0, 6]}
    ]  # fmt: skip
    assert charts["by-country"]["labels"] == ["Côte d'Ivoire", "France", "United States of America"]
    assert charts["ai-tools"]["labels"] == ["Runway", "Suno"]
    assert charts["ai-tools"]["datasets"] == [
        {"label": "Video generation", "data": [12, 0]}, {"label": "Music / sound", "data": [0, 6]}
    ]  # fmt: skip
    burndown = charts[f"burndown-{edition.rounds.get().pk}"]
    # From the day the round opened (an hour ago) to the close in a week; nothing after today.
    head = len(burndown_head)
    assert len(burndown["labels"]) == head + 7
    assert dict(zip(burndown["labels"][:head], burndown["datasets"][0]["data"][:head], strict=True)) == burndown_head
    assert burndown["datasets"][0]["data"][head:] == [None] * 7
    assert burndown["marker"] == (today + timedelta(days=7)).isoformat()
    # The figures next to the charts, and each chart's table fallback.
    assert "<strong>12</strong> entries" in body and "<strong>6</strong> submitted" in body
    assert '<td data-label="Waiting">0</td>\n      <td data-label="Running">3</td>' in body
    assert '<td data-label="Ready">6</td>\n      <td data-label="Failed">3</td>' in body
    assert '<td data-label="Median time">1 min 0 s</td>' in body
    assert "3 × The file is not a film." in body
    assert "12 films checked: 12 without findings, 2 blocked by an error." in body
    assert '<th scope="row">c2pa_tool_undeclared</th><td>warning</td><td>3</td>' in body
    assert body.count('<details class="chart-table">') == 5
    assert '<th scope="row">Côte d&#x27;Ivoire</th><td>4</td>' in body
    assert f'href="/organize/editions/{edition.pk}/results/"' in body
    # Each judge's progress with the round page's figures (two competing entries each, one
    # scored: the uploaded entries do not compete), and the link to the round page.
    round_ = edition.rounds.get()
    assert _judge_rows(body) == [("Judge 0", "2", "1"), ("Judge 1", "2", "1"), ("Judge 2", "2", "1")]
    assert "Screening: judges furthest behind" in body
    assert f'Every judge\'s progress is on the <a href="/organize/rounds/{round_.pk}/">Screening round page</a>' in body
    assert "more judge" not in body


@pytest.mark.parametrize("entries", [100, 2000])
def test_the_dashboard_makes_the_same_queries_at_100_and_2000_entries(
    entries: int, django_assert_max_num_queries
) -> None:
    edition, client = _edition(entries)
    # Session, user, roles, unread notifications, edition, 11 aggregates (one more on PostgreSQL,
    # whose median processing time is its own query), the rounds, and for the one round its
    # conflicts (5), the entries that left (1), the round page's progress (5) and its scores per
    # day (1): the same at 100 and at 2,000 entries.
    with django_assert_max_num_queries(30):
        response = client.get(f"/organize/editions/{edition.pk}/dashboard/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"<strong>{entries}</strong> entries" in body
    # Half the entries compete, a quarter are scored: "500 of 1,000 still to submit" at 2,000.
    assert f"{entries // 4:,} of {entries // 2:,} still to submit" in body


def test_other_festivals_organizers_get_404() -> None:
    edition, _client = _edition(2)
    stranger = Client()
    stranger.force_login(OrganizerFactory.create().user)
    assert stranger.get(f"/organize/editions/{edition.pk}/dashboard/").status_code == 404


def test_the_dashboard_lists_the_judges_furthest_behind_and_counts_the_rest() -> None:
    """Twelve judges with two entries each: the ten with most left to score, then "2 more"."""
    edition = EditionFactory.create()
    round_ = RoundFactory.create(edition=edition, name="Screening")
    for n in range(12):
        judge = judge_of(edition, name=f"Judge {n:02}")
        for position in (1, 2):
            entry = SubmissionFactory.create(edition=edition, state=SubmissionState.SUBMITTED)
            assignment = assign(round_, judge, entry, position)
            if position <= n // 4:  # judges 00-03 scored none, 04-07 one, 08-11 both
                Score.objects.create(
                    round=round_, judge=judge, submission=entry, assignment=assignment,
                    state=ScoreState.SUBMITTED, submitted_at=timezone.now(), values={}, total=5.0,
                )  # fmt: skip
    client = Client()
    client.force_login(OrganizerFactory.create(festival=edition.festival).user)
    body = client.get(f"/organize/editions/{edition.pk}/dashboard/").content.decode()

    assert _judge_rows(body) == [(f"Judge {n:02}", "2", "0") for n in range(4)] + [
        (f"Judge {n:02}", "2", "1") for n in range(4, 8)
    ] + [("Judge 08", "2", "2"), ("Judge 09", "2", "2")]
    assert "2 more judges have assignments in this round. Every judge's progress is on the" in body
