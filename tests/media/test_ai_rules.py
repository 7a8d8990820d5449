"""Pure pieces of media.ai_usage: signatures, tags, the flag matrix, manifest summaries, shots, hash matching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from media import runner
from media.ai_usage.flags import FlagCode, consistency_flags
from media.ai_usage.manifest import ManifestEvidence, c2pa_mime, summarise_store
from media.ai_usage.phash import GroupMatch, as_uint64, is_duplicate, match_against_group, to_signed
from media.ai_usage.shots import ShotSpan, frame_grab_argv, nearest_sampled_frame, shots_from_cuts
from media.ai_usage.signatures import is_declared, normalise_declared, tools_in
from media.ai_usage.tags import TagEvidence, container_tags
from media.models import C2PAState
from media.rules import DeclaredAIUse

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@pytest.mark.parametrize(
    ("text", "tools"),
    [
        ("Runway Gen-3 Alpha", ["runway"]),
        ("Lavf59.27.100", []),
        ("Core Media Video", []),
        ("OpenAI Sora 2", ["sora"]),  # the vendor is implied by its tool
        ("OpenAI API", ["openai"]),
        ("Google Veo 3", ["veo"]),
        ("video encoder", []),  # "veo" is not in "video"
        ("AAC audio", []),  # "udio" is not in "audio"
        ("Adobe Firefly Video Model", ["firefly"]),
        ("Adobe Premiere Pro 2025", []),
        ("ComfyUI + SDXL", ["stable-diffusion", "comfyui"]),
        ("Luma Dream Machine", ["luma"]),
        ("ElevenLabs", ["elevenlabs"]),
    ],
)
def test_tools_in_recognises_generators_by_word(text: str, tools: list[str]) -> None:
    assert tools_in(text) == tools


def test_declared_names_are_normalised_and_vendors_are_covered_by_their_tools() -> None:
    declared = normalise_declared(["Stable Diffusion", " Runway ", "sora"])
    assert declared == frozenset({"stable-diffusion", "runway", "sora"})
    assert is_declared("stable-diffusion", declared) is True
    assert is_declared("openai", declared) is True  # Sora is OpenAI's
    assert is_declared("kling", declared) is False
    assert is_declared("openai", normalise_declared(["runway"])) is False


def test_container_tags_keep_provenance_tags_and_name_tools_but_not_from_titles() -> None:
    probe = {
        "format": {
            "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
            "tags": {
                "major_brand": "isom",
                "encoder": "Lavf59.27.100",
                "title": "Sora",  # a name, not a tool
                "comment": "made with Kling 2.1",
                "location": "+48.8577+002.2950/",  # personal data: not kept
            },
        },
        "streams": [
            {"index": 0, "codec_type": "video", "tags": {"handler_name": "Runway ML Video Handler", "language": "und"}},
            {"index": 1, "codec_type": "audio", "tags": {"handler_name": "SoundHandler"}},
        ],
    }
    evidence = container_tags(probe)
    assert evidence.tags == {
        "format": {
            "major_brand": "isom",
            "encoder": "Lavf59.27.100",
            "title": "Sora",
            "comment": "made with Kling 2.1",
        },
        "streams": [
            {"index": 0, "codec_type": "video", "handler_name": "Runway ML Video Handler"},
            {"index": 1, "codec_type": "audio", "handler_name": "SoundHandler"},
        ],
    }
    assert evidence.tools == (
        ("kling", "format tag comment", "made with Kling 2.1"),
        ("runway", "stream 0 tag handler_name", "Runway ML Video Handler"),
    )


def test_container_tags_survive_junk_probe_json() -> None:
    assert container_tags({"format": {"tags": "nonsense"}, "streams": ["x", {"tags": None}]}) == TagEvidence(
        tags={"format": {}, "streams": []}, tools=()
    )


def _store(*, state: str = "Valid", generator: str = "Runway Gen-3", source_type: str = TRAINED) -> dict[str, object]:
    return {
        "active_manifest": "urn:a",
        "manifests": {
            "urn:a": {
                "claim_generator_info": [{"name": generator, "version": "3"}],
                "title": "film.mp4",
                "signature_info": {"issuer": "Studio", "common_name": "Signer", "time": "2026-11-01T00:00:00Z"},
                "assertions": [
                    {
                        "label": "c2pa.actions.v2",
                        "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": source_type}]},
                    }
                ],
                "ingredients": [{"title": "shot.mp4", "format": "video/mp4", "relationship": "componentOf"}],
            },
            "urn:b": {"claim_generator": "Sora/1.0", "assertions": []},
        },
        "validation_status": [{"code": "signingCredential.untrusted", "explanation": "untrusted"}],
        "validation_state": state,
    }


def test_summarise_store_reads_generator_signer_actions_ingredients_and_state() -> None:
    evidence = summarise_store(_store())
    assert evidence.state == C2PAState.UNTRUSTED
    assert evidence.summary == {
        "state": "untrusted",
        "validation_state": "Valid",
        "claim_generator": "Runway Gen-3 3",
        "title": "film.mp4",
        "signer": "Signer",
        "issuer": "Studio",
        "signed_at": "2026-11-01T00:00:00Z",
        "actions": [{"action": "c2pa.created", "digital_source_type": TRAINED, "software_agent": ""}],
        "digital_source_types": ["trainedAlgorithmicMedia"],
        "ingredients": [{"title": "shot.mp4", "format": "video/mp4", "relationship": "componentOf"}],
        "manifests": [
            {"label": "urn:a", "active": True, "generator": "Runway Gen-3 3"},
            {"label": "urn:b", "active": False, "generator": "Sora/1.0"},
        ],
        "validation_failures": [{"code": "signingCredential.untrusted", "explanation": "untrusted"}],
    }
    assert evidence.generator_texts == (
        ("active manifest claim generator", "Runway Gen-3 3"),
        ("ingredient manifest claim generator", "Sora/1.0"),
    )
    assert summarise_store({**_store(state="Trusted"), "validation_status": []}).state == C2PAState.TRUSTED
    assert summarise_store(_store(state="Invalid")).state == C2PAState.INVALID


def test_c2pa_mime_follows_the_probed_container() -> None:
    assert c2pa_mime("mov,mp4,m4a,3gp,3g2,mj2") == "video/mp4"
    assert c2pa_mime("avi") == "video/x-msvideo"
    assert c2pa_mime("matroska,webm") is None


NONE = ManifestEvidence(state=C2PAState.NONE)
NO_TAGS = TagEvidence()


def _codes(declared: DeclaredAIUse | None, manifest: ManifestEvidence = NONE, tags: TagEvidence = NO_TAGS) -> list[str]:
    return [flag.code for flag in consistency_flags(declared=declared, manifest=manifest, tags=tags)]


def test_flag_matrix() -> None:
    runway_ai = summarise_store(_store(generator="Runway Gen-3"))
    capture = summarise_store(_store(generator="Runway Gen-3", source_type="digitalCapture"))
    # No manifest, no tags: no evidence, never a mark, whatever was declared.
    assert _codes(DeclaredAIUse(ai_video_declared=False)) == []
    assert _codes(DeclaredAIUse(ai_video_declared=True, tools=("runway",))) == []
    assert _codes(None) == []
    # Declared everything the manifest says (Sora in the ingredient is covered by "sora").
    assert _codes(DeclaredAIUse(ai_video_declared=True, tools=("runway", "sora")), runway_ai) == []
    # A generator in the manifest that was not declared (the ingredient's Sora too).
    assert _codes(DeclaredAIUse(ai_video_declared=True, tools=("runway",)), runway_ai) == [
        FlagCode.C2PA_TOOL_UNDECLARED
    ]
    # "No AI video" declared, manifest says trainedAlgorithmicMedia.
    assert _codes(DeclaredAIUse(ai_video_declared=False, tools=("runway", "sora")), runway_ai) == [
        FlagCode.C2PA_AI_MEDIA_UNDECLARED
    ]
    # A camera capture by a declared tool contradicts nothing.
    assert _codes(DeclaredAIUse(ai_video_declared=False, tools=("runway", "sora")), capture) == []
    # Nothing declared at all: each contradiction once.
    assert _codes(None, runway_ai) == [
        FlagCode.C2PA_TOOL_UNDECLARED,
        FlagCode.C2PA_TOOL_UNDECLARED,
        FlagCode.C2PA_AI_MEDIA_UNDECLARED,
    ]
    tags = TagEvidence(tools=(("kling", "format tag comment", "Kling"), ("kling", "stream 0 tag encoder", "Kling")))
    assert _codes(DeclaredAIUse(ai_video_declared=True, tools=("runway",)), tags=tags) == [FlagCode.TAG_TOOL_UNDECLARED]
    assert _codes(DeclaredAIUse(ai_video_declared=True, tools=("Kling",)), tags=tags) == []


def test_shots_labelled_ai_contradict_a_declaration_of_no_ai_video() -> None:
    labels = ["ai", "hybrid", "live_action", "unlabelled"]
    flags = consistency_flags(
        declared=DeclaredAIUse(ai_video_declared=False), manifest=NONE, tags=NO_TAGS, shot_labels=labels
    )
    assert [(f.code, f.message, f.evidence) for f in flags] == [
        (
            "shots_ai_undeclared",
            "The entrant labelled 2 shots AI-generated or hybrid but declared no AI-generated video.",
            {"shots": 2},
        )
    ]
    declared_video = DeclaredAIUse(ai_video_declared=True)
    assert consistency_flags(declared=declared_video, manifest=NONE, tags=NO_TAGS, shot_labels=labels) == []
    assert (
        consistency_flags(
            declared=DeclaredAIUse(ai_video_declared=False), manifest=NONE, tags=NO_TAGS, shot_labels=["live_action"]
        )
        == []
    )


def test_invalid_and_malformed_manifests_are_information_not_contradictions() -> None:
    invalid = summarise_store(
        {**_store(state="Invalid"), "validation_status": [{"code": "assertion.bmffHash.mismatch"}]}
    )
    flags = consistency_flags(
        declared=DeclaredAIUse(ai_video_declared=True, tools=("runway", "sora")), manifest=invalid, tags=NO_TAGS
    )
    assert [(f.code, f.severity, f.evidence) for f in flags] == [
        ("c2pa_invalid", "info", {"codes": ["assertion.bmffHash.mismatch"]})
    ]
    malformed = ManifestEvidence(state=C2PAState.MALFORMED, summary={"error": "Verify: invalid box header"})
    flags = consistency_flags(declared=None, manifest=malformed, tags=NO_TAGS)
    assert [(f.code, f.severity, f.evidence) for f in flags] == [
        ("c2pa_malformed", "info", {"error": "Verify: invalid box header"})
    ]


def test_shots_from_cuts() -> None:
    assert shots_from_cuts([2.0, 1.0, 1.01, 0.0, 9.0], 3.0) == [
        ShotSpan(0, 0.0, 1.0),
        ShotSpan(1, 1.0, 2.0),
        ShotSpan(2, 2.0, 3.0),
    ]
    assert shots_from_cuts([], 2.5) == [ShotSpan(0, 0.0, 2.5)]
    assert shots_from_cuts([1.5], None) == [ShotSpan(0, 0.0, 1.5)]


def test_nearest_sampled_frame_stays_inside_the_shot() -> None:
    frames = [(0.0, Path("a")), (0.5, Path("b")), (2.0, Path("c"))]
    assert nearest_sampled_frame(ShotSpan(0, 0.0, 1.0), frames) == Path("b")
    assert nearest_sampled_frame(ShotSpan(1, 1.0, 1.8), frames) is None


def test_frame_grab_argv_is_safe_and_seeks_each_input(settings: Any) -> None:
    settings.FFMPEG_BINARY = "ffmpeg"
    argv = frame_grab_argv(Path("/w/src.mp4"), [1.25, 3.0], [Path("/w/a.jpg"), Path("/w/b.jpg")])
    # ffmpeg-python writes each input's options sorted before its -i, the runner's global
    # options after the outputs: one allow-listed, single-threaded fast seek per time.
    assert argv == [
        "ffmpeg",
        "-format_whitelist", runner.FORMAT_WHITELIST, "-protocol_whitelist", "file",
        "-ss", "1.250", "-threads", "1", "-i", "file:/w/src.mp4",
        "-format_whitelist", runner.FORMAT_WHITELIST, "-protocol_whitelist", "file",
        "-ss", "3.000", "-threads", "1", "-i", "file:/w/src.mp4",
        "-map", "0:v:0", "-frames:v", "1", "-q:v", "4", "-update", "1", "file:/w/a.jpg",
        "-map", "1:v:0", "-frames:v", "1", "-q:v", "4", "-update", "1", "file:/w/b.jpg",
        "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error",
        "-filter_threads", "1", "-filter_complex_threads", "1", "-y",
    ]  # fmt: skip


def test_match_against_group_counts_matching_frames_per_film() -> None:
    new = as_uint64([to_signed(0xFFFF_0000_FFFF_0000), 0x0F0F_0F0F_0F0F_0F0F, 0x1234])
    others = as_uint64([0x0F0F_0F0F_0F0F_0F0E, to_signed(0xFFFF_0000_FFFF_0001), 0x7777_7777_7777_7777, 0x1234])
    owners = np.array([5, 5, 9, 7], dtype=np.int64)
    matches = match_against_group(new, others, owners, max_distance=2)
    assert matches == [
        GroupMatch(film_id=5, matched_frames=2, other_frames=2, other_matched=2),
        GroupMatch(film_id=7, matched_frames=1, other_frames=1, other_matched=1),
    ]
    assert match_against_group(new[:0], others, owners, max_distance=2) == []
    assert is_duplicate(matches[0], new_frames=3, min_frames=2, min_ratio=0.5) is True
    assert is_duplicate(matches[1], new_frames=3, min_frames=2, min_ratio=0.5) is False
    assert to_signed(2**64 - 1) == -1


def test_an_excerpt_is_a_duplicate_whichever_film_is_processed_last() -> None:
    rng = np.random.default_rng(3)
    long_film = rng.integers(-(2**63), 2**63 - 1, size=40, dtype=np.int64)
    excerpt = long_film[10:16]  # six frames of the forty
    owners_long = np.full(40, 1, dtype=np.int64)
    owners_excerpt = np.full(6, 2, dtype=np.int64)

    [excerpt_last] = match_against_group(as_uint64(excerpt), as_uint64(long_film), owners_long, max_distance=4)
    [long_last] = match_against_group(as_uint64(long_film), as_uint64(excerpt), owners_excerpt, max_distance=4)

    assert (excerpt_last.matched_frames, excerpt_last.other_matched) == (6, 6)
    assert (long_last.matched_frames, long_last.other_matched) == (6, 6)
    assert is_duplicate(excerpt_last, new_frames=6, min_frames=3, min_ratio=0.5) is True
    assert is_duplicate(long_last, new_frames=40, min_frames=3, min_ratio=0.5) is True


def test_long_films_hash_an_even_spread_of_their_sampled_frames() -> None:
    from media.ai_usage.services import _spread

    frames = [(float(i), Path(f"{i}.jpg")) for i in range(10)]
    assert [t for t, _ in _spread(frames, 4)] == [0.0, 2.0, 5.0, 7.0]
    assert _spread(frames[:3], 4) == frames[:3]


def test_a_missing_ffmpeg_means_no_thumbnail_not_a_failed_film(tmp_path: Path, settings: Any) -> None:
    from media.ai_usage.shots import grab_frames

    settings.FFMPEG_BINARY = str(tmp_path / "no-such-ffmpeg")
    assert grab_frames(tmp_path / "film.mp4", [0.5, 1.5], tmp_path) == [None, None]
