"""Advancement between rounds: the top N or top share by calibrated score, and organizers' edits.

The rule itself (top N / top share) is set by ``judging.rounds.services.set_advancement_rule``.
Every write is atomic and audited (``festival.services.record_audit``). Ties across the
cut are never broken silently: ``apply_advancement`` refuses with ``AdvancementTie``
until the organizer either advances every tied entry or changes the rule, and with
``AdvancementBand`` while the cut runs through a tie band (entries whose interval
contains the cut) the organizer has not confirmed; the alternative is more judging for
the band (``judging.assignment.adaptive``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import BigIntegerField, DateTimeField, QuerySet, Value
from django.utils import timezone

from festival.models import User
from festival.services import record_audit
from judging import audit_actions
from judging.errors import JudgingError
from judging.models import RankingRow, Round, RoundEntry
from judging.results import rankings
from judging.results.selectors import ADVANCES, TIED_AT_CUT
from judging.results.services import request_ranking_refresh
from judging.rounds import selectors as round_selectors
from judging.rounds.competition import competes
from submissions.models import Submission


class AdvancementError(JudgingError):
    """The advancement cannot be done as asked; ``message`` is shown to the organizer."""


class AdvancementTie(AdvancementError):
    """Entries with exactly the same calibrated score straddle the cut."""

    def __init__(self, message: str, *, tied: list[int]) -> None:
        super().__init__(message)
        self.tied = tied


class AdvancementBand(AdvancementError):
    """The cut runs through entries the scores cannot place on either side of it."""

    def __init__(self, message: str, *, band: list[int]) -> None:
        super().__init__(message)
        self.band = band


@dataclass(frozen=True)
class Advanced:
    next_round: Round
    added: list[int]  # submission ids newly entered in the next round
    already: int  # were already there (a re-run adds only what is missing)


def _rule(round_: Round) -> dict[str, object]:
    return {"mode": round_.advancement_mode, "count": round_.advance_count, "share": round_.advance_share}


@transaction.atomic
def apply_advancement(
    *,
    round_: Round,
    decided_by: User,
    include_tied: bool = False,
    confirm_band: bool = False,
    ip: str | None = None,
) -> Advanced:
    """Enter the round's best entries (by the judge model) in the next round.

    ``confirm_band``: the organizer has seen the tie band at the cut and accepts the cut
    by point estimate through it (the band and its probabilities go in the audit row).

    Adds only what is missing, so running it again after more scores came in is safe;
    it never removes an entry from the next round (use ``remove_round_entry``).
    """
    target = round_selectors.next_round(round_)
    if target is None:
        raise AdvancementError("This is the last round: there is no round to advance to.")
    ranking = rankings.ranking_of(round_)
    if not ranking.is_current:
        request_ranking_refresh(round_id=round_.pk)
        raise AdvancementError(
            "Scores, entries or conflicts changed since the ranking was computed; a worker is recomputing it. "
            "Advance again in a moment."
        )
    if ranking.advance_count is None:
        raise AdvancementError("Set an advancement rule (top N or top share) first.")
    tied = ranking.ids_at_cut(TIED_AT_CUT) if ranking.needs_decision else []
    if tied and not include_tied:
        named = ", ".join(f"#{pk}" for pk in tied[: rankings.TIED_NAMED])
        more = f" and {len(tied) - rankings.TIED_NAMED} more" if len(tied) > rankings.TIED_NAMED else ""
        raise AdvancementTie(
            f"{len(tied)} entries have exactly the same calibrated score at the cut: "
            f"{named}{more}. Advance all of them, or change the rule.",
            tied=tied,
        )
    band_p = ranking.band_p()  # ids and probabilities only: no titles, no row objects
    band = list(band_p)
    # Advancing every exactly tied entry decides those; the rest of the band needs a look.
    undecided = set(band) - set(tied if include_tied else [])
    if undecided and not confirm_band:
        raise AdvancementBand(
            f"{len(band)} entr{'y' if len(band) == 1 else 'ies'} around the cut cannot be told apart from it "
            "(their 95 % interval contains the cut). Confirm the tie band to cut by calibrated score, "
            "or ask for more judging of the band first.",
            band=band,
        )
    # A top share can be tens of thousands of entries: they are read as ids and copied from the
    # stored rows to the next round by one INSERT … SELECT, never as model instances.
    chosen = RankingRow.objects.filter(
        snapshot=ranking.snapshot, at_cut__in=[ADVANCES, *([TIED_AT_CUT] if include_tied else [])]
    )
    missing = chosen.exclude(submission_id__in=RoundEntry.objects.filter(round=target).values("submission_id"))
    count = chosen.count()
    added = list(missing.order_by("position").values_list("submission_id", flat=True))
    _insert_entries(target, missing)
    record_audit(
        actor=decided_by,
        action=audit_actions.ROUND_ADVANCED,
        target=round_,
        after={
            "to_round": target.pk,
            "rule": _rule(round_),
            "count": count,
            "added": added,
            "tied_included": tied if include_tied else [],
            "ranked_by": ranking.summary.get("primary", "model"),
            "band": {str(pk): round_p(p) for pk, p in band_p.items()},
            "band_confirmed": bool(undecided),
        },
        ip=ip,
    )
    return Advanced(next_round=target, added=added, already=count - len(added))


def _insert_entries(target: Round, rows: QuerySet[RankingRow]) -> None:
    """Put the entries of ``rows`` in ``target``: one ``INSERT INTO … SELECT`` of the ORM's query."""
    select = rows.order_by().values_list(
        Value(target.pk, output_field=BigIntegerField()),
        "submission_id",
        Value(timezone.now(), output_field=DateTimeField()),
    )
    sql, params = select.query.sql_with_params()
    table = RoundEntry._meta.db_table
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f'INSERT INTO "{table}" ("round_id", "submission_id", "added_at") {sql}', params)


