"""The Celery application shared by every Laurel worker host.

Two queues: ``default`` for short bookkeeping tasks and ``media`` for ffmpeg work, so a
long transcode never delays an e-mail or a reaper run. Workers take one message at a time
(prefetch 1) and acknowledge it only when the task has finished (``acks_late``), so a
worker killed mid-task leaves its message for another worker instead of losing it.
"""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")

app = Celery("laurel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("media"))
app.autodiscover_tasks()
