"""What judging tells judges and organizers, through ``notifications.services.notify``.

Called by the round and scoring services (inside their transactions) and by scheduled
tasks. Every key names the round and the moment it concerns (its opening or closing time
as a date in the edition's time zone), so repeated calls send nothing new and a moved
deadline gets its own message.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from festival.models import Edition, JudgeMembership
from judging.models import Assignment, AssignmentState, Round, RoundKind, ScoreState
from media.models import AIFlag, JobState, ProcessingJob
from notifications import events
from notifications.services import notify
from submissions.models import Submission, SubmissionState
from submissions.notices import local_time, organizers_of


def _url(name: str, **kwargs: object) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs or None)


def _closes(round_: Round) -> str:
    return local_time(round_.edition, round_.closes_at) if round_.closes_at else "when the organizers close it"


def _stamp(round_: Round, moment: datetime | None) -> str:
    return round_.edition.local(moment).isoformat(timespec="minutes") if moment else "open-ended"


def _counts(round_: Round, judge_ids: list[int] | None = None) -> dict[int, tuple[int, int]]:
    """Per judge of the round: (active assignments, of them not yet submitted)."""
    rows = Assignment.objects.filter(round=round_, state=AssignmentState.ACTIVE)
    if judge_ids is not None:
        rows = rows.filter(judge_id__in=judge_ids)
    totals = rows.values("judge_id").annotate(
        count=Count("pk"),
        left=Count("pk", filter=~Q(score__state=ScoreState.SUBMITTED) | Q(score__isnull=True)),
    )
    return {row["judge_id"]: (row["count"], row["left"]) for row in totals}


def _judges(judge_ids: list[int]) -> list[JudgeMembership]:
    return list(JudgeMembership.objects.filter(pk__in=judge_ids, is_active=True).select_related("user"))


def is_open(round_: Round, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        round_.opens_at is not None and round_.opens_at <= now and (round_.closes_at is None or now < round_.closes_at)
    )


def assignments_ready(round_: Round, *, judge_ids: list[int] | None = None) -> int:
    """Tell each judge with entries in the open round that their queue is ready."""
    if not is_open(round_):
        return 0
    counts = _counts(round_, judge_ids)
    sent = 0
    for judge in _judges(list(counts)):
        count, _left = counts[judge.pk]
        key = f"round:{round_.pk}:opened:{_stamp(round_, round_.opens_at)}"
        if round_.kind == RoundKind.FINAL:
            notify(
                event=events.FINAL_BALLOT_OPEN,
                recipient=judge.user,
                edition=round_.edition,
                context={
                    "ballot_url": _url("judging:final-ballot", round_id=round_.pk),
                    "instructions": f"Rank the {count} finalists from best to least, or compare them in pairs.",
                },
                key=key,
            )
        else:
            notify(
                event=events.ASSIGNMENTS_READY,
                recipient=judge.user,
                edition=round_.edition,
                context={
                    "round_name": round_.name,
                    "count": count,
                    "closes_at": _closes(round_),
                    "queue_url": _url("judging:queue"),
                },
                key=key,
            )
        sent += 1
    return sent


def round_changed(round_: Round, *, change: str) -> int:
    """Tell the round's judges it reopened or its deadline moved (one message per new deadline)."""
    counts = _counts(round_)
    for judge in _judges(list(counts)):
        notify(
            event=events.ROUND_CHANGED,
            recipient=judge.user,
            edition=round_.edition,
            context={
                "round_name": round_.name,
                "change": change,
                "closes_at": _closes(round_),
                "queue_url": _url("judging:queue"),
            },
            key=f"round:{round_.pk}:changed:{_stamp(round_, round_.closes_at)}",
        )
    return len(counts)


def after_score_submitted(round_: Round) -> None:
    """When the last assigned score of the round is submitted, tell the organizers."""
    counts = _counts(round_)
    if not counts or any(left for _count, left in counts.values()):
        return
    for organizer in organizers_of(round_.edition):
        notify(
            event=events.ROUND_COMPLETE,
            recipient=organizer,
            edition=round_.edition,
            context={
                "round_name": round_.name,
                "judges": len(counts),
                "round_url": _url("judging:round-overview", round_id=round_.pk),
            },
            key=f"round:{round_.pk}:complete:{_stamp(round_, round_.closes_at)}",
        )