def round_p(value: float) -> float:
    return round(float(value), 4)


def _check_same_edition(round_: Round, submission: Submission) -> None:
    if submission.edition_id != round_.edition_id:
        raise AdvancementError("That entry belongs to another edition.")


def _check_competes(submission: Submission) -> None:
    if not competes(submission):
        raise AdvancementError(f"Entry #{submission.pk} is not a submitted entry (withdrawn, disqualified or draft).")


@transaction.atomic
def add_round_entry(
    *, round_: Round, submission: Submission, decided_by: User, reason: str, ip: str | None = None
) -> RoundEntry:
    """An organizer puts an entry in a round by hand (a wild card); the reason is audited."""
    _check_same_edition(round_, submission)
    _check_competes(submission)
    if not reason.strip():
        raise AdvancementError("Say why this entry is added; the reason is kept in the audit trail.")
    entry, created = RoundEntry.objects.get_or_create(round=round_, submission=submission)
    if not created:
        raise AdvancementError(f"Entry #{submission.pk} is already in this round.")
    record_audit(
        actor=decided_by,
        action=audit_actions.ROUND_ENTRY_ADDED,
        target=round_,
        after={"submission": submission.pk, "reason": reason.strip()},
        ip=ip,
    )
    return entry


@transaction.atomic
def remove_round_entry(
    *, round_: Round, submission: Submission, decided_by: User, reason: str, ip: str | None = None
) -> None:
    """An organizer takes an entry out of a round; its scores stay on record.

    Also how an organizer settles an entry that left the competition (withdrawn or
    disqualified) while in the final: publishing the awards waits for that decision.
    """
    _check_same_edition(round_, submission)
    if not reason.strip():
        raise AdvancementError("Say why this entry is removed; the reason is kept in the audit trail.")
    deleted, _ = RoundEntry.objects.filter(round=round_, submission=submission).delete()
    if not deleted:
        raise AdvancementError(f"Entry #{submission.pk} is not in this round.")
    record_audit(
        actor=decided_by,
        action=audit_actions.ROUND_ENTRY_REMOVED,
        target=round_,
        before={"submission": submission.pk},
        after={"reason": reason.strip()},
        ip=ip,
    )
