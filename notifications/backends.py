"""The embedded default's mail backend: one ``.eml`` file per message under ``var/mail/``.

The local mail page (``/dev/mail/``) lists these files, so a demo's verification e-mails and
notifications can be read in the browser without a mail server.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone


def mail_folder() -> Path:
    return Path(settings.LAUREL_MAIL_FOLDER)


class MailFolderBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.folder = mail_folder()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            partial = self.folder / f".{name}.tmp"
            partial.write_bytes(message.message().as_bytes(linesep="\n"))
            partial.replace(self.folder / name)  # the page never sees half a file
            count += 1
        return count
