"""Consistency flags: where the evidence in the file contradicts the entrant's declaration.

A pure function of (declaration, manifest evidence, tag evidence), so the whole matrix is
tested without files. Flags inform organizers; nothing is rejected on them, and a missing
manifest never produces one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from media.ai_usage.manifest import AI_SOURCE_TYPES, ManifestEvidence
from media.ai_usage.signatures import is_declared, normalise_declared, tool_name, tools_in
from media.ai_usage.tags import TagEvidence
from media.models import C2PAState, FlagSeverity, ShotLabel
from media.rules import DeclaredAIUse


class FlagCode:
    C2PA_TOOL_UNDECLARED = "c2pa_tool_undeclared"
    C2PA_AI_MEDIA_UNDECLARED = "c2pa_ai_media_undeclared"
    TAG_TOOL_UNDECLARED = "tag_tool_undeclared"
    SHOTS_AI_UNDECLARED = "shots_ai_undeclared"
    C2PA_INVALID = "c2pa_invalid"
    C2PA_MALFORMED = "c2pa_malformed"


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: str = FlagSeverity.WARNING


def consistency_flags(
    *,
    declared: DeclaredAIUse | None,
    manifest: ManifestEvidence,
    tags: TagEvidence,
    shot_labels: Sequence[str] = (),
) -> list[Flag]:
    # No declaration at all is compared as "no AI, no tools": the evidence still stands.
    declared = declared or DeclaredAIUse(ai_video_declared=False)
    declared_keys = normalise_declared(declared.tools)
    flags: list[Flag] = []
    has_manifest = manifest.state in (C2PAState.TRUSTED, C2PAState.UNTRUSTED, C2PAState.INVALID)
    validation = manifest.summary.get("validation_state", "")

    if has_manifest:
        reported: set[str] = set()
        for where, text in manifest.generator_texts:
            for tool in tools_in(text):
                if tool in reported or is_declared(tool, declared_keys):
                    continue
                reported.add(tool)
                flags.append(
                    Flag(
                        code=FlagCode.C2PA_TOOL_UNDECLARED,
                        message=f"The C2PA manifest names {tool_name(tool)} ({where}: “{text}”), "
                        "which the entrant did not declare.",
                        evidence={"tool": tool, "where": where, "value": text, "validation_state": validation},
                    )
                )
        ai_types = sorted(set(manifest.digital_source_types) & AI_SOURCE_TYPES)
        if ai_types and not declared.ai_video_declared:
            flags.append(
                Flag(
                    code=FlagCode.C2PA_AI_MEDIA_UNDECLARED,
                    message="The entrant declared no AI-generated video, but the C2PA manifest records "
                    f"digital source type {', '.join(ai_types)}.",
                    evidence={"digital_source_types": ai_types, "validation_state": validation},
                )
            )
    if manifest.state == C2PAState.INVALID:
        codes = [f["code"] for f in manifest.summary.get("validation_failures", [])]
        flags.append(
            Flag(
                code=FlagCode.C2PA_INVALID,
                message="The file carries a C2PA manifest that does not validate: it was changed after "
                f"signing or the signature is bad ({', '.join(codes) or 'no code given'}).",
                evidence={"codes": codes},
                severity=FlagSeverity.INFO,
            )
        )
    elif manifest.state == C2PAState.MALFORMED:
        flags.append(
            Flag(
                code=FlagCode.C2PA_MALFORMED,
                message="The file carries C2PA data that could not be read.",
                evidence={"error": manifest.summary.get("error", "")},
                severity=FlagSeverity.INFO,
            )
        )

    tag_reported: set[str] = set()
    for tool, where, value in tags.tools:
        if tool in tag_reported or is_declared(tool, declared_keys):
            continue
        tag_reported.add(tool)
        flags.append(
            Flag(
                code=FlagCode.TAG_TOOL_UNDECLARED,
                message=f"The file's {where} names {tool_name(tool)} (“{value}”), which the entrant did not declare.",
                evidence={"tool": tool, "where": where, "value": value},
            )
        )
    ai_shots = sum(1 for label in shot_labels if label in (ShotLabel.AI, ShotLabel.HYBRID))
    if ai_shots and not declared.ai_video_declared:
        # Both are the entrant's words, but they disagree: organizers should ask which is right.
        flags.append(
            Flag(
                code=FlagCode.SHOTS_AI_UNDECLARED,
                message=f"The entrant labelled {ai_shots} shot{'s' if ai_shots != 1 else ''} AI-generated or hybrid "
                "but declared no AI-generated video.",
                evidence={"shots": ai_shots},
            )
        )
    return flags
