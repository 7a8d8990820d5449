"""Reads of the notifications app: a person's messages, the local mail folder."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.db.models import QuerySet

from festival.models import User
from notifications.backends import mail_folder
from notifications.models import Message


def messages_for(user: User) -> QuerySet[Message]:
    return Message.objects.filter(recipient=user).exclude(state="held").order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return messages_for(user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class StoredMail:
    name: str
    subject: str
    to: str
    sender: str
    date: datetime | None
    text: str
    headers: list[tuple[str, str]]


def _parse(path: Path) -> StoredMail:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    part = parsed.get_body(preferencelist=("plain",))
    text = part.get_content() if part is not None else ""
    try:
        date = parsedate_to_datetime(str(parsed["Date"])) if parsed["Date"] else None
    except (TypeError, ValueError):
        date = None
    return StoredMail(
        name=path.name,
        subject=str(parsed["Subject"] or ""),
        to=str(parsed["To"] or ""),
        sender=str(parsed["From"] or ""),
        date=date,
        text=str(text),
        headers=[(k, str(v)) for k, v in parsed.items()],
    )


def stored_mail(*, limit: int = 100) -> list[StoredMail]:
    """The newest ``limit`` messages the embedded default wrote to its mail folder."""
    folder = mail_folder()
    if not folder.is_dir():
        return []
    names = sorted((p for p in folder.iterdir() if p.suffix == ".eml"), key=lambda p: p.name, reverse=True)
    return [_parse(path) for path in names[:limit]]


def stored_mail_named(name: str) -> StoredMail | None:
    path = mail_folder() / name
    if "/" in name or name.startswith(".") or path.suffix != ".eml" or not path.is_file():
        return None
    return _parse(path)
