"""The outbox through a real SMTP server: messages per second and the sender's peak memory.

Run: ``.venv/bin/python bench/notifications_bench.py [small] [large]`` (default 1,000 and
10,000 recipients). For each size it creates that many entrants, composes one outbox
message to all of them and runs the whole send in this process (fan-out by pages, then
batches of ``LAUREL_MAIL_BATCH`` on one SMTP connection each, every message claimed and
recorded) against an aiosmtpd server process that writes each message to disk. It prints
messages/s and the peak of Python memory allocated while sending (tracemalloc), which must
stay flat as the audience grows. A throw-away test database (DATABASE_URL, else SQLite).
Not a timed test.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(size: int, folder: Path) -> tuple[float, float, int]:
    from festival.models import User
    from notifications import outbox
    from notifications.models import Broadcast, Message, MessageState
    from submissions.models import Submission, SubmissionState
    from tests.factories import EditionFactory, OrganizerFactory

    organizer = OrganizerFactory.create()
    edition = EditionFactory.create(festival=organizer.festival)
    prefix = f"b{size}-"
    User.objects.bulk_create(
        (User(email=f"{prefix}{n:06d}@example.org", full_name=f"Entrant {n}", password="!") for n in range(size)),  # noqa: S106
        batch_size=2000,
    )
    entrants = User.objects.filter(email__startswith=prefix).order_by("pk").values_list("pk", flat=True)
    Submission.objects.bulk_create(
        (Submission(edition=edition, entrant_id=pk, title="Film", state=SubmissionState.SUBMITTED) for pk in entrants),
        batch_size=2000,
    )
    broadcast = outbox.compose_broadcast(
        edition=edition,
        author=organizer.user,
        subject="Screenings",
        body="Dear {{ recipient_name }}, your film screens on Friday at {{ site_url }}.",
        audience={"kind": "entrants", "state": "submitted"},
        hold=True,
    )
    before = len(list(folder.glob("*.eml")))
    started = time.perf_counter()
    outbox.release_broadcast(broadcast=broadcast, actor=organizer.user)  # fan-out + sending, eagerly
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # this process only ran this size
    sent = Message.objects.filter(broadcast=broadcast, state=MessageState.SENT).count()
    delivered = len(list(folder.glob("*.eml"))) - before
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT
    assert sent == delivered == size, (sent, delivered, size)
    return size / elapsed, peak / 2**20, delivered


def main() -> None:
    if sys.argv[1:2] != ["--one"]:
        # Each size in a process of its own, so each peak resident memory is its own.
        sizes = [int(a) for a in sys.argv[1:3]] or [1000, 10000]
        results = {}
        for size in sizes:
            out = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True)
            line = [text for text in out.stdout.splitlines() if text.startswith("RESULT ")]
            if not line:
                raise SystemExit(out.stdout + out.stderr)
            _tag, rate, peak, delivered = line[0].split()
            results[size] = (float(rate), float(peak))
            print(
                f"  N={size:>6}: {delivered} delivered, {float(rate):,.0f} messages/s,"
                f" sender peak RSS {float(peak):.1f} MiB"
            )
        small, large = sizes[0], sizes[-1]
        print(
            f"  {large}/{small} recipients: peak memory x{results[large][1] / results[small][1]:.2f}, "
            f"rate x{results[large][0] / results[small][0]:.2f}"
        )
        return
    sizes = [int(sys.argv[2])]
    from festival.celery import app

    app.conf.task_always_eager = True  # the sender runs here, so its memory is what we measure
    work = Path(tempfile.mkdtemp(prefix="laurel-mail-bench-"))
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/notifications/smtp_sink.py"), str(port), str(work)],
        stdout=subprocess.PIPE,
    )
    assert sink.stdout is not None and sink.stdout.readline().strip() == b"ready"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    setup_test_environment()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # after the test environment's locmem
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"outbox to N entrants through aiosmtpd on {connection.vendor}, batches of {settings.LAUREL_MAIL_BATCH}")
        sys.stdout.flush()
        for size in sizes:
            speed, top, count = run(size, work)
            print(f"RESULT {speed:.2f} {top:.2f} {count}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        sink.terminate()
        sink.wait()
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
