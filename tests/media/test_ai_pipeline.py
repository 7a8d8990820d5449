"""The AI-usage analyser inside the real pipeline: a signed, tagged upload processed by media.pipeline."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from media import services
from media.ai_usage import ai_usage_for
from media.models import Film, FrameHash, JobState
from media.pipeline import process_film
from media.rules import DeclaredAIUse
from tests.media.ai_fixtures import FixtureChain, c2pa_chain, make_clip, manifest_definition, reencode, sign_clip
from tests.media.helpers import RULES

__all__ = ["c2pa_chain"]  # a fixture used below

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def _register(path: Path, declared: DeclaredAIUse) -> Film:
    data = path.read_bytes()
    return services.register_film(
        source_name=default_storage.save(f"uploads/{path.name}", ContentFile(data)),
        original_filename=path.name,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        group_key="edition:77",
        rules=RULES,
        declared_ai=declared,
    )


def test_a_signed_upload_gets_its_evidence_shots_and_duplicate_link_from_the_pipeline(
    ffmpeg: str, tmp_path: Path, media_storage: Path, c2pa_chain: FixtureChain
) -> None:
    # Four 2-second shots: the storyboard samples a frame every 2 s, four frames to compare.
    clip = make_clip(
        ffmpeg, tmp_path / "clip.mp4", sources=("testsrc", "smptebars", "rgbtestsrc", "testsrc2"), seconds_each=2
    )
    signed = sign_clip(c2pa_chain, clip, tmp_path / "signed.mp4", manifest_definition(generator="OpenAI Sora"))
    film = _register(signed, DeclaredAIUse(ai_video_declared=False, tools=("runway",)))

    assert process_film(film.pk) == JobState.READY

    usage = ai_usage_for(film.pk, asset_base_url="/mount/")
    assert (usage.recorded, usage.c2pa_state, usage.c2pa["claim_generator"]) == (True, "untrusted", "OpenAI Sora 1.0")
    assert sorted({f.code for f in usage.flags}) == ["c2pa_ai_media_undeclared", "c2pa_tool_undeclared"]
    assert [(s.start_seconds, s.end_seconds) for s in usage.shots] == [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0), (6.0, 8.0)]
    assert all(s.thumbnail_url.startswith("/mount/ai/") for s in usage.shots)  # under the caller's mount
    assert FrameHash.objects.filter(film=film).count() == 4

    # The same film re-encoded smaller and uploaded again in the same edition.
    copy = _register(reencode(ffmpeg, clip, tmp_path / "copy.mp4", size="128x72"), DeclaredAIUse(True, ("sora",)))
    assert process_film(copy.pk) == JobState.READY
    assert [d.film_id for d in ai_usage_for(copy.pk).duplicates] == [film.pk]
    assert [d.film_id for d in ai_usage_for(film.pk).duplicates] == [copy.pk]
