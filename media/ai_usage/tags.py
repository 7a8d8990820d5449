"""Container and stream tags from the probe JSON, and the AI tools they name.

Only tags that describe how the file was made are kept: encoder, handler, software,
creation time, brands, QuickTime's software/make/model, comments. Location and other
personal tags are left out on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from media.ai_usage.signatures import tools_in

_KEEP = frozenset(
    {
        "encoder",
        "encoded_by",
        "handler_name",
        "vendor_id",
        "software",
        "creation_time",
        "major_brand",
        "minor_version",
        "compatible_brands",
        "comment",
        "description",
        "synopsis",
        "title",
        "writing_application",
        "writing_library",
        "creator_tool",
        "tool",
        "com.apple.quicktime.software",
        "com.apple.quicktime.make",
        "com.apple.quicktime.model",
        "com.apple.quicktime.creationdate",
        "com.apple.quicktime.author",
        "com.android.version",
        "com.android.manufacturer",
        "com.android.model",
    }
)
# Titles are the entrant's words ("Sora" is also a name); only tool-ish tags are matched.
_MATCHED = _KEEP - {"title", "minor_version", "major_brand", "compatible_brands", "creation_time", "vendor_id"}
_MAX_VALUE = 300
_MAX_STREAMS = 16


@dataclass(frozen=True)
class TagEvidence:
    tags: dict[str, Any] = field(default_factory=dict)  # {"format": {...}, "streams": [{...}]}
    tools: tuple[tuple[str, str, str], ...] = ()  # (tool key, where, value)


def _kept(tags: Any) -> dict[str, str]:
    if not isinstance(tags, dict):
        return {}
    return {str(key).lower(): str(value)[:_MAX_VALUE] for key, value in tags.items() if str(key).lower() in _KEEP}


def container_tags(probe: dict[str, Any]) -> TagEvidence:
    fmt = _kept((probe.get("format") or {}).get("tags"))
    streams = []
    for stream in (probe.get("streams") or [])[:_MAX_STREAMS]:
        if not isinstance(stream, dict):
            continue
        kept = _kept(stream.get("tags"))
        if kept:
            streams.append({"index": stream.get("index"), "codec_type": str(stream.get("codec_type", "")), **kept})

    tools: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    places = [("format", fmt)] + [(f"stream {s['index']}", s) for s in streams]
    for place, tags in places:
        for key, value in tags.items():
            if key not in _MATCHED or not isinstance(value, str):
                continue
            for tool in tools_in(value):
                if (tool, value) not in seen:
                    seen.add((tool, value))
                    tools.append((tool, f"{place} tag {key}", value))
    return TagEvidence(tags={"format": fmt, "streams": streams}, tools=tuple(tools))
