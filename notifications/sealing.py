"""Encrypt the sendable copy of a message whose text holds a secret (an invitation link)."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from notifications.rendering import Rendered


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"laurel.notifications.sealed:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(rendered: Rendered) -> str:
    data = json.dumps({"subject": rendered.subject, "text": rendered.text, "html": rendered.html})
    return _fernet().encrypt(data.encode()).decode()


def unseal(token: str) -> Rendered | None:
    """The sealed copy, or None when it cannot be read (SECRET_KEY changed)."""
    try:
        data = json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return None
    return Rendered(subject=data["subject"], text=data["text"], html=data["html"])
