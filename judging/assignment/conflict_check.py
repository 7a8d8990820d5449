"""Conflicts of interest evaluated at read time, whenever they arise.

A judge is conflicted with an entry when they entered it, declared it, or a credit names
someone the judge declared (or the judge themself), unless an organizer waived it (the
rule: ``judging.assignment.conflicts.conflict_reason``). Credits change in ``submissions`` and
declarations in ``judging``; neither tells the other. So every read that shows an entry to
a judge, or counts a judge's score, asks this module — nothing is settled once and copied.

It stays cheap because conflicts are rare and every input is indexed: the judges' declared
and own names select the few credits naming them (``Credit.normalized_name`` /
``normalized_organization``, indexed), the judges' accounts select the films they entered,
and only those candidate entries are compared in Python. Cost grows with the judges asked
about and the conflicts found, never with the edition: a judge's queue or autosave asks
about one judge (a handful of queries), the round page about the edition's jury.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from operator import or_
from typing import TypeVar

from django.db.models import BigIntegerField, ExpressionWrapper, F, Model, Q, QuerySet, Value
from django.db.models.lookups import In

from festival.models import JudgeMembership
from judging.assignment.conflicts import EntryProfile, JudgeProfile, conflict_reason, group_names
from judging.models import ConflictKind, ConflictWaiver, DeclaredConflict, Round, RoundEntry
from submissions.models import Credit, Submission

# (judge membership id, submission id) -> why the judge may not judge the entry.
Conflicts = dict[tuple[int, int], str]
RowT = TypeVar("RowT", bound=Model)  # a row with ``judge_id`` and ``submission_id``


def judge_profiles(judges: Iterable[JudgeMembership]) -> dict[int, JudgeProfile]:
    """Conflict profiles of judges (their user must be loaded): 2 queries for any number."""
    return _profiles([(j.pk, j.user_id, j.user.full_name) for j in judges])


def _profiles(judges: Sequence[tuple[int, int, str]]) -> dict[int, JudgeProfile]:
    """Profiles from (membership id, user id, the user's full name) rows: 2 queries."""
    ids = [pk for pk, _, _ in judges]
    names: dict[int, set[str]] = defaultdict(set)
    entries: dict[int, set[int]] = defaultdict(set)
    for judge_id, kind, normalized, submission_id in DeclaredConflict.objects.filter(judge_id__in=ids).values_list(
        "judge_id", "kind", "normalized", "submission_id"
    ):
        if kind == ConflictKind.ENTRY and submission_id is not None:
            entries[judge_id].add(submission_id)
        elif kind in (ConflictKind.PERSON, ConflictKind.COMPANY) and normalized:
            names[judge_id].add(normalized)
    waived: dict[int, set[int]] = defaultdict(set)
    for judge_id, submission_id in ConflictWaiver.objects.filter(judge_id__in=ids).values_list(
        "judge_id", "submission_id"
    ):
        waived[judge_id].add(submission_id)
    own = group_names((pk, full_name) for pk, _, full_name in judges)
    return {
        pk: JudgeProfile(
            judge_id=pk,
            user_id=user_id,
            names=frozenset(names[pk]) | own.get(pk, frozenset()),
            entries=frozenset(entries[pk]),
            waived=frozenset(waived[pk]),
        )
        for pk, user_id, _ in judges
    }


def _candidates(
    profiles: Mapping[int, JudgeProfile], *, edition_ids: set[int], round_: Round | None
) -> dict[int, EntryProfile]:
    """The only entries that can be conflicted with these judges, with the names that matter.

    Each lookup starts from an index and never joins towards the edition (a join lets the
    planner start from the edition's entries instead): credits by normalized name or
    organization, then (one UNION) entries by id — those named or declared — and by
    entrant — those the judges entered — within the editions, then the round's by
    (round, entry) when asked about a round.
    """
    names = set().union(*(p.names for p in profiles.values()))
    users = {p.user_id for p in profiles.values()}
    declared = set().union(*(p.entries for p in profiles.values()))
    matched: dict[int, set[str]] = defaultdict(set)
    if names:
        for submission_id, name, organization in (
            Credit.objects.filter(Q(normalized_name__in=names) | Q(normalized_organization__in=names))
            .order_by()
            .values_list("submission_id", "normalized_name", "normalized_organization")
        ):
            matched[submission_id].update(n for n in (name, organization) if n in names)
    entries = Submission.objects.filter(edition_id__in=edition_ids).order_by()
    by_id = entries.filter(pk__in={*declared, *matched}).values_list("pk", "entrant_id")
    entered = entries.filter(entrant_id__in=users).values_list("pk", "entrant_id")
    found = dict(by_id.union(entered))
    if round_ is not None and found:
        in_round = RoundEntry.objects.filter(round=round_, submission_id__in=list(found))
        found = {pk: found[pk] for pk in in_round.values_list("submission_id", flat=True)}
    return {
        pk: EntryProfile(submission_id=pk, entrant_id=entrant_id, names=frozenset(matched.get(pk, ())))
        for pk, entrant_id in found.items()
    }


def _pairs_to_compare(
    profiles: Mapping[int, JudgeProfile], entries: Mapping[int, EntryProfile]
) -> set[tuple[int, int]]:
    """(judge, entry) pairs sharing a name, an account or a declaration: the only ones that can
    conflict, found through maps so a big jury is not compared with every candidate."""
    by_name: dict[str, set[int]] = defaultdict(set)
    by_user: dict[int, set[int]] = defaultdict(set)
    by_entry: dict[int, set[int]] = defaultdict(set)
    for profile in profiles.values():
        by_user[profile.user_id].add(profile.judge_id)
        for name in profile.names:
            by_name[name].add(profile.judge_id)
        for submission_id in profile.entries:
            by_entry[submission_id].add(profile.judge_id)
    pairs: set[tuple[int, int]] = set()
    for entry in entries.values():
        judges = by_user.get(entry.entrant_id, set()) | by_entry.get(entry.submission_id, set())
        for name in entry.names:
            judges = judges | by_name.get(name, set())
        pairs.update((judge_id, entry.submission_id) for judge_id in judges)
    return pairs


def conflicts_among(judges: Sequence[JudgeMembership], *, round_: Round | None = None) -> Conflicts:
    """Every conflict between these judges and the entries of their editions (or of ``round_``).

    Judges must have their user loaded. Four or five queries whatever the edition's size.
    """
    return _conflicts_of(judge_profiles(judges), {j.edition_id for j in judges}, round_)


def _conflicts_of(profiles: Mapping[int, JudgeProfile], edition_ids: set[int], round_: Round | None) -> Conflicts:
    if not profiles:
        return {}
    entries = _candidates(profiles, edition_ids=edition_ids, round_=round_)
    found: Conflicts = {}
    for judge_id, submission_id in _pairs_to_compare(profiles, entries):
        reason = conflict_reason(profiles[judge_id], entries[submission_id])  # the rule, with waivers
        if reason is not None:
            found[(judge_id, submission_id)] = reason
    return found


def conflict_between(judge: JudgeMembership, submission_id: int) -> str | None:
    """Why ``judge`` may not see the entry, or None: the same rule as every list."""
    return conflicts_among([judge]).get((judge.pk, submission_id))


def by_entry(conflicts: Conflicts) -> dict[int, set[int]]:
    """submission id -> ids of the judges conflicted with it (the planner's shape)."""
    grouped: dict[int, set[int]] = defaultdict(set)
    for judge_id, submission_id in conflicts:
        grouped[submission_id].add(judge_id)
    return dict(grouped)


# A (judge, entry) pair as one integer, ``judge * PAIR + entry``: PostgreSQL hashes a ``NOT IN``
# list of constants (and SQLite indexes one), so excluding any number of conflicts costs one
# lookup per row, where an OR of per-judge terms costs one comparison per judge per row.
PAIR = 2**32
PAIR_LIMIT = 2**31  # judge ids below this keep ``judge * PAIR + entry`` inside a signed 64-bit integer


def pair_key(judge_id: int, submission_id: int) -> int:
    return judge_id * PAIR + submission_id


def _pair_expression(prefix: str) -> ExpressionWrapper:
    return ExpressionWrapper(
        F(f"{prefix}judge_id") * Value(PAIR) + F(f"{prefix}submission_id"), output_field=BigIntegerField()
    )


def _hashable(conflicts: Conflicts) -> bool:
    return all(0 <= j < PAIR_LIMIT and 0 <= s < PAIR for j, s in conflicts)


def conflicted_rows(conflicts: Conflicts, prefix: str = "") -> Q:
    """The condition on rows with ``judge_id`` and ``submission_id`` (assignments, scores; through
    ``prefix``, a joined relation's) that hit one of ``conflicts``.

    One hashed ``IN`` of pair keys (``pair_key``), so the cost per row does not grow with the
    conflicts; ids too large for a pair key fall back to one term per judge.
    """
    if not conflicts:
        return Q(pk__in=[])  # matches nothing: "no conflicts" excludes no row
    if _hashable(conflicts):
        return Q(In(_pair_expression(prefix), sorted(pair_key(j, s) for j, s in conflicts)))
    per_judge: dict[int, list[int]] = defaultdict(list)
    for judge_id, submission_id in sorted(conflicts):
        per_judge[judge_id].append(submission_id)
    terms = [
        Q(**{f"{prefix}judge_id": judge_id, f"{prefix}submission_id__in": ids}) for judge_id, ids in per_judge.items()
    ]
    return reduce(or_, terms)


def without_conflicts(rows: QuerySet[RowT], conflicts: Conflicts) -> QuerySet[RowT]:
    """``rows`` minus those whose judge is conflicted with the entry."""
    return rows.exclude(conflicted_rows(conflicts)) if conflicts else rows


def round_conflicts(round_: Round) -> Conflicts:
    """Conflicts between the edition's judges and the round's entries.

    The jury is read as three columns (not 600 model instances): five queries, a few
    milliseconds of Python whatever the edition's size.
    """
    jury = list(
        JudgeMembership.objects.filter(edition_id=round_.edition_id)
        .order_by("pk")
        .values_list("pk", "user_id", "user__full_name")
    )
    return _conflicts_of(_profiles(jury), {round_.edition_id}, round_)
