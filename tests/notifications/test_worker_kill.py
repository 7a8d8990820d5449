"""A real worker, Redis and an SMTP server process: kill -9 the worker mid-outbox, lose nothing,
duplicate nothing but (at most) the one message whose SMTP transaction the kill interrupted."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from festival.models import User
from notifications import outbox, tasks
from notifications.models import Broadcast, Message, MessageState
from submissions.models import Submission, SubmissionState
from tests.conftest import start_worker
from tests.factories import EditionFactory, OrganizerFactory
from tests.notifications.conftest import SmtpServer, free_port

pytestmark = pytest.mark.services

RECIPIENTS = 1000


def _audience(count: int) -> Any:
    organizer = OrganizerFactory.create()
    edition = EditionFactory.create(festival=organizer.festival)
    users = User.objects.bulk_create(
        User(email=f"entrant{n:05d}@example.org", full_name=f"Entrant {n}", password="!") for n in range(count)
    )
    if users[0].pk is None:  # backends that do not return ids from bulk inserts
        users = list(User.objects.filter(email__startswith="entrant").order_by("pk"))
    Submission.objects.bulk_create(
        Submission(edition=edition, entrant=user, title=f"Film {n}", state=SubmissionState.SUBMITTED)
        for n, user in enumerate(users)
    )
    return organizer.user, edition


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_killing_the_worker_mid_outbox_loses_nothing_and_duplicates_only_the_interrupted_send(
    redis_url: str, transactional_db: None, tmp_path: Path, settings: Any
) -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail("the broker of the test process is not Redis although REDIS_URL is set")
    server = SmtpServer(port=free_port(), folder=tmp_path / "smtp")
    server.start()
    settings.LAUREL_MAIL_LEASE_SECONDS = 3
    settings.LAUREL_MAIL_SWEEP_GRACE = timedelta(0)
    env = {
        "EMAIL_URL": f"smtp://127.0.0.1:{server.port}",
        "LAUREL_MAIL_LEASE_SECONDS": "3",
        "LAUREL_MAIL_BATCH": "50",
        "LAUREL_MAIL_RATE_PER_CONNECTION": "250",
    }
    first = start_worker(tmp_path, extra_env=env, name="m1")
    try:
        author, edition = _audience(RECIPIENTS)
        broadcast = outbox.compose_broadcast(
            edition=edition,
            author=author,
            subject="Screenings",
            body="Dear {{ recipient_name }}, see you on Friday.",
            audience={"kind": "entrants", "state": "submitted"},
            hold=False,
        )
        _wait(lambda: len(list(server.folder.glob("*.eml"))) >= 300, 120, "300 deliveries")
        first.kill_tree()
    finally:
        first.stop()
    killed_at = len(list(server.folder.glob("*.eml")))
    assert killed_at < RECIPIENTS, "the worker finished before it was killed"
    second = start_worker(tmp_path, extra_env=env, name="m2")
    try:

        def done() -> bool:
            tasks.sweep()  # what beat runs every minute: abandoned claims and stale fan-outs
            return Message.objects.filter(broadcast=broadcast, state=MessageState.SENT).count() == RECIPIENTS

        _wait(done, 180, "every message sent")
        time.sleep(2)  # late duplicates of tasks (redelivered, swept twice) would land now
    finally:
        second.stop()
        server.stop()
    delivered = Counter(str(mail["X-Envelope-To"]) for mail in server.received())
    assert len(delivered) == RECIPIENTS  # nobody lost
    ids = Counter(str(mail["Message-ID"]) for mail in server.received())
    assert len(ids) == RECIPIENTS  # every copy of a message carries that message's one Message-ID
    # The one window SMTP cannot close: the server accepted the message and the worker died
    # before recording it. Only a message whose attempt the kill interrupted (left "sending")
    # may arrive twice, with the same Message-ID; every other message arrives exactly once.
    interrupted = set(
        Message.objects.filter(broadcast=broadcast, delivery_attempts__outcome="sending").values_list(
            "to_address", flat=True
        )
    )
    twice = {address for address, n in delivered.items() if n > 1}
    assert twice <= interrupted and len(interrupted) <= 1, (twice, interrupted)
    assert max(delivered.values()) <= 2
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT
    assert Message.objects.filter(broadcast=broadcast).count() == RECIPIENTS
    print(f"killed after {killed_at} of {RECIPIENTS} deliveries; delivered twice: {sorted(twice) or 'none'}")
