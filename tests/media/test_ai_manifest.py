"""Reading real C2PA manifests, signed here with c2pa-python's Builder and a throw-away chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from media.ai_usage.manifest import ManifestEvidence, read_manifest
from media.ai_usage.signing import sign_mp4
from media.models import C2PAState
from tests.media.ai_fixtures import (
    DIGITAL_CAPTURE,
    TRAINED,
    FixtureChain,
    c2pa_chain,
    make_clip,
    manifest_definition,
    sign_clip,
)

__all__ = ["c2pa_chain"]  # a fixture used below

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"


@pytest.fixture
def clip(ffmpeg: str, tmp_path: Path) -> Path:
    return make_clip(ffmpeg, tmp_path / "clip.mp4", sources=("testsrc",))


def test_a_valid_manifest_is_read_and_reported_untrusted_without_anchors(
    clip: Path, tmp_path: Path, c2pa_chain: FixtureChain, settings: Any
) -> None:
    settings.LAUREL_C2PA_TRUST_ANCHORS = ""
    signed = sign_clip(c2pa_chain, clip, tmp_path / "signed.mp4", manifest_definition(generator="Runway Gen-3"))
    evidence = read_manifest(signed, format_name=MP4)
    assert evidence.state == C2PAState.UNTRUSTED
    summary = evidence.summary
    assert (summary["claim_generator"].split(";")[0], summary["signer"], summary["issuer"]) == (
        "Runway Gen-3 1.0",
        "Test Signer",
        "Generative Studio",
    )
    assert summary["actions"] == [
        {"action": "c2pa.created", "digital_source_type": TRAINED, "software_agent": "Runway Gen-3"}
    ]
    assert summary["digital_source_types"] == ["trainedAlgorithmicMedia"]
    assert [f["code"] for f in summary["validation_failures"]] == ["signingCredential.untrusted"]
    assert evidence.generator_texts[1] == ("active manifest c2pa.created software agent", "Runway Gen-3")


def test_a_signer_under_a_configured_anchor_is_trusted(
    clip: Path, tmp_path: Path, c2pa_chain: FixtureChain, settings: Any
) -> None:
    settings.LAUREL_C2PA_TRUST_ANCHORS = str(c2pa_chain.ca_path)
    signed = sign_clip(c2pa_chain, clip, tmp_path / "signed.mp4", manifest_definition(source_type=DIGITAL_CAPTURE))
    evidence = read_manifest(signed, format_name=MP4)
    assert evidence.state == C2PAState.TRUSTED
    assert evidence.summary["validation_failures"] == []
    assert evidence.digital_source_types == ("digitalCapture",)


def test_no_manifest_is_no_evidence(clip: Path) -> None:
    assert read_manifest(clip, format_name=MP4) == ManifestEvidence(state=C2PAState.NONE)


def test_a_file_changed_after_signing_is_invalid(clip: Path, tmp_path: Path, c2pa_chain: FixtureChain) -> None:
    signed = sign_clip(c2pa_chain, clip, tmp_path / "signed.mp4", manifest_definition())
    data = bytearray(signed.read_bytes())
    at = data.find(b"mdat") + 200
    data[at : at + 4] = bytes(b ^ 0xFF for b in data[at : at + 4])
    tampered = tmp_path / "tampered.mp4"
    tampered.write_bytes(bytes(data))
    evidence = read_manifest(tampered, format_name=MP4)
    assert evidence.state == C2PAState.INVALID
    assert "assertion.bmffHash.mismatch" in [f["code"] for f in evidence.summary["validation_failures"]]


def test_a_damaged_manifest_is_recorded_as_malformed_without_raising(
    clip: Path, tmp_path: Path, c2pa_chain: FixtureChain
) -> None:
    signed = sign_clip(c2pa_chain, clip, tmp_path / "signed.mp4", manifest_definition())
    data = bytearray(signed.read_bytes())
    at = data.find(b"jumb") + 400
    data[at : at + 30] = bytes(b ^ 0x5A for b in data[at : at + 30])
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    evidence = read_manifest(damaged, format_name=MP4)
    assert evidence.state == C2PAState.MALFORMED
    assert evidence.summary["error"] != ""


def test_containers_without_c2pa_support_are_no_evidence(tmp_path: Path) -> None:
    webm = tmp_path / "film.webm"
    webm.write_bytes(b"\x1a\x45\xdf\xa3" + b"\0" * 64)
    assert read_manifest(webm, format_name="matroska,webm").state == C2PAState.NONE


def test_the_demo_signs_with_a_fresh_throwaway_chain(clip: Path, tmp_path: Path) -> None:
    signed = sign_mp4(clip, tmp_path / "demo.mp4", definition=manifest_definition(generator="OpenAI Sora"))
    evidence = read_manifest(signed, format_name=MP4)
    assert (evidence.state, evidence.summary["issuer"]) == (C2PAState.UNTRUSTED, "Laurel Demo Studio")
    assert evidence.generator_texts[0] == ("active manifest claim generator", "OpenAI Sora 1.0")


@pytest.mark.parametrize(
    ("script", "error"),
    [
        ("import time; time.sleep(30)", "reading the manifest took longer than"),
        ("import os; os.abort()", "the manifest reader failed (exit -6)"),
        ("x = bytearray(3 * 1024**3)", "the manifest reader failed (exit 1)"),  # over the memory cap
        ("print('garbage')", "the manifest reader gave no answer"),
    ],
)
def test_a_reader_that_hangs_crashes_or_balloons_costs_the_child_not_the_worker(
    clip: Path, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch, script: str, error: str
) -> None:
    settings.LAUREL_C2PA_TIMEOUT = 1
    child = tmp_path / "child.py"
    child.write_text(script)
    monkeypatch.setattr("media.ai_usage.manifest._CHILD", child)
    evidence = read_manifest(clip, format_name=MP4)
    assert evidence.state == C2PAState.MALFORMED
    assert evidence.summary["error"].startswith(error)


def test_a_missing_trust_anchor_file_is_a_configuration_error_not_a_mark_on_the_film(
    clip: Path, tmp_path: Path, settings: Any
) -> None:
    settings.LAUREL_C2PA_TRUST_ANCHORS = str(tmp_path / "missing.pem")
    with pytest.raises(FileNotFoundError):
        read_manifest(clip, format_name=MP4)


def test_a_generator_named_only_in_an_ingredients_manifest_is_still_evidence(
    ffmpeg: str, clip: Path, tmp_path: Path, c2pa_chain: FixtureChain
) -> None:
    import c2pa

    from media.ai_usage.flags import consistency_flags
    from media.ai_usage.tags import TagEvidence
    from media.rules import DeclaredAIUse

    generated = sign_clip(c2pa_chain, clip, tmp_path / "sora.mp4", manifest_definition(generator="OpenAI Sora"))
    edit = make_clip(ffmpeg, tmp_path / "edit.mp4", sources=("smptebars",))
    builder = c2pa.Builder(manifest_definition(generator="Adobe Premiere Pro", source_type=DIGITAL_CAPTURE))
    with generated.open("rb") as ingredient:
        builder.add_ingredient({"title": "sora.mp4", "relationship": "componentOf"}, "video/mp4", ingredient)
    final = tmp_path / "final.mp4"
    with edit.open("rb") as src, final.open("w+b") as dst:
        builder.sign(c2pa_chain.chain.signer(), "video/mp4", src, dst)

    evidence = read_manifest(final, format_name=MP4)

    assert evidence.summary["claim_generator"] == "Adobe Premiere Pro 1.0"
    assert evidence.summary["ingredients"][0]["title"] == "sora.mp4"
    assert ("ingredient manifest claim generator", "OpenAI Sora 1.0") in evidence.generator_texts
    flags = consistency_flags(
        declared=DeclaredAIUse(ai_video_declared=True, tools=("runway",)), manifest=evidence, tags=TagEvidence()
    )
    assert [(f.code, f.evidence["tool"]) for f in flags] == [("c2pa_tool_undeclared", "sora")]
