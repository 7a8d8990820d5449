"""Each festival's Ed25519 results key, and signing / checking a ``results.json`` document.

The private key lives in a PEM file (mode 0600) under ``settings.RESULTS_SIGNING_KEY_DIR``
(default ``var/keys/``, never in the repository; on several hosts point it at a shared
secret mount). It is generated at set-up (``manage.py results_keys``, which ``seed_demo``
runs too) or, failing that, at the first signing. The public key is served at
``/.well-known/laurel/<festival>/results-key.pem``.

The signature covers the canonical JSON of the document's ``payload`` (sorted keys, no
spaces, UTF-8), so re-indenting the file does not break it but any change of content does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

ALGORITHM = "Ed25519"


class SigningKeyError(Exception):
    """A key file or a public key given on the command line cannot be used."""


def key_path(festival_slug: str) -> Path:
    return Path(settings.RESULTS_SIGNING_KEY_DIR) / f"{festival_slug}.ed25519.pem"


def ensure_key(festival_slug: str) -> Ed25519PrivateKey:
    """The festival's private key, generated (and written 0600) the first time."""
    path = key_path(festival_slug)
    if path.exists():
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise SigningKeyError(f"{path} does not hold an Ed25519 private key.")
        return loaded
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # O_EXCL: two hosts (or workers) racing to create it keep the first one's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return ensure_key(festival_slug)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key as PEM, or as the base64 of its 32 raw bytes."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            loaded = serialization.load_pem_public_key(text.encode())
            if isinstance(loaded, Ed25519PublicKey):
                return loaded
            raise SigningKeyError("The public key is not an Ed25519 key.")
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"Not an Ed25519 public key (PEM or base64 of 32 bytes): {exc}") from exc


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(payload: dict[str, Any], key: Ed25519PrivateKey) -> str:
    """The published document: the payload and its detached signature, indented for reading."""
    signature = base64.b64encode(key.sign(canonical(payload))).decode()
    document = {
        "payload": payload,
        "signature": {"algorithm": ALGORITHM, "key_id": key_id(key.public_key()), "value": signature},
    }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def signature_holds(document: dict[str, Any], key: Ed25519PublicKey) -> bool:
    signature = document.get("signature")
    payload = document.get("payload")
    if not isinstance(signature, dict) or not isinstance(payload, dict):
        return False
    try:
        key.verify(base64.b64decode(str(signature.get("value", "")), validate=True), canonical(payload))
    except (InvalidSignature, ValueError):
        return False
    return True
