"""Reads for announcements: what each entry's outcome is, what an entrant may see, and when.

The ladder and the advancement are read from judging's selectors
(``competition.competing_submissions`` for a round's competing entries, ``published_awards``
for the final's ladder, ``next_round``), never re-derived here. Nothing about an outcome
leaves this module before its announcement passed: only announced outcomes are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from announcements.models import Announcement, FeedbackRelease, Outcome, OutcomeKind
from festival.models import AwardTier, Edition, Festival
from judging.final.selectors import published_awards
from judging.models import Criterion, Round, RoundKind
from judging.rounds.competition import competing_submissions
from judging.rounds.selectors import next_round
from judging.scoring.selectors import counted_scores
from submissions.models import Submission, SubmissionState

UNDER_REVIEW = "Under review"
FINALIST = "Finalist"
OFFICIAL_SELECTION = "Official Selection"


@dataclass(frozen=True)
class ComputedOutcome:
    submission_id: int
    kind: str
    advanced_to_id: int | None = None
    tier_id: int | None = None
    rank: int | None = None


def compute_outcomes(round_: Round, *, official_selection: bool) -> list[ComputedOutcome]:
    """Every competing entry's outcome in ``round`` as judging has it now (a few queries)."""
    entries = list(competing_submissions(round_).order_by("pk").values_list("pk", flat=True))
    if round_.kind == RoundKind.FINAL:
        awards = {award.submission_id: award for award in published_awards(round_)}
        return [
            ComputedOutcome(pk, OutcomeKind.AWARD, tier_id=awards[pk].tier_id, rank=awards[pk].rank)
            if pk in awards
            else ComputedOutcome(pk, OutcomeKind.FINALIST)
            for pk in entries
        ]
    target = next_round(round_)
    advanced = set(competing_submissions(target).values_list("pk", flat=True)) if target else set()
    if target is not None and target.kind == RoundKind.FINAL:
        kind = OutcomeKind.FINALIST
    elif official_selection:
        kind = OutcomeKind.OFFICIAL_SELECTION
    else:
        kind = OutcomeKind.ADVANCED
    return [
        ComputedOutcome(pk, kind, advanced_to_id=target.pk if target else None)
        if pk in advanced
        else ComputedOutcome(pk, OutcomeKind.NOT_ADVANCED)
        for pk in entries
    ]


def is_announced(announcement: Announcement | None) -> bool:
    return announcement is not None and announcement.announced_at is not None


def due_announcements(now: datetime) -> QuerySet[Announcement]:
    return Announcement.objects.filter(announced_at__isnull=True, announce_at__lte=now).order_by("announce_at", "pk")


def unmessaged_announcements(now: datetime, *, grace: timedelta = timedelta(minutes=10)) -> QuerySet[Announcement]:
    """Announced a while ago, but the outcome messages were never all recorded (a lost hand-off)."""
    return Announcement.objects.filter(announced_at__lte=now - grace, messages_recorded_at__isnull=True)


def describe(outcome: Outcome) -> str:
    """The outcome as the entrant reads it ("Gold", "Advanced to Jury", "Not advanced")."""
    if outcome.kind == OutcomeKind.AWARD and outcome.tier is not None:
        return outcome.tier.name
    if outcome.kind == OutcomeKind.ADVANCED and outcome.advanced_to is not None:
        return f"Advanced to {outcome.advanced_to.name}"
    return str(OutcomeKind(outcome.kind).label)


def distinction(outcome: Outcome) -> str | None:
    """The distinction a laurel is made for (None: this outcome earns none)."""
    if outcome.kind == OutcomeKind.AWARD and outcome.tier is not None:
        return outcome.tier.name
    if outcome.kind == OutcomeKind.FINALIST:
        return FINALIST
    if outcome.kind == OutcomeKind.OFFICIAL_SELECTION:
        return OFFICIAL_SELECTION
    return None


def _announced_outcomes(submission_ids: list[int]) -> QuerySet[Outcome]:
    return (
        Outcome.objects.filter(submission_id__in=submission_ids, announcement__announced_at__isnull=False)
        .select_related("announcement__round", "tier", "advanced_to")
        .order_by("submission_id", "-announcement__round__position")
    )


def visible_outcomes(submission_ids: list[int]) -> dict[int, Outcome]:
    """Per submission, its latest announced outcome (the furthest round). One query."""
    latest: dict[int, Outcome] = {}
    for outcome in _announced_outcomes(submission_ids):
        latest.setdefault(outcome.submission_id, outcome)
    return latest


