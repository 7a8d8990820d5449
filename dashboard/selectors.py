"""The dashboard's figures, each one aggregate query (``TruncDate``, ``annotate``, ``aggregate``).

No query runs per entry or per judge, and a few per round (its conflicts and the round page's
progress): ``edition_dashboard`` makes the same number of queries whatever the size of the
edition (``tests/dashboard/test_dashboard.py`` pins it at two sizes). Python only adds up what
SQL grouped (cumulative sums, remaining work per day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate

from festival.models import Edition
from judging.assignment.conflict_check import round_conflicts
from judging.models import Assignment, AssignmentState, Round, Score
from judging.rounds import overview
from judging.rounds.competition import left_entries
from media.models import AIFlag, JobState, ProcessingJob, QCReport
from submissions.models import AIUse, Submission, SubmissionState
from submissions.validation import country_name

TOP_COUNTRIES = 15
TOP_REASONS = 10


@dataclass(frozen=True)
class Series:
    """One chart's data: labels on the x axis, one or more named series, and its table."""

    key: str
    title: str
    kind: str  # "line", "bar", "stacked"
    labels: list[str]
    datasets: list[tuple[str, list[float | int | None]]]
    note: str = ""
    marker: str = ""  # a label to mark on the x axis (a deadline, a close date)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "labels": self.labels,
            "datasets": [{"label": name, "data": values} for name, values in self.datasets],
            "marker": self.marker,
        }

    @property
    def rows(self) -> list[tuple[str, list[float | int | None]]]:
        """The table fallback: one row per label, one cell per series."""
        return [(label, [values[i] for _name, values in self.datasets]) for i, label in enumerate(self.labels)]


@dataclass(frozen=True)
class JudgeProgress:
    judge: str
    assigned: int  # active assignments of competing entries, without conflicted ones
    submitted: int  # of which counted


# Judges listed per round on the dashboard, furthest behind first: those an organizer chases.
# The round page pages through all of them (600 at 100,000 entries).
JUDGES_SHOWN = 10


@dataclass(frozen=True)
class RoundJudges:
    round_id: int
    round_name: str
    judges: list[JudgeProgress]
    more: int  # judges with assignments not listed here


@dataclass
class Dashboard:
    entries_total: int = 0
    entries_submitted: int = 0
    per_day: Series | None = None
    by_category: Series | None = None
    by_country: Series | None = None
    ai_tools: Series | None = None
    processing: dict[str, int] = field(default_factory=dict)
    failure_reasons: list[tuple[str, int]] = field(default_factory=list)
    median_processing: timedelta | None = None
    qc: dict[str, int] = field(default_factory=dict)
    ai_flags: list[tuple[str, str, int]] = field(default_factory=list)
    burndowns: list[Series] = field(default_factory=list)
    judges: list[RoundJudges] = field(default_factory=list)

    @property
    def jobs(self) -> dict[str, int]:
        """Waiting / running / ready / failed, from the jobs' states."""
        p = self.processing
        running = sum(p.get(s, 0) for s in (JobState.PROBING, JobState.TRANSCODING, JobState.ANALYSING))
        return {
            "waiting": p.get(JobState.QUEUED, 0),
            "running": running,
            "ready": p.get(JobState.READY, 0),
            "failed": p.get(JobState.FAILED, 0),
        }

    @property
    def median_label(self) -> str:
        if self.median_processing is None:
            return "—"
        seconds = round(self.median_processing.total_seconds())
        return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"

    def charts(self) -> list[dict[str, Any]]:
        series = [self.per_day, self.by_category, self.by_country, self.ai_tools, *self.burndowns]
        return [s.as_json() for s in series if s is not None and s.labels]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _per_day(edition: Edition, zone: ZoneInfo, now: datetime) -> Series:
    """Entries started and submitted per day (edition's time zone), cumulative, against the deadline."""
    rows = (
        Submission.objects.filter(edition=edition)
        .annotate(day=TruncDate("created_at", tzinfo=zone), sent=TruncDate("submitted_at", tzinfo=zone))
        .values("day", "sent")
        .annotate(n=Count("pk"))
        .order_by()
    )
    started: dict[date, int] = {}
    submitted: dict[date, int] = {}
    for row in rows:
        started[row["day"]] = started.get(row["day"], 0) + row["n"]
        if row["sent"] is not None:
            submitted[row["sent"]] = submitted.get(row["sent"], 0) + row["n"]
    deadline = edition.submissions_close_at.astimezone(zone).date()
    opened = edition.submissions_open_at.astimezone(zone).date()
    seen = [*started, *submitted]
    first = min([opened, *seen])
    last = max([min(deadline, now.astimezone(zone).date()), *seen])
    days = _days(first, last)
    cumulative: list[float | int | None] = []
    total = 0
    for day in days:
        total += submitted.get(day, 0)
        cumulative.append(total)
    return Series(
        key="per-day",
        title="Entries per day and submitted so far",
        kind="line",
        labels=[d.isoformat() for d in days],
        datasets=[
            ("Entries started", [started.get(d, 0) for d in days]),
            ("Entries submitted", [submitted.get(d, 0) for d in days]),
            ("Submitted so far", cumulative),
        ],
        note=f"Deadline {deadline.isoformat()} ({edition.time_zone}).",
        marker=deadline.isoformat() if first <= deadline <= last else "",
    )


