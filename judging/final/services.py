"""Writes for the final: ballots, tie decisions, the published award ladder. All audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from festival.models import AwardTier, JudgeMembership, User
from festival.services import record_audit
from judging import audit_actions
from judging.errors import JudgingError
from judging.final import selectors
from judging.final.voting import METHODS, BallotError, validate_pairs, validate_ranking
from judging.models import AwardDecision, Ballot, BallotMethod, BallotPair, BallotRanking, Round, RoundKind, TieDecision
from judging.rounds.competition import entries_that_left


class FinalError(JudgingError):
    """An organizer's action on the final cannot be done; ``message`` says why."""


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise FinalError(f"Unknown aggregation method {method!r}; use one of {', '.join(METHODS)}.")


@transaction.atomic
def submit_ballot(
    *,
    round_: Round,
    judge: JudgeMembership,
    actor: User,
    ranking: Sequence[int] | None = None,
    pairs: Sequence[tuple[int, int]] | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Ballot:
    """Cast or replace a juror's ballot: a full ranking of the finalists, or every pair decided.

    Raises ``BallotError`` (nothing is stored) for a ballot that ranks an entry twice,
    misses one, names an entry that is not a finalist (or one the juror is conflicted
    with: they never see it), or comes after the round closed.
    """
    moment = now or timezone.now()
    if round_.kind != RoundKind.FINAL:
        raise BallotError("Ballots are cast in the final round only.")
    if judge.edition_id != round_.edition_id or not judge.is_active:
        raise BallotError("You are not on this edition's jury.")
    if round_.is_closed_at(moment):
        raise BallotError("The final is closed: ballots can no longer be cast or changed.")
    if not round_.is_open_at(moment):
        raise BallotError("The final has not opened yet.")
    if (ranking is None) == (pairs is None):
        raise BallotError("Send either a ranking or pairwise comparisons.")
    listed = selectors.ballot_finalists(round_, judge)
    finalists = [submission.pk for submission in listed]
    labels = {submission.pk: f"“{submission.title}”" for submission in listed}
    if ranking is not None:
        validate_ranking(finalists, list(ranking), label=labels)
        method = BallotMethod.RANKING
        after: dict[str, object] = {"method": method.value, "ranking": list(ranking)}
    else:
        assert pairs is not None
        validate_pairs(finalists, list(pairs), label=labels)
        method = BallotMethod.PAIRS
        after = {"method": method.value, "pairs": [list(pair) for pair in pairs]}
    ballot = Ballot.objects.select_for_update().filter(round=round_, judge=judge).first()
    before: dict[str, object] | None = None
    if ballot is None:
        ballot = Ballot.objects.create(round=round_, judge=judge, method=method, submitted_at=moment)
    else:
        if ballot.method == BallotMethod.RANKING:
            before = {"method": ballot.method, "ranking": selectors.ballot_order(ballot)}
        else:
            before = {
                "method": ballot.method,
                "pairs": [list(pair) for pair in ballot.pairs.values_list("winner_id", "loser_id")],
            }
        ballot.rankings.all().delete()
        ballot.pairs.all().delete()
        ballot.method = method
        ballot.submitted_at = moment
        ballot.save(update_fields=["method", "submitted_at", "updated_at"])
    if ranking is not None:
        BallotRanking.objects.bulk_create(
            BallotRanking(ballot=ballot, submission_id=entry, position=position)
            for position, entry in enumerate(ranking, start=1)
        )
    else:
        assert pairs is not None
        BallotPair.objects.bulk_create(BallotPair(ballot=ballot, winner_id=w, loser_id=lo) for w, lo in pairs)
    record_audit(
        actor=actor,
        action=audit_actions.BALLOT_SUBMITTED if before is None else audit_actions.BALLOT_CHANGED,
        target=ballot,
        before=before,
        after=after,
        ip=ip,
    )
    return ballot


@transaction.atomic
def decide_tie(
    *,
    round_: Round,
    order: Sequence[int],
    reason: str,
    decided_by: User,
    method: str = "schulze",
    ip: str | None = None,
) -> TieDecision:
    """Order a group of finalists that the ballots leave tied across a tier boundary.

    The group must be tied in the ballots' order right now (so a decision cannot quietly
    overrule the jury); the reason is kept with the decision and in the audit trail.
    """
    _check_method(method)
    reason = reason.strip()
    if not reason:
        raise FinalError("Say why the tie is decided this way; the reason is kept with the decision.")
    order = [int(entry) for entry in order]
    outcome = selectors.final_outcome(round_, method=method)
    tied = {frozenset(group) for group in outcome.groups if len(group) > 1}
    if frozenset(order) not in tied or len(set(order)) != len(order):
        raise FinalError("These entries are not tied in the jury's order; only ties can be decided.")
    key = selectors.group_key(order)
    existing = TieDecision.objects.select_for_update().filter(round=round_, group_key=key).first()
    before = {"order": existing.order, "reason": existing.reason} if existing else None
    decision, _ = TieDecision.objects.update_or_create(
        round=round_, group_key=key, defaults={"order": order, "reason": reason, "decided_by": decided_by}
    )
    record_audit(
        actor=decided_by,
        action=audit_actions.FINAL_TIE_DECIDED,
        target=decision,
        before=before,
        after={"order": order, "reason": reason, "method": method},
        ip=ip,
    )
    return decision


@transaction.atomic
def publish_awards(
    *, round_: Round, decided_by: User, method: str = "schulze", ip: str | None = None
) -> list[AwardDecision]:
    """Write the award ladder from the ballots (and tie decisions); replaces an earlier one.

    Refused while a tie straddles a tier boundary: an organizer decides it first. Refused
    while the final holds an entry that stopped competing (withdrawn, disqualified): the
    jury's order without it is not one anybody decided, so an organizer first takes it out
    of the final (``remove_round_entry``, with a reason) and then publishes again.
    """
    _check_method(method)
    left = entries_that_left(round_)
    if left:
        names = "; ".join(
            f"“{e.title}” (#{e.submission_id}) {e.how.lower()}"
            + (f" on {e.left_at:%d %b %Y %H:%M} UTC" if e.left_at else "")
            for e in left
        )
        raise FinalError(
            f"Not published: {names} no longer competes. Take it out of the final, check the ladder "
            "without it, and publish again."
        )
    outcome = selectors.final_outcome(round_, method=method)
    if not outcome.ballots:
        raise FinalError("No ballot has been cast yet.")
    if outcome.ladder.pending:
        names = "; ".join(", ".join(outcome.title(entry) for entry in tie.entries) for tie in outcome.ladder.pending)
        raise FinalError(f"Decide the tie(s) at a tier boundary first: {names}.")
    tiers = {tier.pk: tier for tier in AwardTier.objects.filter(edition_id=round_.edition_id)}
    before = [{"submission": a.submission_id, "tier": a.tier.name, "rank": a.rank} for a in outcome.published]
    AwardDecision.objects.filter(round=round_).delete()
    awards = AwardDecision.objects.bulk_create(
        AwardDecision(
            round=round_,
            tier=tiers[placement.tier.key],
            submission_id=placement.entry,
            rank=placement.rank,
            method=method,
            decided_by=decided_by,
        )
        for placement in outcome.ladder.awarded()
        if placement.tier is not None
    )
    record_audit(
        actor=decided_by,
        action=audit_actions.FINAL_AWARDS_PUBLISHED,
        target=round_,
        before={"awards": before} if before else None,
        after={
            "method": method,
            "awards": [{"submission": a.submission_id, "tier": a.tier.name, "rank": a.rank} for a in awards],
        },
        ip=ip,
    )
    return awards
