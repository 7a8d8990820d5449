"""record_ai_usage end to end on real clips: evidence, flags, shots with thumbnails, re-runs, labels, duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from festival.models import AuditEvent
from media.ai_usage import (
    FlagSummary,
    ShotLabelError,
    ai_usage_for,
    duplicate_pairs_for_group,
    flag_summaries,
    flags_for_group,
    label_shots,
    record_ai_usage,
    shot_list,
    update_declaration,
)
from media.models import AIEvidence, AIFlag, DuplicatePair, Film, FrameHash, Shot
from media.rules import DeclaredAIUse
from tests.factories import FilmFactory, UserFactory
from tests.media.ai_fixtures import (
    FixtureChain,
    ai_storage,
    analysis_inputs,
    c2pa_chain,
    make_clip,
    manifest_definition,
    reencode,
    s3_server,
    s3_storage,
    sign_clip,
)

__all__ = ["ai_storage", "c2pa_chain", "s3_server", "s3_storage"]  # fixtures used below

pytestmark = pytest.mark.django_db


def _film(group: str = "edition:1", declared: DeclaredAIUse | None = None) -> Film:
    return FilmFactory.create(group_key=group, declared_ai=declared.to_dict() if declared else None)


def _stored(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_signed_tagged_clip_gets_evidence_flags_and_a_shot_list(
    ffmpeg: str, tmp_path: Path, ai_storage: Path, c2pa_chain: FixtureChain, settings: Any
) -> None:
    settings.LAUREL_C2PA_TRUST_ANCHORS = str(c2pa_chain.ca_path)
    clip = make_clip(ffmpeg, tmp_path / "clip.mp4", metadata={"comment": "graded in Topaz Video AI"})
    signed = sign_clip(c2pa_chain, clip, tmp_path / "signed.mp4", manifest_definition(generator="Runway Gen-3"))
    film = _film(declared=DeclaredAIUse(ai_video_declared=False, tools=("kling",)))
    # Frames are sampled every 0.5 s; none falls inside the last shot [2.6, 3.0), so its
    # thumbnail is cut from the source by ffmpeg.
    inputs = analysis_inputs(film.pk, signed, tmp_path / "work", scene_cuts=[1.0, 2.0, 2.6], fps=2.0)

    record_ai_usage(inputs)

    usage = ai_usage_for(film.pk)
    assert (usage.recorded, usage.c2pa_state, usage.has_manifest) == (True, "trusted", True)
    assert usage.c2pa["signer"] == "Test Signer"
    assert [(f.code, f.evidence.get("tool")) for f in usage.flags] == [
        ("c2pa_ai_media_undeclared", None),
        ("c2pa_tool_undeclared", "runway"),
        ("tag_tool_undeclared", "topaz"),
    ]
    assert usage.container_tags["format"]["comment"] == "graded in Topaz Video AI"
    assert [(t["tool"], t["source"]) for t in usage.tools_found] == [
        ("runway", "c2pa"),
        ("runway", "c2pa"),
        ("topaz", "tags"),
    ]
    assert [(s.index, s.start_seconds, s.end_seconds, s.label) for s in usage.shots] == [
        (0, 0.0, 1.0, "unlabelled"),
        (1, 1.0, 2.0, "unlabelled"),
        (2, 2.0, 2.6, "unlabelled"),
        (3, 2.6, 3.0, "unlabelled"),
    ]
    names = list(Shot.objects.filter(film=film).order_by("index").values_list("thumbnail", flat=True))
    assert all(default_storage.exists(name) for name in names) and len(set(names)) == 4
    assert [s.thumbnail_url for s in usage.shots] == [""] * 4  # no mount given: no URL (never /media/)
    assert FrameHash.objects.filter(film=film).count() == 6
    assert AuditEvent.objects.filter(action="media.ai_usage.recorded", target_id=str(film.pk)).count() == 1


def test_a_clip_without_manifest_or_tags_has_no_flags(ffmpeg: str, tmp_path: Path, ai_storage: Path) -> None:
    clip = make_clip(ffmpeg, tmp_path / "clip.mp4", sources=("testsrc",))
    film = _film(declared=DeclaredAIUse(ai_video_declared=True, tools=("sora",)))
    record_ai_usage(analysis_inputs(film.pk, clip, tmp_path / "work", scene_cuts=[]))
    usage = ai_usage_for(film.pk)
    assert (usage.c2pa_state, usage.has_manifest, usage.flags, usage.duplicates) == ("none", False, [], [])
    assert [(s.start_seconds, s.end_seconds) for s in usage.shots] == [(0.0, 1.0)]


def test_a_rerun_replaces_evidence_keeps_labels_of_unmoved_shots_and_deletes_old_thumbnails(
    ffmpeg: str, tmp_path: Path, ai_storage: Path, django_capture_on_commit_callbacks: Any
) -> None:
    clip = make_clip(ffmpeg, tmp_path / "clip.mp4", metadata={"comment": "Kling"})
    film = _film()
    inputs = analysis_inputs(film.pk, clip, tmp_path / "work", scene_cuts=[1.0, 2.0])
    record_ai_usage(inputs)
    entrant = UserFactory.create()
    label_shots(film_id=film.pk, labels={0: "ai", 2: "live_action"}, user=entrant)
    # A run that died after saving thumbnails but before committing left these behind.
    default_storage.save(f"films/{film.pk}/ai/deadbeef/shot-0000.jpg", ContentFile(b"orphan"))
    first_files = _stored(ai_storage)
    assert len(first_files) == 4

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record_ai_usage(inputs)

    assert [(s.index, s.label) for s in shot_list(film.pk)] == [(0, "ai"), (1, "unlabelled"), (2, "live_action")]
    assert AIEvidence.objects.filter(film=film).count() == 1
    # The kept AI label contradicts "no declaration"; the Kling comment is undeclared.
    assert sorted(AIFlag.objects.filter(film=film).values_list("code", flat=True)) == [
        "shots_ai_undeclared",
        "tag_tool_undeclared",
    ]
    assert FrameHash.objects.filter(film=film).count() == 12
    # The old thumbnails go only once the new rows are committed.
    assert len(callbacks) == 1
    second_files = _stored(ai_storage)
    assert len(second_files) == 3 and set(first_files).isdisjoint(second_files)


def test_label_shots_is_audited_and_rejects_unknown_labels_and_shots(
    ffmpeg: str, tmp_path: Path, ai_storage: Path
) -> None:
    clip = make_clip(ffmpeg, tmp_path / "clip.mp4", sources=("testsrc", "smptebars"))
    film = _film()
    record_ai_usage(analysis_inputs(film.pk, clip, tmp_path / "work", scene_cuts=[1.0]))
    entrant = UserFactory.create()

    shots = label_shots(film_id=film.pk, labels={1: "hybrid"}, user=entrant)

    assert [(s.index, s.label) for s in shots] == [(0, "unlabelled"), (1, "hybrid")]
    assert [(f.code, f.evidence) for f in ai_usage_for(film.pk).flags] == [("shots_ai_undeclared", {"shots": 1})]
    event = AuditEvent.objects.get(action="media.shots.labelled")
    assert (event.actor, event.before, event.after) == (entrant, {"1": "unlabelled"}, {"1": "hybrid"})
    with pytest.raises(ShotLabelError, match="Unknown shot label: robot"):
        label_shots(film_id=film.pk, labels={0: "robot"}, user=entrant)
    with pytest.raises(ShotLabelError, match="This film has no shot 7"):
        label_shots(film_id=film.pk, labels={7: "ai"}, user=entrant)
    assert [(s.index, s.label) for s in shot_list(film.pk)] == [(0, "unlabelled"), (1, "hybrid")]
    label_shots(film_id=film.pk, labels={1: "live_action"}, user=entrant)
    assert ai_usage_for(film.pk).flags == []


def test_a_reencoded_resized_copy_is_a_possible_duplicate_and_a_different_film_is_not(
    ffmpeg: str, tmp_path: Path, ai_storage: Path
) -> None:
    original = make_clip(ffmpeg, tmp_path / "original.mp4")
    copy = reencode(ffmpeg, original, tmp_path / "copy.mp4", size="128x72")
    other = make_clip(ffmpeg, tmp_path / "other.mp4", sources=("mandelbrot", "cellauto", "life"))
    first, second, third = _film(), _film(), _film()
    elsewhere = _film(group="edition:2")  # the same file in another edition is not compared
    for film, path in ((first, original), (second, copy), (third, other), (elsewhere, original)):
        record_ai_usage(analysis_inputs(film.pk, path, tmp_path / f"work-{film.pk}", scene_cuts=[1.0, 2.0]))

    assert [(a, b) for a, b, *_ in duplicate_pairs_for_group("edition:1")] == [(first.pk, second.pk)]
    assert duplicate_pairs_for_group("edition:2") == []
    assert [d.film_id for d in ai_usage_for(first.pk).duplicates] == [second.pk]
    assert [d.film_id for d in ai_usage_for(second.pk).duplicates] == [first.pk]
    assert ai_usage_for(third.pk).duplicates == []
    pair = DuplicatePair.objects.get()
    assert (pair.compared_frames, pair.matched_frames >= 6) == (12, True)

    # Re-running the first film finds the same pair once, not twice.
    record_ai_usage(analysis_inputs(first.pk, original, tmp_path / "again", scene_cuts=[1.0, 2.0]))
    assert DuplicatePair.objects.count() == 1


def test_a_film_that_is_gone_is_logged_and_skipped(tmp_path: Path) -> None:
    from media.analysis import AnalysisInputs

    record_ai_usage(AnalysisInputs(999_999, tmp_path / "x.mp4", {}, [], [], tmp_path))
    assert AIEvidence.objects.count() == 0


def test_selectors_before_analysis_and_for_a_group(django_assert_max_num_queries: Any) -> None:
    film = _film(group="edition:5")
    AIFlag.objects.create(film=film, code="tag_tool_undeclared", message="m", evidence={"tool": "kling"})
    other = _film(group="edition:5")
    AIFlag.objects.create(film=other, code="c2pa_invalid", severity="info", message="n")
    with django_assert_max_num_queries(4):
        usage = ai_usage_for(film.pk)
    assert (usage.recorded, usage.c2pa_state, [f.code for f in usage.flags]) == (
        False,
        "none",
        ["tag_tool_undeclared"],
    )
    with django_assert_max_num_queries(1):
        flags = flags_for_group("edition:5")
    assert {k: [f.code for f in v] for k, v in flags.items()} == {
        film.pk: ["tag_tool_undeclared"],
        other.pk: ["c2pa_invalid"],
    }


def test_a_changed_declaration_recomputes_the_flags_from_stored_evidence(
    ffmpeg: str, tmp_path: Path, ai_storage: Path, c2pa_chain: FixtureChain
) -> None:
    clip = make_clip(ffmpeg, tmp_path / "clip.mp4", sources=("testsrc",), metadata={"comment": "Kling 2.1"})
    signed = sign_clip(c2pa_chain, clip, tmp_path / "signed.mp4", manifest_definition(generator="Runway Gen-3"))
    film = _film(declared=DeclaredAIUse(ai_video_declared=True, tools=("runway", "kling")))
    record_ai_usage(analysis_inputs(film.pk, signed, tmp_path / "work", scene_cuts=[]))
    assert ai_usage_for(film.pk).flags == []
    entrant = UserFactory.create()

    flags = update_declaration(film_id=film.pk, declared=DeclaredAIUse(ai_video_declared=False), actor=entrant)

    assert [f.code for f in flags] == ["c2pa_tool_undeclared", "c2pa_ai_media_undeclared", "tag_tool_undeclared"]
    assert [f.code for f in ai_usage_for(film.pk).flags] == [
        "c2pa_ai_media_undeclared",
        "c2pa_tool_undeclared",
        "tag_tool_undeclared",
    ]
    film.refresh_from_db()
    assert film.declared_ai == {"ai_video_declared": False, "tools": []}
    event = AuditEvent.objects.get(action="media.declaration.updated")
    assert (event.actor, event.before) == (
        entrant,
        {"declared_ai": {"ai_video_declared": True, "tools": ["runway", "kling"]}},
    )


def test_flag_summaries_count_per_film_in_two_queries(django_assert_max_num_queries: Any) -> None:
    a, b, c = _film(), _film(), _film()
    AIFlag.objects.create(film=a, code="c2pa_tool_undeclared", message="m")
    AIFlag.objects.create(film=a, code="tag_tool_undeclared", message="m")
    AIFlag.objects.create(film=a, code="c2pa_invalid", severity="info", message="n")
    AIFlag.objects.create(film=c, code="c2pa_malformed", severity="info", message="n")
    DuplicatePair.objects.create(film_a=a, film_b=b, group_key="edition:1", matched_frames=9, compared_frames=10)
    with django_assert_max_num_queries(2):
        summaries = flag_summaries([a.pk, b.pk, c.pk])
    assert summaries == {
        a.pk: FlagSummary(contradictions=2, notes=1, duplicates=1),
        b.pk: FlagSummary(duplicates=1),
        c.pk: FlagSummary(notes=1),
    }
    assert [summaries[f.pk].needs_review for f in (a, b, c)] == [True, True, False]


def test_thumbnails_and_pruning_work_on_s3_compatible_storage(
    ffmpeg: str, tmp_path: Path, s3_storage: str, django_capture_on_commit_callbacks: Any
) -> None:
    clip = make_clip(ffmpeg, tmp_path / "clip.mp4", sources=("testsrc", "smptebars"))
    film = _film()
    inputs = analysis_inputs(film.pk, clip, tmp_path / "work", scene_cuts=[1.0])
    with django_capture_on_commit_callbacks(execute=True):
        record_ai_usage(inputs)
    first = list(Shot.objects.filter(film=film).order_by("index").values_list("thumbnail", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        record_ai_usage(inputs)
    second = list(Shot.objects.filter(film=film).order_by("index").values_list("thumbnail", flat=True))

    assert all(default_storage.exists(name) for name in second) and len(second) == 2
    assert not any(default_storage.exists(name) for name in first)
    assert default_storage.url(second[0]).startswith("http://127.0.0.1:")
    with default_storage.open(second[0]) as handle:
        assert handle.read(3) == b"\xff\xd8\xff"  # a JPEG
