"""The scheduled purge of expired uploads: in batches of a constant cost, each its own
transaction, and safe when two workers purge at once."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from festival import audit
from festival.models import AuditEvent
from submissions import audit_actions
from submissions.models import Submission, Upload
from submissions.uploads import services
from tests.factories import SubmissionFactory
from tests.races import race

# Per batch: its select of locked rows, the audit (chain heads made, locked, events inserted,
# heads moved), the delete, and the batch's savepoint and its release.
QUERIES_PER_BATCH = 8
QUERIES_PER_EMPTY_BATCH = 3  # the select, the savepoint and its release


def expired_uploads(count: int, *, submissions: list[Submission]) -> list[Upload]:
    """``count`` uploads that expired a minute ago, spread over ``submissions`` (round robin)."""
    expired = timezone.now() - timedelta(minutes=1)
    return Upload.objects.bulk_create(
        Upload(submission=submissions[i % len(submissions)], owner=submissions[i % len(submissions)].entrant,
               length=10, expires_at=expired)
        for i in range(count)
    )  # fmt: skip


def select_batches(captured: CaptureQueriesContext) -> int:
    return sum(
        1
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "submissions_upload"' in q["sql"]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "batch_size"), [(7, 3), (9, 3), (2, 5)])
def test_expired_uploads_are_purged_in_batches_of_a_constant_cost(
    count: int, batch_size: int, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # Two festivals: two audit chains in every batch, still the same queries.
    submissions = [SubmissionFactory.create(), SubmissionFactory.create()]
    live = Upload.objects.create(
        submission=submissions[0],
        owner=submissions[0].entrant,
        length=10,
        expires_at=timezone.now() + timedelta(days=1),
    )
    uploads = expired_uploads(count, submissions=submissions)
    full, rest = divmod(count, batch_size)
    batches = math.ceil(count / batch_size)

    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as captured:
        assert services.purge_expired_uploads(batch_size=batch_size) == count

    # A last full batch is followed by one empty look.
    assert select_batches(captured) == batches + (rest == 0)
    assert len(captured) == batches * QUERIES_PER_BATCH + (rest == 0) * QUERIES_PER_EMPTY_BATCH
    assert list(Upload.objects.values_list("pk", flat=True)) == [live.pk]
    events = AuditEvent.objects.filter(action=audit_actions.UPLOAD_EXPIRE)
    assert sorted(events.values_list("target_id", flat=True)) == sorted(str(u.pk) for u in uploads)
    assert events.count() == count and full * batch_size + rest == count
    for submission in submissions:
        chain = audit.chain_name(submission.edition.festival_id)
        checked, broken = audit.verify_chain(chain)
        assert broken is None and checked >= events.filter(chain=chain).count()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_purges_at_once_never_discard_an_upload_twice(postgres_db: None, media_root: Path) -> None:
    submissions = [SubmissionFactory.create(), SubmissionFactory.create()]
    uploads = expired_uploads(60, submissions=submissions)

    results = race(lambda: services.purge_expired_uploads(batch_size=4))

    assert all(isinstance(r, int) for r in results), results
    assert sum(r for r in results if isinstance(r, int)) == 60
    assert Upload.objects.count() == 0
    events = AuditEvent.objects.filter(action=audit_actions.UPLOAD_EXPIRE)
    assert sorted(events.values_list("target_id", flat=True)) == sorted(str(u.pk) for u in uploads)
    for submission in submissions:
        assert audit.verify_chain(audit.chain_name(submission.edition.festival_id))[1] is None
