"""Conflict matching as pure functions: names are compared after normalization.

``normalize_name`` (``submissions.names``) is what ``DeclaredConflict.normalized`` and
``Credit.normalized_name`` store: case-folded, accents stripped, punctuation dropped,
spaces collapsed, so "José  García-Löw" and "jose garcia low" match. Which pairs to
compare is chosen in SQL by ``judging.conflict_check``; the rule itself is here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from submissions.names import normalize_name

__all__ = ["normalize_name"]  # judging normalizes declarations with the credits' own function


@dataclass(frozen=True)
class JudgeProfile:
    """What a judge is compared with: their own name, declared people and companies."""

    judge_id: int
    user_id: int
    names: frozenset[str] = field(default_factory=frozenset)  # normalized
    entries: frozenset[int] = field(default_factory=frozenset)  # submissions declared directly
    waived: frozenset[int] = field(default_factory=frozenset)  # submissions an organizer cleared


@dataclass(frozen=True)
class EntryProfile:
    submission_id: int
    entrant_id: int
    names: frozenset[str] = field(default_factory=frozenset)  # normalized credit names/organizations


def conflict_reason(judge: JudgeProfile, entry: EntryProfile) -> str | None:
    """Why ``judge`` must not judge ``entry``, or None. Waivers clear every reason."""
    if entry.submission_id in judge.waived:
        return None
    if entry.entrant_id == judge.user_id:
        return "The judge entered this film."
    if entry.submission_id in judge.entries:
        return "The judge declared a conflict with this entry."
    shared = judge.names & entry.names
    if shared:
        return f"Credits name someone the judge declared: {sorted(shared)[0]}."
    return None


def conflicted_pairs(judges: Iterable[JudgeProfile], entries: Iterable[EntryProfile]) -> dict[int, set[int]]:
    """submission id → ids of the judges conflicted with it. Indexed by name, so it is linear."""
    by_name: dict[str, set[int]] = {}
    by_user: dict[int, set[int]] = {}
    by_entry: dict[int, set[int]] = {}
    waived: dict[int, frozenset[int]] = {}
    for judge in judges:
        waived[judge.judge_id] = judge.waived
        by_user.setdefault(judge.user_id, set()).add(judge.judge_id)
        for name in judge.names:
            by_name.setdefault(name, set()).add(judge.judge_id)
        for submission_id in judge.entries:
            by_entry.setdefault(submission_id, set()).add(judge.judge_id)
    result: dict[int, set[int]] = {}
    for entry in entries:
        found = set(by_user.get(entry.entrant_id, ())) | by_entry.get(entry.submission_id, set())
        for name in entry.names:
            found |= by_name.get(name, set())
        found = {j for j in found if entry.submission_id not in waived[j]}
        if found:
            result[entry.submission_id] = found
    return result


def group_names(rows: Iterable[tuple[int, str]]) -> Mapping[int, frozenset[str]]:
    grouped: dict[int, set[str]] = {}
    for key, value in rows:
        normalized = normalize_name(value) if value else ""
        if normalized:
            grouped.setdefault(key, set()).add(normalized)
    return {key: frozenset(values) for key, values in grouped.items()}
