"""Conflict matching: normalized names, declared entries, the entrant, waivers."""

from __future__ import annotations

import pytest

from judging.assignment.conflicts import EntryProfile, JudgeProfile, conflict_reason, normalize_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("José  García-Löw", "jose garcia low"),
        ("  STRASSE ", "strasse"),
        ("Straße", "strasse"),
        ("Ōtomo Katsuhiro", "otomo katsuhiro"),
        ("Acme, Inc.", "acme inc"),
        ("", ""),
    ],
)
def test_names_are_normalized_for_matching(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


def test_a_credit_naming_a_declared_person_is_a_conflict() -> None:
    judge = JudgeProfile(judge_id=1, user_id=10, names=frozenset({"jose garcia"}))
    entry = EntryProfile(submission_id=5, entrant_id=20, names=frozenset({"jose garcia", "acme"}))
    other = EntryProfile(submission_id=6, entrant_id=21, names=frozenset({"someone else"}))

    assert conflict_reason(judge, entry) == "Credits name someone the judge declared: jose garcia."
    assert conflict_reason(judge, other) is None


def test_the_judges_own_film_and_declared_entries_conflict_unless_waived() -> None:
    judge = JudgeProfile(judge_id=1, user_id=10, entries=frozenset({7}))
    own = EntryProfile(submission_id=5, entrant_id=10)
    declared = EntryProfile(submission_id=7, entrant_id=30)
    waived = JudgeProfile(judge_id=1, user_id=10, entries=frozenset({7}), waived=frozenset({5, 7}))

    assert conflict_reason(judge, own) == "The judge entered this film."
    assert conflict_reason(judge, declared) == "The judge declared a conflict with this entry."
    assert [conflict_reason(waived, entry) for entry in (own, declared)] == [None, None]