def _by_category(edition: Edition) -> Series:
    rows = (
        Submission.objects.filter(edition=edition)
        .values(name=Coalesce("category__name", F("edition__name")))
        .annotate(n=Count("pk"), sent=Count("pk", filter=Q(state=SubmissionState.SUBMITTED)))
        .order_by("-n", "name")
    )
    labels = [row["name"] if row["name"] != edition.name else "No category" for row in rows]
    return Series(
        key="by-category",
        title="Entries by category",
        kind="bar",
        labels=labels,
        datasets=[("All entries", [r["n"] for r in rows]), ("Submitted", [r["sent"] for r in rows])],
    )


def _by_country(edition: Edition) -> Series:
    rows = list(
        Submission.objects.filter(edition=edition)
        .values("country")
        .annotate(n=Count("pk"))
        .order_by("-n", "country")[: TOP_COUNTRIES + 1]
    )
    shown = rows[:TOP_COUNTRIES]
    return Series(
        key="by-country",
        title="Entries by country of production"
        + (f" (the {TOP_COUNTRIES} largest)" if len(rows) > TOP_COUNTRIES else ""),
        kind="bar",
        labels=[country_name(r["country"]) or "Not given" for r in shown],
        datasets=[("Entries", [r["n"] for r in shown])],
    )


def _ai_tools(edition: Edition) -> Series:
    """Films per AI tool and production stage (declared by the entrants), stacked by stage."""
    rows = (
        AIUse.objects.filter(submission__edition=edition)
        .values("stage", tool_label=Coalesce("tool__name", "tool_other"))
        .annotate(n=Count("submission", distinct=True))
        .order_by("tool_label", "stage")
    )
    stage_names = dict(AIUse._meta.get_field("stage").choices or [])
    tools: list[str] = []
    counts: dict[tuple[str, str], int] = {}
    stages: list[str] = []
    for row in rows:
        tool = row["tool_label"] or "Unnamed tool"
        if tool not in tools:
            tools.append(tool)
        if row["stage"] not in stages:
            stages.append(row["stage"])
        counts[(tool, row["stage"])] = row["n"]
    order = [s for s in stage_names if s in stages]
    return Series(
        key="ai-tools",
        title="AI tools by production stage (films declaring them)",
        kind="stacked",
        labels=tools,
        datasets=[(str(stage_names[s]), [counts.get((t, s), 0) for t in tools]) for s in order],
    )


