"""The tamper-evident audit trail: one hash chain per festival, appended under a lock.

Each ``AuditEvent`` stores ``seq`` (1, 2, 3... within its chain), ``prev_hash`` (the hash
of the event before it, "" for the first) and ``hash``: SHA-256 over a canonical JSON
serialisation of the event's content *and* ``prev_hash``. Changing any stored field of a
row breaks its own hash; deleting a row or slipping one in breaks the next row's link.
``AuditChain`` holds each chain's head (last ``seq`` and hash) so a truncated tail is
found too, and is the row writers lock while appending (PostgreSQL ``SELECT ... FOR
UPDATE``; SQLite runs every transaction ``IMMEDIATE``, so the write lock is already held).

Which festival an event belongs to is found from its target (the festival itself, or the
first of ``festival`` / ``edition`` / ``round`` / ``submission`` / ``judge`` / ``ballot``
that leads to one); events about nothing festival-specific (accounts) go to "global".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Case, Model, Value, When
from django.utils import timezone

from festival.models import AuditChain, AuditEvent, Edition, Festival

GLOBAL_CHAIN = "global"
# Attributes followed, in order, from a target towards its festival.
_PATHS = ("festival", "edition", "round", "submission", "judge", "ballot")
_MAX_DEPTH = 4


def chain_name(festival_id: int | None) -> str:
    return f"festival:{festival_id}" if festival_id else GLOBAL_CHAIN


def festival_id_of(target: Model, depth: int = 0) -> int | None:
    """The festival a target belongs to, following foreign keys (cached relations first)."""
    if isinstance(target, Festival):
        return int(target.pk)
    if isinstance(target, Edition):
        return int(target.festival_id)
    if depth >= _MAX_DEPTH:
        return None
    for name in _PATHS:
        if getattr(target, f"{name}_id", None) is None:
            continue
        if name == "festival":
            return int(target.festival_id)  # type: ignore[attr-defined]
        if name == "edition" and not _is_cached(target, name):
            edition_id = target.edition_id  # type: ignore[attr-defined]
            found = Edition.objects.filter(pk=edition_id).values_list("festival_id", flat=True)
            return next(iter(found), None)
        related = getattr(target, name)
        if isinstance(related, Model):
            return festival_id_of(related, depth + 1)
    return None


def _is_cached(target: Model, name: str) -> bool:
    field = target._meta.get_field(name)
    return bool(getattr(field, "is_cached", lambda _: False)(target))


def _canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: every stored field but ``id`` and ``hash``.

    JSON with sorted keys and no spaces, so the same content always gives the same bytes
    whatever the database did to the JSON columns' key order.
    """
    content = {
        "chain": event.chain,
        "seq": event.seq,
        "prev_hash": event.prev_hash,
        "created_at": _canonical_time(event.created_at),
        "actor": event.actor_id,
        "real_actor": event.real_actor_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "ip": event.ip,
        "before": event.before,
        "after": event.after,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def normalise_json(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the JSON column gives back (tuples become lists...), so the hash is computed once."""
    return None if value is None else json.loads(json.dumps(value))


def lock_chain(name: str) -> AuditChain:
    """The chain's head row, locked until the surrounding transaction ends."""
    AuditChain.objects.get_or_create(scope=name)
    if connection.features.has_select_for_update:
        return AuditChain.objects.select_for_update().get(scope=name)
    return AuditChain.objects.get(scope=name)


def _link(event: AuditEvent, *, after: AuditChain, at: datetime) -> None:
    """Make ``event`` the one after the chain's head ``after``: its place, time and hash."""
    event.seq = after.seq + 1
    event.prev_hash = after.head_hash
    event.created_at = at
    event.before = normalise_json(event.before)
    event.after = normalise_json(event.after)
    event.hash = event_hash(event)


def append(event: AuditEvent) -> AuditEvent:
    """Chain ``event`` (not yet saved) onto its chain's head and save both. Call inside a transaction."""
    head = lock_chain(event.chain)
    _link(event, after=head, at=timezone.now())
    event.save(force_insert=True)
    AuditChain.objects.filter(pk=head.pk).update(seq=event.seq, head_hash=event.hash)
    return event


def append_many(events: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Chain ``events`` (not yet saved, any chains mixed) in order and save them: a constant
    number of queries whatever their number (heads made if missing, locked in one ordered
    statement, events inserted in one, heads moved in one). Call inside a transaction."""
    if not events:
        return []
    names = sorted({event.chain for event in events})
    AuditChain.objects.bulk_create([AuditChain(scope=name) for name in names], ignore_conflicts=True)
    heads_qs = AuditChain.objects.filter(scope__in=names).order_by("scope")  # one lock order: no deadlock
    if connection.features.has_select_for_update:
        heads_qs = heads_qs.select_for_update()
    heads = {head.scope: head for head in heads_qs}
    now = timezone.now()
    for event in events:
        head = heads[event.chain]
        _link(event, after=head, at=now)
        head.seq, head.head_hash = event.seq, event.hash
    AuditEvent.objects.bulk_create(events)
    AuditChain.objects.filter(pk__in=[head.pk for head in heads.values()]).update(
        seq=Case(*(When(pk=head.pk, then=Value(head.seq)) for head in heads.values())),
        head_hash=Case(*(When(pk=head.pk, then=Value(head.head_hash)) for head in heads.values())),
    )
    return list(events)


def rechain(events: Iterable[AuditEvent]) -> Iterator[AuditEvent]:
    """Give events (in chain order, any chains mixed) their ``seq``, ``prev_hash`` and ``hash``."""
    heads: dict[str, tuple[int, str]] = {}
    for event in events:
        seq, prev = heads.get(event.chain, (0, ""))
        event.seq, event.prev_hash = seq + 1, prev
        event.hash = event_hash(event)
        heads[event.chain] = (event.seq, event.hash)
        yield event


@dataclass(frozen=True)
class Break:
    """The first place a chain does not hold: which event, and what is wrong with it."""

    chain: str
    event_id: int | None
    seq: int
    problem: str

    def __str__(self) -> str:
        where = f"event #{self.event_id} (seq {self.seq})" if self.event_id else f"seq {self.seq}"
        return f"chain {self.chain}: {where}: {self.problem}"


def verify_chain(name: str, *, chunk: int = 2000) -> tuple[int, Break | None]:
    """Recompute one chain; the number of events checked and the first break (None: intact)."""
    expected_seq, prev_hash, checked = 1, "", 0
    events = AuditEvent.objects.filter(chain=name).order_by("seq", "id").iterator(chunk_size=chunk)
    for event in events:
        checked += 1
        if event.seq < expected_seq:
            return checked, Break(
                name, event.pk, event.seq, f"inserted out of order (a second event at seq {event.seq})"
            )
        if event.seq > expected_seq:
            missing = f"seq {expected_seq}" if event.seq == expected_seq + 1 else f"seq {expected_seq}–{event.seq - 1}"
            return checked, Break(name, event.pk, event.seq, f"the event(s) before it were deleted ({missing} missing)")
        if event_hash(event) != event.hash:
            return checked, Break(name, event.pk, event.seq, "edited: its content no longer matches its hash")
        if event.prev_hash != prev_hash:
            return checked, Break(
                name, event.pk, event.seq, "inserted out of order: it does not chain onto the event before it"
            )
        prev_hash, expected_seq = event.hash, expected_seq + 1
    head = AuditChain.objects.filter(scope=name).first()
    if head is not None and (head.seq, head.head_hash) != (expected_seq - 1, prev_hash):
        if head.seq >= expected_seq:
            problem = f"the last event(s) were deleted (the chain's head is at seq {head.seq})"
        else:
            problem = "the chain's head does not match its last event"
        return checked, Break(name, None, expected_seq, problem)
    return checked, None


def chains(festival: Festival | None = None) -> list[str]:
    if festival is not None:
        return [chain_name(festival.pk)]
    names = set(AuditChain.objects.values_list("scope", flat=True))
    names |= set(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct())
    return sorted(names)


def head_of(festival_id: int) -> tuple[int, str]:
    """The chain head (seq, hash) of a festival right now: what signed results cite."""
    head = AuditChain.objects.filter(scope=chain_name(festival_id)).first()
    return (head.seq, head.head_hash) if head else (0, "")
