"""Every write of announcements: scheduling, announcing, corrections, consent, artwork. Audited.

Announcing fixes every entrant's outcome for the round from judging's current state
(``selectors.compute_outcomes``), once: running it again (the beat task every minute,
an organizer's second click) changes nothing. The signed ``results.json`` is re-made at
each announcement and correction, citing the audit chain head at that moment.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from announcements import audit_actions, laurels, notices, results, selectors
from announcements.models import (
    Announcement,
    FeedbackRelease,
    LaurelArtwork,
    Outcome,
    OutcomeKind,
    PublicConsent,
    SignedResults,
)
from festival.models import AwardTier, Edition, User
from festival.services import record_audit
from judging.models import Round, RoundKind
from submissions.models import Submission, SubmissionState

log = logging.getLogger(__name__)

PUBLIC_CONSENT_STATEMENT = (
    "I agree that, once the results are announced, the festival may show this film on its public "
    "winners pages: its title, logline, AI-use label and outcome, and (as I choose below) its poster "
    "and credits. I can withdraw this consent at any time."
)
LAUREL_TYPES = {"image/svg+xml": ".svg", "image/png": ".png"}
MAX_ARTWORK_BYTES = 5 * 1024 * 1024


class AnnouncementError(Exception):
    """The action cannot be done as asked; the message is shown to the person."""


@transaction.atomic
def schedule_announcement(
    *,
    round_: Round,
    announce_at: datetime | None,
    feedback: str,
    official_selection: bool,
    actor: User,
    ip: str | None = None,
) -> Announcement:
    """Set when a round's outcomes are announced and what feedback goes with them."""
    if feedback not in FeedbackRelease.values:
        raise AnnouncementError(f"Unknown feedback release {feedback!r}.")
    if announce_at is not None and timezone.is_naive(announce_at):
        raise AnnouncementError("The announcement time needs a time zone.")
    announcement, _ = Announcement.objects.select_for_update().get_or_create(round=round_)
    before = {
        "announce_at": announcement.announce_at.isoformat() if announcement.announce_at else None,
        "feedback": announcement.feedback,
        "official_selection": announcement.official_selection,
    }
    if announcement.announced_at is not None and announce_at != announcement.announce_at:
        raise AnnouncementError("This round is already announced; its announcement time can no longer change.")
    announcement.announce_at = announce_at
    announcement.feedback = feedback
    announcement.official_selection = official_selection
    announcement.save(update_fields=["announce_at", "feedback", "official_selection"])
    after = {
        "announce_at": announce_at.isoformat() if announce_at else None,
        "feedback": feedback,
        "official_selection": official_selection,
    }
    if before != after:
        record_audit(
            actor=actor, action=audit_actions.ANNOUNCEMENT_SCHEDULED, target=round_, before=before, after=after, ip=ip
        )
    return announcement


@transaction.atomic
def announce(*, round_: Round, actor: User | None, now: datetime | None = None, ip: str | None = None) -> bool:
    """Fix and publish every entrant's outcome for the round; False if it was already announced.

    Refused for a final whose award ladder is not published yet.
    """
    moment = now or timezone.now()
    announcement, _ = Announcement.objects.select_for_update().get_or_create(round=round_)
    if announcement.announced_at is not None:
        return False
    computed = selectors.compute_outcomes(round_, official_selection=announcement.official_selection)
    if round_.kind == RoundKind.FINAL and not any(c.kind == OutcomeKind.AWARD for c in computed):
        raise AnnouncementError("Publish the final's award ladder before announcing it.")
    if round_.kind != RoundKind.FINAL and computed and all(c.kind == OutcomeKind.NOT_ADVANCED for c in computed):
        raise AnnouncementError(
            "No entry has advanced from this round yet: apply the advancement before announcing it."
        )
    Outcome.objects.bulk_create(
        (
            Outcome(
                announcement=announcement,
                submission_id=c.submission_id,
                kind=c.kind,
                advanced_to_id=c.advanced_to_id,
                tier_id=c.tier_id,
                rank=c.rank,
                fixed_at=moment,
            )
            for c in computed
        ),
        batch_size=1000,
    )
    announcement.announced_at = moment
    announcement.announced_by = actor
    announcement.save(update_fields=["announced_at", "announced_by"])
    counts: dict[str, int] = {}
    for c in computed:
        counts[c.kind] = counts.get(c.kind, 0) + 1
    record_audit(
        actor=actor,
        action=audit_actions.ANNOUNCEMENT_MADE,
        target=round_,
        after={
            "outcomes": counts,
            "scheduled_for": announcement.announce_at.isoformat() if announcement.announce_at else None,
        },
        ip=ip,
    )
    _sign(round_.edition, moment)
    announcement_id = announcement.pk
    transaction.on_commit(lambda: _hand_off(announcement_id))
    return True


def _hand_off(announcement_id: int) -> None:
    from announcements import tasks

    try:
        tasks.notify_outcomes.delay(announcement_id)
    except Exception:  # the broker is down: announce_due hands it off again (messages_recorded_at is unset)
        log.exception("could not queue the outcome messages of announcement %s", announcement_id)