def _processing(edition: Edition, board: Dashboard) -> None:
    group = f"edition:{edition.pk}"
    jobs = ProcessingJob.objects.filter(film__group_key=group)
    board.processing = {
        row["state"]: row["n"] for row in jobs.values("state").annotate(n=Count("pk")).order_by("state")
    }
    board.failure_reasons = [
        (row["failure_reason"] or "No reason recorded", row["n"])
        for row in jobs.filter(state=JobState.FAILED)
        .values("failure_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "failure_reason")[:TOP_REASONS]
    ]
    took = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    done = jobs.filter(state=JobState.READY, started_at__isnull=False, finished_at__isnull=False)
    finished = board.processing.get(JobState.READY, 0)
    if finished:
        # The median in SQL on any database: order by the duration and read the middle row.
        middle = (
            done.annotate(took=took).order_by("took").values_list("took", flat=True)[finished // 2 : finished // 2 + 1]
        )
        board.median_processing = next(iter(middle), None)
    qc = QCReport.objects.filter(film__group_key=group).aggregate(
        reports=Count("pk"),
        blocking=Count("pk", filter=Q(blocking=True)),
        clean=Count("pk", filter=Q(findings=[])),
    )
    board.qc = {key: int(value or 0) for key, value in qc.items()}
    board.ai_flags = [
        (row["code"], row["severity"], row["films"])
        for row in AIFlag.objects.filter(film__group_key=group)
        .values("code", "severity")
        .annotate(films=Count("film", distinct=True))
        .order_by("-films", "code")
    ]


def _judging(edition: Edition, zone: ZoneInfo, now: datetime, board: Dashboard) -> None:
    """Each round's burndown and its judges furthest behind, from the round page's own reads.

    ``overview.progress`` counts what the round page counts (active assignments and counted
    scores of competing entries, conflicted pairs left out: two GROUP BYs by judge), so both
    pages agree; the scores per day are one more GROUP BY over the same counted scores, read
    index-only (``score_counted`` holds ``submitted_at``). A few queries per round, none per
    judge or entry.
    """
    today = now.astimezone(zone).date()
    assigned = Assignment.objects.filter(round=OuterRef("pk"), state=AssignmentState.ACTIVE)
    # Rounds nobody is assigned in yet (the later ones) are skipped in the same query.
    for round_ in Round.objects.filter(Exists(assigned), edition=edition).order_by("position", "pk"):
        conflicts, left = round_conflicts(round_), left_entries(round_)
        counts, loads = overview.progress(round_, conflicts, left)
        if not counts.assignments:
            continue  # every assignment is of an entry that left, or conflicted
        behind = [load for load in overview.furthest_behind_first(loads) if load.assigned]
        board.judges.append(
            RoundJudges(
                round_id=round_.pk,
                round_name=round_.name,
                judges=[
                    JudgeProgress(
                        judge=load.judge.user.full_name or load.judge.user.email,
                        assigned=load.assigned,
                        submitted=load.submitted,
                    )
                    for load in behind[:JUDGES_SHOWN]
                ],
                more=max(0, len(behind) - JUDGES_SHOWN),
            )
        )
        done = _scored_per_day(overview.counted(round_, conflicts, left), zone)
        board.burndowns.append(_burndown(round_, counts.assignments, done, zone, today))


def _scored_per_day(scores: QuerySet[Score], zone: ZoneInfo) -> dict[date, int]:
    """Counted scores by the day (edition's time zone) they were submitted."""
    rows = scores.annotate(day=TruncDate("submitted_at", tzinfo=zone)).values("day").annotate(n=Count("*")).order_by()
    return {row["day"]: row["n"] for row in rows if row["day"] is not None}


def _burndown(round_: Round, total: int, days_done: dict[date, int], zone: ZoneInfo, today: date) -> Series:
    """Scores still to submit, day by day, against a straight line to the round's close."""
    start = min([*(days_done or {today: 0}), (round_.opens_at.astimezone(zone).date() if round_.opens_at else today)])
    close = round_.closes_at.astimezone(zone).date() if round_.closes_at else None
    end = max([today, *(days_done or {})] + ([close] if close else []))
    days = _days(start, end)
    remaining: list[float | int | None] = []
    ideal: list[float | int | None] = []
    left = total
    span = max(1, ((close or end) - start).days)
    for day in days:
        left -= days_done.get(day, 0)
        remaining.append(left if day <= today else None)
        ideal.append(round(max(0.0, total * (1 - (day - start).days / span)), 1) if close else None)
    datasets: list[tuple[str, list[float | int | None]]] = [("Scores still to submit", remaining)]
    if close:
        datasets.append(("On pace to finish by the close", ideal))
    return Series(
        key=f"burndown-{round_.pk}",
        title=f"{round_.name}: scores still to submit",
        kind="line",
        labels=[d.isoformat() for d in days],
        datasets=datasets,
        note=f"{total - sum(days_done.values()):,} of {total:,} still to submit"
        + (f"; the round closes {close.isoformat()}." if close else "; no close date set."),
        marker=close.isoformat() if close else "",
    )


def edition_dashboard(edition: Edition, *, now: datetime) -> Dashboard:
    """Everything the edition's dashboard shows (a fixed number of aggregate queries)."""
    zone = ZoneInfo(edition.time_zone)
    board = Dashboard()
    counts = Submission.objects.filter(edition=edition).aggregate(
        total=Count("pk"), submitted=Count("pk", filter=Q(state=SubmissionState.SUBMITTED))
    )
    board.entries_total, board.entries_submitted = counts["total"], counts["submitted"]
    board.per_day = _per_day(edition, zone, now)
    board.by_category = _by_category(edition)
    board.by_country = _by_country(edition)
    board.ai_tools = _ai_tools(edition)
    _processing(edition, board)
    _judging(edition, zone, now, board)
    return board
