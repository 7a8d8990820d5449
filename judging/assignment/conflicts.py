"""Conflict matching as pure functions: names are compared after normalization.

``normalize_name`` (``submissions.names``) is what ``DeclaredConflict.normalized`` and
``Credit.normalized_name`` store: case-folded, accents stripped, punctuation dropped,
spaces collapsed, so "José  García-Löw" and "jose garcia low" match. Which pairs to
compare is chosen in SQL by ``judging.assignment.conflict_check``; the rule itself is here.
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


def group_names(rows: Iterable[tuple[int, str]]) -> Mapping[int, frozenset[str]]:
    grouped: dict[int, set[str]] = {}
    for key, value in rows:
        normalized = normalize_name(value) if value else ""
        if normalized:
            grouped.setdefault(key, set()).add(normalized)
    return {key: frozenset(values) for key, values in grouped.items()}