def outcome_history(submission_id: int) -> list[Outcome]:
    """Every announced outcome of a submission, first round first."""
    return list(reversed(list(_announced_outcomes([submission_id]))))


@dataclass(frozen=True)
class EntrantStatus:
    label: str  # "Under review", "Gold", "Not advanced", ...
    outcome: Outcome | None
    distinction: str | None

    @property
    def announced(self) -> bool:
        return self.outcome is not None


def entrant_statuses(submissions: list[Submission]) -> dict[int, EntrantStatus]:
    """What the entrant dashboard shows per submitted film: "Under review" until announced."""
    found = visible_outcomes([s.pk for s in submissions if s.state == SubmissionState.SUBMITTED])
    statuses = {}
    for submission in submissions:
        outcome = found.get(submission.pk)
        if outcome is not None:
            statuses[submission.pk] = EntrantStatus(describe(outcome), outcome, distinction(outcome))
        elif submission.state == SubmissionState.SUBMITTED:
            statuses[submission.pk] = EntrantStatus(UNDER_REVIEW, None, None)
    return statuses


@dataclass(frozen=True)
class FeedbackScore:
    criterion: str
    value: float | int
    scale: str


@dataclass(frozen=True)
class FeedbackItem:
    judge_label: str  # "Judge 1": never who
    text: str
    scores: list[FeedbackScore]


@dataclass(frozen=True)
class RoundFeedback:
    round_name: str
    items: list[FeedbackItem]


def released_feedback(submission: Submission) -> list[RoundFeedback]:
    """The judges' feedback the organizers released for announced rounds, judges anonymous.

    Never the comment to organizers, never a judge's name or id: judges are numbered in
    the order their scores were made. Two queries per announced round with feedback.
    """
    rounds = (
        Announcement.objects.filter(
            announced_at__isnull=False,
            round__edition_id=submission.edition_id,
            outcomes__submission=submission,
        )
        .exclude(feedback=FeedbackRelease.NONE)
        .select_related("round")
        .order_by("round__position")
    )
    released = []
    for announcement in rounds:
        with_scores = announcement.feedback == FeedbackRelease.SCORES
        criteria = list(Criterion.objects.filter(round=announcement.round).order_by("position", "pk"))
        items = []
        rows = counted_scores(announcement.round).filter(submission=submission).order_by("pk")
        for number, (values, text) in enumerate(rows.values_list("values", "feedback_to_filmmaker"), start=1):
            scores = (
                [
                    FeedbackScore(c.name, values[str(c.pk)], f"{c.scale_min}–{c.scale_max}")
                    for c in criteria
                    if str(c.pk) in (values or {})
                ]
                if with_scores
                else []
            )
            if text.strip() or scores:
                items.append(FeedbackItem(f"Judge {number}", text.strip(), scores))
        if items:
            released.append(RoundFeedback(announcement.round.name, items))
    return released


@dataclass(frozen=True)
class Countdown:
    round: Round
    announcement: Announcement | None
    seconds_left: int | None  # None: not scheduled, or already announced


def countdowns(edition: Edition, *, now: datetime | None = None) -> list[Countdown]:
    """Per round of the edition, how long until its outcomes are announced (organizers' view)."""
    moment = now or timezone.now()
    rows = []
    for round in Round.objects.filter(edition=edition).select_related("announcement").order_by("position"):
        announcement = getattr(round, "announcement", None)
        left = None
        if announcement and announcement.announce_at and not announcement.announced_at:
            left = max(0, int((announcement.announce_at - moment).total_seconds()))
        rows.append(Countdown(round, announcement, left))
    return rows


def final_round(edition: Edition) -> Round | None:
    return Round.objects.filter(edition=edition, kind=RoundKind.FINAL).order_by("-position").first()


def final_announced(edition: Edition) -> bool:
    final = final_round(edition)
    return final is not None and Announcement.objects.filter(round=final, announced_at__isnull=False).exists()


def public_edition(festival_slug: str, year: int) -> Edition | None:
    """The edition of a festival in a year, only once its final is announced."""
    edition = (
        Edition.objects.select_related("festival")
        .filter(festival__slug=festival_slug, year=year)
        .order_by("pk")
        .first()
    )
    return edition if edition is not None and final_announced(edition) else None


def announced_editions(festival: Festival) -> list[Edition]:
    return [e for e in Edition.objects.filter(festival=festival).order_by("-year") if final_announced(e)]


def tiers_of(edition: Edition) -> list[AwardTier]:
    return list(AwardTier.objects.filter(edition=edition).order_by("rank_from"))
