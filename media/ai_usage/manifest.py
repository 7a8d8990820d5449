"""Reading a film's C2PA manifest store with c2pa-python into a plain summary.

The reader never goes to the network for an upload: remote manifests and OCSP fetching are
off, so an entrant cannot make a worker fetch a URL of their choosing. Trust is decided
against the PEM bundle in ``settings.LAUREL_C2PA_TRUST_ANCHORS`` (none by default: every
valid signature is then reported as "untrusted", which is still evidence).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from media.models import C2PAState

logger = logging.getLogger(__name__)

# IPTC digital source types that say the picture was made by a trained model.
AI_SOURCE_TYPES = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"})
UNTRUSTED_CODES = frozenset({"signingCredential.untrusted"})
_CHILD = Path(__file__).with_name("c2pa_child.py")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_MAX_ITEMS = 50  # a hostile manifest may carry thousands of actions; keep the summary small
_MAX_TEXT = 300

# ffprobe format names of containers c2pa reads; Matroska/WebM and MPEG-TS carry no C2PA.
_C2PA_MIME_BY_FORMAT = {"mov": "video/mp4", "mp4": "video/mp4", "m4a": "video/mp4", "avi": "video/x-msvideo"}


@dataclass(frozen=True)
class ManifestEvidence:
    state: str  # a C2PAState value
    summary: dict[str, Any] = field(default_factory=dict)
    # Every generator-ish string found (claim generators, software agents), for tool matching.
    generator_texts: tuple[tuple[str, str], ...] = ()  # (where, text)
    digital_source_types: tuple[str, ...] = ()


def _text(value: Any) -> str:
    return str(value)[:_MAX_TEXT] if value is not None else ""


def short_source_type(value: str) -> str:
    """``http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia`` → the last segment."""
    return value.rstrip("/").rsplit("/", 1)[-1]


@lru_cache(maxsize=4)
def _context_settings(anchors_path: str) -> str:
    verify: dict[str, Any] = {"remote_manifest_fetch": False, "ocsp_fetch": False}
    config: dict[str, Any] = {"verify": verify}
    if anchors_path:
        config["trust"] = {"user_anchors": Path(anchors_path).read_text()}
    return json.dumps(config)


def _generator_of(manifest: dict[str, Any]) -> str:
    infos = manifest.get("claim_generator_info") or []
    names = []
    for info in infos[:_MAX_ITEMS] if isinstance(infos, list) else []:
        if isinstance(info, dict) and info.get("name"):
            names.append(" ".join(_text(info.get(k)) for k in ("name", "version") if info.get(k)))
    if names:
        return "; ".join(names)
    return _text(manifest.get("claim_generator"))


def _actions_of(manifest: dict[str, Any]) -> list[dict[str, str]]:
    actions: list[dict[str, str]] = []
    for assertion in (manifest.get("assertions") or [])[:_MAX_ITEMS]:
        if not isinstance(assertion, dict) or not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in ((assertion.get("data") or {}).get("actions") or [])[:_MAX_ITEMS]:
            if not isinstance(action, dict):
                continue
            agent = action.get("softwareAgent")
            if isinstance(agent, dict):
                agent = " ".join(_text(agent.get(k)) for k in ("name", "version") if agent.get(k))
            actions.append(
                {
                    "action": _text(action.get("action")),
                    "digital_source_type": _text(action.get("digitalSourceType")),
                    "software_agent": _text(agent),
                }
            )
    return actions


def summarise_store(store: dict[str, Any]) -> ManifestEvidence:
    """The parts of a manifest store (``Reader.json()``) organizers need, and its state."""
    manifests: dict[str, Any] = store.get("manifests") or {}
    active_label = str(store.get("active_manifest") or "")
    active: dict[str, Any] = manifests.get(active_label) or {}
    failures = [
        {"code": _text(status.get("code")), "explanation": _text(status.get("explanation"))}
        for status in (store.get("validation_status") or [])[:_MAX_ITEMS]
        if isinstance(status, dict)
    ]
    failure_codes = {failure["code"] for failure in failures}
    raw_state = str(store.get("validation_state") or "")
    if raw_state == "Trusted":
        state = C2PAState.TRUSTED
    elif raw_state == "Valid":
        state = C2PAState.UNTRUSTED
    elif raw_state == "Invalid" or not failure_codes <= UNTRUSTED_CODES:
        state = C2PAState.INVALID
    else:  # no overall state given: judge by the failure codes alone
        state = C2PAState.UNTRUSTED

    generator_texts: list[tuple[str, str]] = []
    source_types: list[str] = []
    summaries = []
    # Ingredient manifests count too: a Premiere edit of a Sora clip names Sora only there.
    for label, manifest in list(manifests.items())[:_MAX_ITEMS]:
        if not isinstance(manifest, dict):
            continue
        where = "active manifest" if label == active_label else "ingredient manifest"
        generator = _generator_of(manifest)
        if generator:
            generator_texts.append((f"{where} claim generator", generator))
        actions = _actions_of(manifest)
        for action in actions:
            if action["software_agent"]:
                generator_texts.append((f"{where} {action['action']} software agent", action["software_agent"]))
            if action["digital_source_type"]:
                source_types.append(short_source_type(action["digital_source_type"]))
        summaries.append({"label": _text(label), "active": label == active_label, "generator": generator})

    signature = active.get("signature_info") or {}
    summary = {
        "state": str(state),
        "validation_state": raw_state,
        "claim_generator": _generator_of(active),
        "title": _text(active.get("title")),
        "signer": _text(signature.get("common_name")),
        "issuer": _text(signature.get("issuer")),
        "signed_at": _text(signature.get("time")),
        "actions": _actions_of(active),
        "digital_source_types": sorted(set(source_types)),
        "ingredients": [
            {
                "title": _text(ingredient.get("title")),
                "format": _text(ingredient.get("format")),
                "relationship": _text(ingredient.get("relationship")),
            }
            for ingredient in (active.get("ingredients") or [])[:_MAX_ITEMS]
            if isinstance(ingredient, dict)
        ],
        "manifests": summaries,
        "validation_failures": failures,
    }
    return ManifestEvidence(
        state=state,
        summary=summary,
        generator_texts=tuple(generator_texts),
        digital_source_types=tuple(sorted(set(source_types))),
    )


def c2pa_mime(format_name: str) -> str | None:
    """The MIME type to read C2PA with, from ffprobe's ``format_name`` ("mov,mp4,m4a,..."); None if unsupported."""
    for name in format_name.split(","):
        mime = _C2PA_MIME_BY_FORMAT.get(name.strip())
        if mime:
            return mime
    return None


