"""Scores: drafts, submit, exclusion and reopening; and how much of the film was watched.

Every change appends an audit row (``festival.models.AuditEvent``, target the score) with
actor, real actor, ip and the score before and after. Concurrency: the assignment row is
locked first, then the page's ``expected_version`` is compared with the stored one (stale
→ ``StaleScore``, 409), so two tabs cannot both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from festival.models import User
from festival.parsing import parse_integer
from festival.services import record_audit
from judging import audit_actions, notices
from judging.errors import (
    AlreadySubmitted,
    InvalidScore,
    JudgingError,
    NotAssigned,
    ScoringClosed,
    StaleScore,
    WatchRequired,
    WatchSuperseded,
)
from judging.models import Assignment, AssignmentState, Criterion, Round, Score, ScoreState, WatchSession
from judging.results.services import counted_scores_changed
from media.playback import playback_for

TEXT_MAX = 5000
# Watched time may run this much ahead of the wall clock (reports in flight, clock jitter).
WATCH_SLACK_SECONDS = 5.0
WATCH_SHARE_EPSILON = 1e-6


def ensure_scoring_open(round_: Round, now: datetime) -> None:
    if round_.is_closed_at(now):
        raise ScoringClosed("This round has closed: scores are locked and can no longer change.")
    if round_.opens_at is None or now < round_.opens_at:
        raise ScoringClosed("This round is not open for scoring yet.")


def clean_values(criteria: list[Criterion], values: Mapping[str, Any], *, require_all: bool) -> dict[str, int]:
    """Check values against the rubric: known criteria, whole numbers on each scale.

    Empty values (None, "") are dropped, so a draft can be partial. On submit every
    required criterion must have a value.
    """
    by_id = {str(c.pk): c for c in criteria}
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    for key, raw in values.items():
        criterion = by_id.get(str(key))
        if criterion is None:
            errors[str(key)] = "This is not a criterion of the round's rubric."
            continue
        if raw is None or raw == "":
            continue
        value = parse_integer(raw)
        if value is None:
            errors[str(key)] = (
                f"{criterion.name}: give a whole number from {criterion.scale_min} to {criterion.scale_max}."
            )
        elif not criterion.scale_min <= value <= criterion.scale_max:
            errors[str(key)] = (
                f"{criterion.name}: {value} is outside the scale {criterion.scale_min}–{criterion.scale_max}."
            )
        else:
            clean[str(key)] = value
    if require_all:
        for key, criterion in by_id.items():
            if criterion.required and key not in clean and key not in errors:
                errors[key] = f"{criterion.name} is required before you submit."
    if errors:
        raise InvalidScore(" ".join(errors.values()), fields=errors)
    return clean


def weighted_total(criteria: list[Criterion], values: Mapping[str, int]) -> float | None:
    """Weighted mean of the given values, each rescaled to 0-10 so different scales compare."""
    num = den = 0.0
    for criterion in criteria:
        value = values.get(str(criterion.pk))
        if value is None:
            continue
        rescaled = (value - criterion.scale_min) / (criterion.scale_max - criterion.scale_min) * 10.0
        num += criterion.weight * rescaled
        den += criterion.weight
    return round(num / den, 4) if den else None


def snapshot(score: Score | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {
        "values": dict(score.values),
        "comment_to_organizers": score.comment_to_organizers,
        "feedback_to_filmmaker": score.feedback_to_filmmaker,
        "state": score.state,
        "version": score.version,
        "total": score.total,
        "excluded": score.excluded,
        "excluded_reason": score.excluded_reason,
    }


def _clean_text(name: str, value: str) -> str:
    if len(value) > TEXT_MAX:
        raise InvalidScore(f"The {name} is too long (at most {TEXT_MAX} characters).", fields={name: "too long"})
    return value.strip()


def _lock(assignment: Assignment) -> Assignment:
    locked = (
        Assignment.objects.select_for_update()
        .select_related("round", "judge")
        .filter(pk=assignment.pk, state=AssignmentState.ACTIVE, judge__is_active=True)
        .first()
    )
    if locked is None:
        raise NotAssigned("This entry is not assigned to you.")
    return locked


def _current(assignment: Assignment) -> Score | None:
    return (
        Score.objects.select_for_update()
        .filter(round_id=assignment.round_id, judge_id=assignment.judge_id, submission_id=assignment.submission_id)
        .first()
    )


def _check_version(score: Score | None, expected_version: int) -> None:
    stored = score.version if score is not None else 0
    if stored != expected_version:
        raise StaleScore(
            "This score was changed in another tab or window since this page loaded. "
            "Reload the page to see the saved version; your unsaved changes here were not stored."
        )


def _write(
    *,
    assignment: Assignment,
    expected_version: int,
    values: Mapping[str, Any],
    comment_to_organizers: str | None,
    feedback_to_filmmaker: str | None,
    submit: bool,
    actor: User,
    ip: str | None,
    real_actor: User | None,
    now: datetime | None,
) -> Score:
    now = now or timezone.now()
    assignment = _lock(assignment)
    ensure_scoring_open(assignment.round, now)
    score = _current(assignment)
    _check_version(score, expected_version)
    if score is not None and score.state == ScoreState.SUBMITTED:
        raise AlreadySubmitted(
            "This score was already submitted and can no longer change. Ask the organizers to reopen it."
        )
    if score is not None and score.excluded:
        raise NotAssigned("This entry is not assigned to you.")
    criteria = list(assignment.round.criteria.all())
    merged = dict(score.values) if score is not None else {}
    merged.update({str(k): v for k, v in values.items()})
    clean = clean_values(criteria, merged, require_all=submit)
    if submit:
        required = assignment.round.required_watch_share
        if assignment.watched_share + WATCH_SHARE_EPSILON < required:
            raise WatchRequired(
                f"Watch at least {required:.0%} of the film before submitting (so far {assignment.watched_share:.0%})."
            )
    before = snapshot(score)
    if score is None:
        score = Score(
            round_id=assignment.round_id, judge_id=assignment.judge_id, submission_id=assignment.submission_id
        )
        score.assignment = assignment
        score.version = 0
    score.values = clean
    if comment_to_organizers is not None:
        score.comment_to_organizers = _clean_text("comment to organizers", comment_to_organizers)
    if feedback_to_filmmaker is not None:
        score.feedback_to_filmmaker = _clean_text("feedback to the filmmaker", feedback_to_filmmaker)
    score.version += 1
    if submit:
        score.state = ScoreState.SUBMITTED
        score.submitted_at = now
        score.total = weighted_total(criteria, clean)
    try:
        with transaction.atomic():
            score.save()
    except IntegrityError as exc:  # another tab created the row first
        raise StaleScore("This score was just saved from another tab. Reload the page.") from exc
    record_audit(
        actor=actor,
        real_actor=real_actor,
        ip=ip,
        action=audit_actions.SCORE_SUBMITTED if submit else audit_actions.SCORE_DRAFT_SAVED,
        target=score,
        before=before,
        after=snapshot(score),
    )
    if submit:
        notices.after_score_submitted(assignment.round)
    return score


@transaction.atomic
def save_score(
    *,
    assignment: Assignment,
    expected_version: int,
    values: Mapping[str, Any],
    actor: User,
    comment_to_organizers: str | None = None,
    feedback_to_filmmaker: str | None = None,
    ip: str | None = None,
    real_actor: User | None = None,
    now: datetime | None = None,
) -> Score:
    """Autosave a draft (partial values allowed). ``values`` are merged into the stored draft."""
    return _write(
        assignment=assignment,
        expected_version=expected_version,
        values=values,
        comment_to_organizers=comment_to_organizers,
        feedback_to_filmmaker=feedback_to_filmmaker,
        submit=False,
        actor=actor,
        ip=ip,
        real_actor=real_actor,
        now=now,
    )


@transaction.atomic
def submit_score(
    *,
    assignment: Assignment,
    expected_version: int,
    actor: User,
    values: Mapping[str, Any] | None = None,
    comment_to_organizers: str | None = None,
    feedback_to_filmmaker: str | None = None,
    ip: str | None = None,
    real_actor: User | None = None,
    now: datetime | None = None,
) -> Score:
    """Save and submit: every required criterion set, the required share watched, round open."""
    score = _write(
        assignment=assignment,
        expected_version=expected_version,
        values=values or {},
        comment_to_organizers=comment_to_organizers,
        feedback_to_filmmaker=feedback_to_filmmaker,
        submit=True,
        actor=actor,
        ip=ip,
        real_actor=real_actor,
        now=now,
    )
    counted_scores_changed(round_id=score.round_id)
    return score


@transaction.atomic
def exclude_score(*, score: Score, reason: str, actor: User | None, ip: str | None = None) -> Score:
    """Keep the score for the record but count it nowhere (conflict found, removed assignment...)."""
    if not reason.strip():
        raise JudgingError("Say why the score is excluded.")
    score = Score.objects.select_for_update().get(pk=score.pk)
    before = snapshot(score)
    score.excluded = True
    score.excluded_reason = reason.strip()
    score.version += 1
    score.save(update_fields=["excluded", "excluded_reason", "version", "updated_at"])
    record_audit(
        actor=actor, ip=ip, action=audit_actions.SCORE_EXCLUDED, target=score, before=before, after=snapshot(score)
    )
    counted_scores_changed(round_id=score.round_id)
    return score


@transaction.atomic
def reopen_score(*, score: Score, reason: str, actor: User, ip: str | None = None) -> Score:
    """Organizer override: a submitted score goes back to draft so the judge can change it."""
    if not reason.strip():
        raise JudgingError("Say why the score is reopened.")
    score = Score.objects.select_for_update().get(pk=score.pk)
    if score.state != ScoreState.SUBMITTED:
        raise JudgingError("Only a submitted score can be reopened.")
    before = snapshot(score)
    score.state = ScoreState.DRAFT
    score.submitted_at = None
    score.total = None
    score.version += 1
    score.save(update_fields=["state", "submitted_at", "total", "version", "updated_at"])
    after = snapshot(score) or {}
    record_audit(
        actor=actor,
        ip=ip,
        action=audit_actions.SCORE_REOPENED,
        target=score,
        before=before,
        after={**after, "reason": reason},
    )
    counted_scores_changed(round_id=score.round_id)
    return score


@transaction.atomic
def restore_score(*, score: Score, reason: str, actor: User, ip: str | None = None) -> Score:
    """Organizer override: an excluded score counts again (e.g. after waiving the conflict)."""
    if not reason.strip():
        raise JudgingError("Say why the score counts again.")
    score = Score.objects.select_for_update().get(pk=score.pk)
    before = snapshot(score)
    score.excluded = False
    score.excluded_reason = ""
    score.version += 1
    score.save(update_fields=["excluded", "excluded_reason", "version", "updated_at"])
    after = snapshot(score) or {}
    record_audit(
        actor=actor,
        ip=ip,
        action=audit_actions.SCORE_RESTORED,
        target=score,
        before=before,
        after={**after, "reason": reason},
    )
    counted_scores_changed(round_id=score.round_id)
    return score


# --- Watching -------------------------------------------------------------------------


WATCH_SIGNING_SCOPE = "laurel.judging.watch"
# A page left open longer than this must be reloaded before its watching counts.
WATCH_TOKEN_MAX_AGE = 12 * 60 * 60


def watch_session_token(*, assignment: Assignment, now: datetime | None = None) -> str:
    """The scoring page's signed watch token: a new session key and when the page was served.

    Nothing is written: the session row is made by the page's first watch report, so a page
    view (or twelve) that never plays the film leaves no trace.
    """
    served = (now or timezone.now()).timestamp()
    return signing.dumps({"a": assignment.pk, "k": uuid.uuid4().hex, "t": served}, salt=WATCH_SIGNING_SCOPE)


def _watch_session(assignment: Assignment, token: str, now: datetime) -> WatchSession:
    """The token's session, made (superseding the assignment's others) on its first report."""
    unknown = JudgingError("Unknown watch session; reload the page.")
    try:
        claims = signing.loads(token, salt=WATCH_SIGNING_SCOPE, max_age=WATCH_TOKEN_MAX_AGE)
        key = uuid.UUID(hex=str(claims["k"]))
        served = datetime.fromtimestamp(float(claims["t"]), tz=UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise unknown from exc
    if claims.get("a") != assignment.pk:
        raise unknown
    session = WatchSession.objects.select_for_update().filter(key=key, assignment=assignment).first()
    if session is None:
        WatchSession.objects.filter(assignment=assignment, superseded_at__isnull=True).update(superseded_at=now)
        session = WatchSession.objects.create(key=key, assignment=assignment, started_at=min(served, now))
    elif session.superseded_at is not None:
        raise WatchSuperseded("The film is playing in another window; watching counts there. Reload to watch here.")
    return session


def _runtime_seconds(assignment: Assignment, reported: float | None) -> float | None:
    """The film's length: the media pipeline's when known, else the player's, else the declared one.

    The processed film's duration is what counts; the player's report (which a client could
    bend) is used only before processing recorded one.
    """
    film_id = assignment.submission.film_id
    if film_id is not None:
        playback = playback_for(film_id, base_url="/")
        if playback is not None and playback.duration_seconds > 0:
            return playback.duration_seconds
    if reported and reported > 0:
        return float(reported)
    declared = assignment.submission.declared_runtime_seconds
    return float(declared) if declared else None


@transaction.atomic
def record_watch(
    *,
    assignment: Assignment,
    session_token: str,
    watched_seconds: float,
    duration: float | None = None,
    now: datetime | None = None,
) -> Assignment:
    """Record the player's watched time for one page's session, capped by wall-clock time.

    A session never reports more than the time since its page was served (plus a little
    slack), nor goes backwards; only the assignment's newest session counts (one active per
    judge and assignment); and the total over all sessions never exceeds the wall-clock
    time since the first of them started (so parallel tabs cannot add up), nor the runtime.
    """
    now = now or timezone.now()
    if not isinstance(watched_seconds, int | float) or watched_seconds != watched_seconds or watched_seconds < 0:
        raise JudgingError("watchedSeconds must be a non-negative number.")
    if duration is not None and (not isinstance(duration, int | float) or duration != duration or duration < 0):
        raise JudgingError("duration must be a non-negative number.")
    assignment = _lock(assignment)
    session = _watch_session(assignment, session_token, now)
    elapsed = max(0.0, (now - session.started_at).total_seconds())
    plausible = min(float(watched_seconds), elapsed + WATCH_SLACK_SECONDS)
    if plausible <= session.watched_seconds:
        return assignment
    delta = plausible - session.watched_seconds
    session.watched_seconds = plausible
    session.last_report_at = now
    session.save(update_fields=["watched_seconds", "last_report_at"])
    first_start = WatchSession.objects.filter(assignment=assignment).aggregate(first=Min("started_at"))["first"]
    since_first = max(0.0, (now - (first_start or session.started_at)).total_seconds()) + WATCH_SLACK_SECONDS
    runtime = _runtime_seconds(Assignment.objects.select_related("submission").get(pk=assignment.pk), duration)
    total = min(assignment.watched_seconds + delta, since_first)
    if runtime:
        total = min(total, runtime)
    if total <= assignment.watched_seconds:
        return assignment
    assignment.watched_seconds = total
    if runtime:
        assignment.watched_share = min(1.0, total / runtime)
    assignment.save(update_fields=["watched_seconds", "watched_share"])
    return assignment
