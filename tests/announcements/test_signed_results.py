"""Signed results.json: what it covers, the key file, and verify_results naming the place."""

from __future__ import annotations

import json
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from announcements import services, signing
from announcements.models import SignedResults
from festival import audit
from judging.models import TieDecision
from tests.announcements.factories import judged_edition

pytestmark = pytest.mark.django_db


def _announced() -> tuple[SignedResults, list[int]]:
    data = judged_edition()
    services.announce(round_=data.screening, actor=data.organizer)
    services.announce(round_=data.final, actor=data.organizer)
    return SignedResults.objects.filter(edition=data.edition).latest(), [f.pk for f in data.films]


def _verify(path: Path, *extra: str) -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("verify_results", str(path), *extra, stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


def test_the_document_covers_awards_ranks_advancement_and_the_audit_head(_results_keys: Path) -> None:
    signed, films = _announced()
    payload = json.loads(signed.document)["payload"]
    screening, final = payload["rounds"]
    assert screening["advanced"] == sorted(films[:4]) and screening["entries"] == 6
    assert [(a["entry"], a["rank"], a["tier"], a["title"]) for a in final["awards"]] == [
        (films[0], 1, "Grand Prix", "Film A"),
        (films[1], 2, "Gold", "Film B"),
        (films[2], 3, "Silver", "Film C"),
        (films[3], 4, "Honoree", "Film D"),
    ]
    assert final["tie_decisions"] == []
    festival_id = signed.edition.festival_id
    # The head at signing time: the announcement of the final is the last event before it.
    seq, head = audit.head_of(festival_id)
    assert payload["audit"] == {"chain": f"festival:{festival_id}", "seq": seq, "head_hash": head}
    key_file = _results_keys / "lumen.ed25519.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert signing.signature_holds(json.loads(signed.document), signing.ensure_key("lumen").public_key())


def test_tie_decisions_are_in_the_document() -> None:
    data = judged_edition()
    TieDecision.objects.create(
        round=data.final,
        group_key=f"{data.films[0].pk},{data.films[1].pk}",
        order=[data.films[0].pk, data.films[1].pk],
        reason="Chair's casting vote",
        decided_by=data.organizer,
    )
    services.announce(round_=data.final, actor=data.organizer)
    final = json.loads(SignedResults.objects.latest().document)["payload"]["rounds"][0]
    assert [(t["order"], t["reason"]) for t in final["tie_decisions"]] == [
        ([data.films[0].pk, data.films[1].pk], "Chair's casting vote")
    ]


def test_an_untouched_copy_verifies_with_the_published_public_key(tmp_path: Path) -> None:
    signed, _ = _announced()
    copy = tmp_path / "results.json"
    copy.write_text(signed.document)
    pem = tmp_path / "lumen.pub.pem"
    pem.write_text(signing.public_pem(signing.ensure_key("lumen").public_key()))
    ok, out = _verify(copy, "--public-key", str(pem))
    assert ok, out
    assert out.splitlines()[-1] == f"{copy}: OK"


def test_one_changed_byte_fails_with_the_place(tmp_path: Path) -> None:
    signed, _ = _announced()
    text = signed.document
    offset = text.index('"Film B"') + 6  # "Film B" -> "Film C"
    copy = tmp_path / "results.json"
    copy.write_text(text[:offset] + "C" + text[offset + 1 :])
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    ok, out = _verify(copy)
    assert not ok
    assert "signature does NOT match the content" in out
    assert f"first difference from the published document at line {line}, column {column}" in out
    assert '$.payload.rounds[1].awards[1].title: the file says "Film C", the signed results say "Film B"' in out


def test_one_changed_rank_fails_naming_it(tmp_path: Path) -> None:
    signed, _ = _announced()
    document = json.loads(signed.document)
    document["payload"]["rounds"][1]["awards"][2]["rank"] = 2
    copy = tmp_path / "results.json"
    copy.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    ok, out = _verify(copy)
    assert not ok
    assert "$.payload.rounds[1].awards[2].rank: the file says 2, the signed results say 3" in out


def test_a_byte_that_breaks_the_json_is_located(tmp_path: Path) -> None:
    signed, _ = _announced()
    copy = tmp_path / "results.json"
    copy.write_text(signed.document.replace('"payload": {', '"payload" {', 1))
    ok, out = _verify(copy)
    assert not ok
    assert "not valid JSON: Expecting ':' delimiter at line 2, column 13 (character 14)" in out


def test_another_key_does_not_verify(tmp_path: Path) -> None:
    signed, _ = _announced()
    copy = tmp_path / "results.json"
    copy.write_text(signed.document)
    other = signing.public_pem(signing.ensure_key("someone-else").public_key())
    ok, out = _verify(copy, "--public-key", other)
    assert not ok and "signature does NOT match the content" in out