def _time_left(delta: timedelta) -> str:
    hours = round(delta.total_seconds() / 3600)
    return f"{hours} hours" if hours <= 36 else f"{round(hours / 24)} days"


def remind_judges(*, now: datetime | None = None) -> int:
    """Judges with entries left, ``LAUREL_SCORING_REMINDER_DAYS`` before their round closes (once)."""
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.LAUREL_SCORING_REMINDER_DAYS)
    rounds = Round.objects.filter(opens_at__lte=now, closes_at__gt=now, closes_at__lte=horizon).select_related(
        "edition__festival"
    )
    sent = 0
    for round_ in rounds:
        assert round_.closes_at is not None
        counts = _counts(round_)
        for judge in _judges([judge_id for judge_id, (_c, left) in counts.items() if left]):
            count, left = counts[judge.pk]
            notify(
                event=events.SCORING_REMINDER,
                recipient=judge.user,
                edition=round_.edition,
                context={
                    "round_name": round_.name,
                    "closes_at": _closes(round_),
                    "queue_url": _url("judging:queue"),
                    "remaining": left,
                    "count": count,
                    "time_left": _time_left(round_.closes_at - now),
                },
                key=f"round:{round_.pk}:reminder:{_stamp(round_, round_.closes_at)}",
            )
            sent += 1
    return sent


# --- The organizers' daily digest -------------------------------------------------------------


def digest_context(edition: Edition, day: date) -> dict[str, object]:
    zone = edition.zone
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = start + timedelta(days=1)
    submitted = Submission.objects.filter(edition=edition, state=SubmissionState.SUBMITTED)
    group = f"edition:{edition.pk}"
    failures = Counter(
        ProcessingJob.objects.filter(
            film__group_key=group, state=JobState.FAILED, finished_at__gte=start, finished_at__lt=end
        ).values_list("failure_reason", flat=True)
    )
    flags = AIFlag.objects.filter(film__group_key=group, created_at__gte=start, created_at__lt=end).count()
    progress = []
    for round_ in Round.objects.filter(edition=edition, opens_at__lte=end).order_by("position"):
        counts = _counts(round_)
        total = sum(count for count, _left in counts.values())
        done = total - sum(left for _count, left in counts.values())
        state = "open" if is_open(round_, end) else "closed"
        progress.append(f"{round_.name} ({state}): {done} of {total} scores submitted")
    return {
        "date": day.strftime("%-d %B %Y"),
        "new_submissions": submitted.filter(submitted_at__gte=start, submitted_at__lt=end).count(),
        "total_submissions": submitted.count(),
        "failures": "\n".join(f"{n} × {reason}" for reason, n in failures.most_common()) or "None.",
        "flags": flags,
        "judging_progress": "\n".join(progress) or "No round has opened yet.",
        "console_url": _url("festival:console"),
    }


def send_digests(*, now: datetime | None = None) -> int:
    """After ``LAUREL_DIGEST_HOUR`` in each edition's time zone, yesterday's digest, once per day.

    Only editions still in play get one: submissions open within the last day, or a round
    that has not closed more than a day ago.
    """
    now = now or timezone.now()
    recent = now - timedelta(days=1)
    active_rounds = Round.objects.filter(opens_at__lte=now).filter(Q(closes_at__isnull=True) | Q(closes_at__gt=recent))
    editions = Edition.objects.filter(
        Q(submissions_open_at__lte=now, submissions_close_at__gt=recent) | Q(pk__in=active_rounds.values("edition_id"))
    ).select_related("festival")
    sent = 0
    for edition in editions:
        local = edition.local(now)
        if local.hour < settings.LAUREL_DIGEST_HOUR:
            continue
        day = local.date() - timedelta(days=1)
        context: dict[str, object] | None = None
        for organizer in organizers_of(edition):
            context = context or digest_context(edition, day)
            notify(
                event=events.DAILY_DIGEST,
                recipient=organizer,
                edition=edition,
                context=context,
                key=f"digest:{edition.pk}:{day.isoformat()}",
            )
            sent += 1
    return sent