def announce_due(*, now: datetime | None = None) -> list[int]:
    """Announce every round whose time has passed (the beat task); the ids announced now."""
    moment = now or timezone.now()
    for announcement_id in selectors.unmessaged_announcements(moment).values_list("pk", flat=True):
        _hand_off(announcement_id)
    done = []
    for announcement in selectors.due_announcements(moment).select_related("round__edition"):
        try:
            if announce(round_=announcement.round, actor=None, now=moment):
                done.append(announcement.round_id)
        except AnnouncementError:
            continue  # a final without a ladder waits; the organizers' page says why
    return done


@transaction.atomic
def correct_outcome(
    *,
    outcome: Outcome,
    kind: str,
    reason: str,
    actor: User,
    tier: AwardTier | None = None,
    advanced_to: Round | None = None,
    rank: int | None = None,
    ip: str | None = None,
) -> Outcome:
    """Change an announced outcome: audited with the reason, and results.json re-signed."""
    reason = reason.strip()
    if not reason:
        raise AnnouncementError("Say why the outcome is corrected; the reason is kept in the audit trail.")
    if kind not in OutcomeKind.values:
        raise AnnouncementError(f"Unknown outcome {kind!r}.")
    if kind == OutcomeKind.AWARD and tier is None:
        raise AnnouncementError("An award needs its tier.")
    locked = (
        Outcome.objects.select_for_update()
        .select_related("announcement__round__edition__festival", "submission__entrant")
        .get(pk=outcome.pk)
    )
    if tier is not None and tier.edition_id != locked.announcement.round.edition_id:
        raise AnnouncementError("That award tier belongs to another edition.")
    before = {"kind": locked.kind, "tier": locked.tier_id, "rank": locked.rank, "advanced_to": locked.advanced_to_id}
    now = timezone.now()
    locked.kind = kind
    locked.tier = tier if kind == OutcomeKind.AWARD else None
    locked.rank = rank if kind == OutcomeKind.AWARD else None
    locked.advanced_to = advanced_to
    locked.corrected_at = now
    locked.save(update_fields=["kind", "tier", "rank", "advanced_to", "corrected_at"])
    after = {"kind": kind, "tier": locked.tier_id, "rank": locked.rank, "advanced_to": locked.advanced_to_id}
    record_audit(
        actor=actor,
        action=audit_actions.ANNOUNCEMENT_OUTCOME_CORRECTED,
        target=locked.submission,
        before=before,
        after={**after, "reason": reason},
        ip=ip,
    )
    _sign(locked.announcement.round.edition, now)
    notices.notify_correction(locked, reason=reason)
    return locked


def _sign(edition: Edition, moment: datetime) -> SignedResults:
    document, key_id = results.sign_document(edition, now=moment)
    return SignedResults.objects.create(edition=edition, document=document, key_id=key_id, signed_at=moment)


@transaction.atomic
def give_public_consent(*, submission: Submission, user: User, show_poster: bool, show_credits: bool) -> PublicConsent:
    """The entrant agrees to public listing (or changes what is shown); the statement is kept as shown."""
    if submission.entrant_id != user.pk:
        raise AnnouncementError("Only the entrant can consent to public listing.")
    if submission.state in (SubmissionState.WITHDRAWN, SubmissionState.DISQUALIFIED):
        raise AnnouncementError("This film is no longer in the competition.")
    consent, created = PublicConsent.objects.update_or_create(
        submission=submission,
        defaults={
            "statement": PUBLIC_CONSENT_STATEMENT,
            "show_poster": show_poster,
            "show_credits": show_credits,
            "given_by": user,
            "given_at": timezone.now(),
        },
    )
    record_audit(
        actor=user,
        action=audit_actions.ANNOUNCEMENT_PUBLIC_CONSENT_GIVEN
        if created
        else audit_actions.ANNOUNCEMENT_PUBLIC_CONSENT_CHANGED,
        target=submission,
        after={"show_poster": show_poster, "show_credits": show_credits, "statement": PUBLIC_CONSENT_STATEMENT},
    )
    return consent


@transaction.atomic
def withdraw_public_consent(*, submission: Submission, user: User) -> None:
    if submission.entrant_id != user.pk:
        raise AnnouncementError("Only the entrant can withdraw the consent.")
    deleted, _ = PublicConsent.objects.filter(submission=submission).delete()
    if deleted:
        record_audit(actor=user, action=audit_actions.ANNOUNCEMENT_PUBLIC_CONSENT_WITHDRAWN, target=submission)


@transaction.atomic
def upload_laurel_artwork(*, edition: Edition, distinction: str, upload: UploadedFile, actor: User) -> LaurelArtwork:
    """A festival's own laurel for a distinction (SVG or PNG), replacing the generated one."""
    content_type = laurels.sniff_artwork(upload, max_bytes=MAX_ARTWORK_BYTES)
    if distinction not in laurels.distinctions_of(edition):
        raise AnnouncementError(f"{distinction!r} is not a distinction of this edition.")
    existing = LaurelArtwork.objects.filter(edition=edition, distinction=distinction, content_type=content_type)
    for old in existing:
        old.file.delete(save=False)
    existing.delete()
    upload.name = f"{edition.festival.slug}-{edition.year}-{laurels.slug_for(distinction)}{LAUREL_TYPES[content_type]}"
    artwork = LaurelArtwork.objects.create(
        edition=edition, distinction=distinction, file=upload, content_type=content_type, uploaded_by=actor
    )
    record_audit(
        actor=actor,
        action=audit_actions.ANNOUNCEMENT_LAUREL_UPLOADED,
        target=edition,
        after={"distinction": distinction, "content_type": content_type},
    )
    return artwork
