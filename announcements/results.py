"""An edition's ``results.json``: what was announced, signed with the festival's key, and checked.

The payload holds every announced round (which entries advanced), the final's award
ladder (tier, rank, entry), every tie decision (the order, the reason, when), and the
festival's audit chain head (seq and hash) at the moment of signing, so the published
ladder can be tied to the audit trail that produced it. Titles appear only for entries
whose entrant consented to public listing; the others are known by their entry number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from announcements import signing
from announcements.models import Announcement, Outcome, OutcomeKind, PublicConsent
from festival import audit
from festival.models import Edition
from judging.final.selectors import final_outcome
from judging.models import Round, RoundKind

FORMAT = "laurel.results/1"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def build_payload(edition: Edition, *, now: datetime) -> dict[str, Any]:
    """The content of ``results.json`` for the edition's announced rounds (a few queries per round)."""
    festival = edition.festival
    public = dict(
        PublicConsent.objects.filter(submission__edition=edition).values_list("submission_id", "submission__title")
    )

    def entry(pk: int) -> dict[str, Any]:
        return {"entry": pk, "title": public.get(pk)}

    rounds = []
    announcements = (
        Announcement.objects.filter(round__edition=edition, announced_at__isnull=False)
        .select_related("round")
        .order_by("round__position")
    )
    for announcement in announcements:
        round: Round = announcement.round
        outcomes = list(
            Outcome.objects.filter(announcement=announcement)
            .select_related("tier", "advanced_to")
            .order_by("rank", "submission_id")
        )
        block: dict[str, Any] = {
            "round": round.name,
            "kind": round.kind,
            "position": round.position,
            "announced_at": _iso(announcement.announced_at),
            "entries": len(outcomes),
        }
        if round.kind == RoundKind.FINAL:
            block["awards"] = [
                {**entry(o.submission_id), "rank": o.rank, "tier": o.tier.name if o.tier else None}
                for o in outcomes
                if o.kind == OutcomeKind.AWARD
            ]
            block["finalists"] = sorted(o.submission_id for o in outcomes)
            decided = final_outcome(round)
            block["tie_decisions"] = [
                {
                    "entries": sorted(int(e) for e in d.group_key.split(",")),
                    "order": [int(e) for e in d.order],
                    "reason": d.reason,
                    "decided_at": _iso(d.decided_at),
                }
                for d in decided.decisions
            ]
        else:
            block["advanced"] = sorted(
                o.submission_id
                for o in outcomes
                if o.kind in (OutcomeKind.ADVANCED, OutcomeKind.FINALIST, OutcomeKind.OFFICIAL_SELECTION)
            )
        rounds.append(block)
    seq, head_hash = audit.head_of(festival.pk)
    return {
        "format": FORMAT,
        "festival": {"name": festival.name, "slug": festival.slug},
        "edition": {"name": edition.name, "slug": edition.slug, "year": edition.year},
        "signed_at": _iso(now),
        "rounds": rounds,
        "audit": {"chain": audit.chain_name(festival.pk), "seq": seq, "head_hash": head_hash},
    }


def sign_document(edition: Edition, *, now: datetime) -> tuple[str, str]:
    """The signed ``results.json`` text and the key id it was signed with."""
    key = signing.ensure_key(edition.festival.slug)
    return signing.sign(build_payload(edition, now=now), key), signing.key_id(key.public_key())


# --- checking a downloaded copy -------------------------------------------------------


@dataclass(frozen=True)
class Check:
    ok: bool
    lines: list[str]


def _differences(path: str, mine: Any, theirs: Any, out: list[str], limit: int = 20) -> None:
    if len(out) >= limit:
        return
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for key in sorted(set(mine) | set(theirs)):
            if key not in theirs:
                out.append(f"{path}.{key}: in the file, not in the signed results")
            elif key not in mine:
                out.append(f"{path}.{key}: missing from the file")
            else:
                _differences(f"{path}.{key}", mine[key], theirs[key], out, limit)
    elif isinstance(mine, list) and isinstance(theirs, list):
        for index in range(max(len(mine), len(theirs))):
            if index >= len(theirs):
                out.append(f"{path}[{index}]: in the file, not in the signed results")
            elif index >= len(mine):
                out.append(f"{path}[{index}]: missing from the file")
            else:
                _differences(f"{path}[{index}]", mine[index], theirs[index], out, limit)
    elif mine != theirs or type(mine) is not type(theirs):
        out.append(f"{path}: the file says {json.dumps(mine)}, the signed results say {json.dumps(theirs)}")


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def check_document(text: str, *, public_key: str | None, reference: str | None) -> Check:
    """Check a downloaded ``results.json``: parses, signature holds, and what differs from ours.

    ``public_key`` (PEM or base64) defaults to the festival's own key; ``reference`` is the
    document as published, used to name each place where the copy differs.
    """
    lines: list[str] = []
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        lines.append(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} (character {exc.pos})")
        document = None
    if document is not None and not (isinstance(document, dict) and isinstance(document.get("payload"), dict)):
        lines.append("not a results document: no payload object")
        document = None
    ok = False
    if document is not None:
        try:
            key = signing.load_public_key(public_key) if public_key else _festival_key(document)
        except signing.SigningKeyError as exc:
            return Check(False, [str(exc)])
        ok = signing.signature_holds(document, key)
        if ok:
            lines.append(f"signature valid (Ed25519, key {signing.key_id(key)})")
        else:
            lines.append(f"signature does NOT match the content (Ed25519, key {signing.key_id(key)})")
    same = reference is None or text == reference or (document is not None and document == json.loads(reference))
    if not same and reference is not None:
        offset = next((i for i, (a, b) in enumerate(zip(text, reference, strict=False)) if a != b), None)
        if offset is None:
            offset = min(len(text), len(reference))
        lines.append(f"first difference from the published document at {_position(text, offset)}")
        if document is not None:
            found: list[str] = []
            _differences("$", document, json.loads(reference), found)
            lines.extend(found)
    return Check(ok and same, lines)


def _festival_key(document: dict[str, Any]) -> signing.Ed25519PublicKey:
    slug = str((document["payload"].get("festival") or {}).get("slug", ""))
    path = signing.key_path(slug)
    if not slug or not path.exists():
        raise signing.SigningKeyError(f"No key for festival {slug!r} here; pass --public-key.")
    return signing.ensure_key(slug).public_key()
