"""The tamper-evident audit trail: hash chains per festival, verify_audit, concurrent writers."""

from __future__ import annotations

import importlib
import threading

import pytest
from django.apps import apps as global_apps
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.models import F

from festival import audit
from festival.models import AuditChain, AuditEvent, Festival
from festival.services import record_audit
from tests.factories import EditionFactory, FestivalFactory, UserFactory

pytestmark = pytest.mark.django_db


def _events(festival: Festival, n: int) -> list[AuditEvent]:
    actor = UserFactory.create()
    edition = EditionFactory.create(festival=festival)
    return [
        record_audit(actor=actor, action=f"test.step{i}", target=edition, after={"i": i, "nested": {"b": 1, "a": [i]}})
        for i in range(n)
    ]


def _verify(festival: Festival) -> str:
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_audit", "--festival", festival.slug, stdout=out)
    except CommandError as exc:
        return out.getvalue() + f"ERROR {exc}"
    return out.getvalue()


def test_events_chain_per_festival_from_their_target() -> None:
    one, two = FestivalFactory.create(), FestivalFactory.create()
    first = _events(one, 3)
    other = _events(two, 1)
    assert [(e.chain, e.seq) for e in first] == [(f"festival:{one.pk}", s) for s in (1, 2, 3)]
    assert first[0].prev_hash == "" and first[1].prev_hash == first[0].hash and first[2].prev_hash == first[1].hash
    assert (other[0].chain, other[0].seq, other[0].prev_hash) == (f"festival:{two.pk}", 1, "")
    assert AuditChain.objects.get(scope=f"festival:{one.pk}").head_hash == first[2].hash
    assert _verify(one) == f"chain festival:{one.pk}: 3 events, intact\n"


def test_the_stored_row_hashes_to_what_was_computed() -> None:
    festival = FestivalFactory.create()
    event = _events(festival, 1)[0]
    stored = AuditEvent.objects.get(pk=event.pk)
    assert audit.event_hash(stored) == event.hash == stored.hash


def test_a_row_edited_in_the_database_is_named() -> None:
    festival = FestivalFactory.create()
    events = _events(festival, 4)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE festival_auditevent SET after = %s WHERE id = %s", ['{"i": 99}', events[2].pk])
    assert _verify(festival) == (
        f"BROKEN chain festival:{festival.pk}: event #{events[2].pk} (seq 3): edited: its content no longer "
        "matches its hash\nERROR 1 audit chain(s) broken."
    )


def test_a_deleted_row_is_named_by_the_gap() -> None:
    festival = FestivalFactory.create()
    events = _events(festival, 4)
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    assert f"event #{events[2].pk} (seq 3): the event(s) before it were deleted (seq 2 missing)" in _verify(festival)


def test_a_deleted_last_row_is_found_from_the_head() -> None:
    festival = FestivalFactory.create()
    events = _events(festival, 3)
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    assert "seq 3: the last event(s) were deleted (the chain's head is at seq 3)" in _verify(festival)


def test_a_row_inserted_out_of_order_is_named() -> None:
    festival = FestivalFactory.create()
    events = _events(festival, 3)
    # Slip a forged event in at seq 3, chained onto seq 1 with a hash of its own that checks out.
    AuditEvent.objects.filter(pk=events[2].pk).update(seq=4)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.pk, forged.action, forged.seq, forged.prev_hash = None, "test.forged", 3, events[0].hash
    forged.hash = audit.event_hash(forged)
    forged.save()
    assert f"event #{forged.pk} (seq 3): inserted out of order: it does not chain onto the event before it" in (
        _verify(festival)
    )


def test_the_migration_chains_existing_events() -> None:
    festival = FestivalFactory.create()
    events = _events(festival, 3)
    AuditEvent.objects.update(chain="global", seq=F("id"), prev_hash="", hash="")
    AuditChain.objects.all().delete()
    migration = importlib.import_module("festival.migrations.0003_e_audit_chain")
    migration.chain_existing_events(global_apps, None)
    assert list(AuditEvent.objects.order_by("id").values_list("chain", "seq")) == [
        (f"festival:{festival.pk}", i) for i in (1, 2, 3)
    ]
    assert _verify(festival) == f"chain festival:{festival.pk}: 3 events, intact\n"
    assert events


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(postgres_db: None) -> None:
    festival = FestivalFactory.create()
    edition = EditionFactory.create(festival=festival)
    actor = UserFactory.create()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            barrier.wait()
            for i in range(10):
                record_audit(actor=actor, action="test.concurrent", target=edition, after={"i": i})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(
        AuditEvent.objects.filter(chain=f"festival:{festival.pk}").order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == list(range(1, 41))
    assert audit.verify_chain(f"festival:{festival.pk}") == (40, None)