def _limit_child(megabytes: int) -> None:
    """In the child between fork and exec: an address-space cap, no core dump, die with the worker."""
    resource.setrlimit(resource.RLIMIT_AS, (megabytes * 1024 * 1024, megabytes * 1024 * 1024))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _malformed(error: str) -> ManifestEvidence:
    return ManifestEvidence(state=C2PAState.MALFORMED, summary={"state": "malformed", "error": _text(error)})


def read_manifest(path: Path, *, format_name: str) -> ManifestEvidence:
    """The C2PA evidence of the file at ``path``: none, a summary, or "malformed"; never raises for the file.

    ``format_name`` is the probe's (the file was already validated by the pipeline), so
    the container is not guessed from an entrant-chosen extension. The native reader runs
    in a child process with a timeout (scaled to the file's size, since validation hashes
    the whole file) and a memory cap.
    """
    mime = c2pa_mime(format_name)
    if mime is None:
        return ManifestEvidence(state=C2PAState.NONE, summary={"state": "none", "note": "container carries no C2PA"})
    # A broken trust-anchor setting raises here: it must fail loudly, not mark films malformed.
    config = _context_settings(settings.LAUREL_C2PA_TRUST_ANCHORS)
    timeout = settings.LAUREL_C2PA_TIMEOUT + path.stat().st_size / (50 * 1024 * 1024)
    memory = settings.LAUREL_C2PA_MEMORY_LIMIT_MB
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(_CHILD), str(path), mime],
            input=config.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
            # preexec_fn is unsafe only in threaded parents; Celery workers here are prefork.
            preexec_fn=lambda: _limit_child(memory),
        )
    except subprocess.TimeoutExpired:
        logger.warning("C2PA reading of %s timed out after %.0f s", path.name, timeout)
        return _malformed(f"reading the manifest took longer than {timeout:.0f} s")
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace")[-300:]
        logger.warning("C2PA reader exited with %s on %s: %s", done.returncode, path.name, tail)
        return _malformed(f"the manifest reader failed (exit {done.returncode})")
    try:
        result = json.loads(done.stdout)
    except ValueError:
        return _malformed("the manifest reader gave no answer")
    if result.get("status") == "none":
        return ManifestEvidence(state=C2PAState.NONE)
    store = result.get("store")
    if result.get("status") != "ok" or not isinstance(store, dict):
        # A damaged or hostile manifest is recorded as such; it must not fail the job.
        logger.info("unreadable C2PA manifest in %s: %s", path.name, result.get("error"))
        return _malformed(str(result.get("error") or "not a manifest store"))
    return summarise_store(store)
