"""Each bad input of issue 4, as a real file through the real pipeline: a failed job with a
clear reason, nothing published, nothing left in the work folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from media.models import FilmOutput, JobState, ProcessingJob
from media.pipeline import process_film
from media.rules import FilmRules
from tests.media.helpers import RULES, register, stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.services]

# Only the containers the edition (tests.media.helpers.RULES) accepts are advertised.
NOT_A_FILM = "not a film (this edition accepts MP4, MOV, WebM or MKV video files)."

CASES = {
    "empty.mp4": "The file is empty (0 bytes).",
    "text.mp4": "The file is not a video Laurel can read (this edition accepts MP4, MOV, WebM or MKV video files).",
    "truncated.mp4": "The file is incomplete (an MP4/MOV without its index, e.g. a cut-off upload).",
    "cut_faststart.mp4": "Decoding stopped at 0:02 of 0:08; the file is damaged or incomplete.",
    "playlist.avi": f"The file is an HLS playlist, {NOT_A_FILM}",
    "playlist.mp4": f"The file is an HLS playlist, {NOT_A_FILM}",
    "playlist": f"The file is an HLS playlist, {NOT_A_FILM}",
    "concat.mp4": f"The file is a concat script, {NOT_A_FILM}",
    "still.jpg": f"The file is a still image, {NOT_A_FILM}",
    "audio.m4a": "The file has sound but no picture (audio only); a film needs a video stream.",
    "bomb.mp4": f"The file is a still image, {NOT_A_FILM}",
    "streams.mkv": "The file has 50 streams; at most 8 are accepted.",
    "jump.mkv": (
        "The film's timestamps jump from 0:02 to 10:00:00 (it declares 2:00); the file is damaged: export it again."
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_fails_with_a_clear_reason(
    name: str, ffmpeg: str, bad_inputs: dict[str, Path], media_storage: Path
) -> None:
    film = register(bad_inputs[name], name=f"{name}-upload")
    assert process_film(film.pk) == JobState.FAILED
    job = ProcessingJob.objects.get(film=film)
    assert (job.state, job.failure_reason) == (JobState.FAILED, CASES[name])
    assert FilmOutput.objects.filter(film=film).count() == 0
    assert stored_files(media_storage, film.pk) == []
    assert list((media_storage.parent / "work").glob("**/*")) == []


def test_runtime_outside_the_rules(ffmpeg: str, clips: dict[str, Path], media_storage: Path) -> None:
    rules = FilmRules(**{**RULES.to_dict(), "runtime_min_seconds": 60, "allowed_containers": ("mp4",)})
    film = register(clips["horizontal.mp4"], rules=rules)
    assert process_film(film.pk) == JobState.FAILED
    job = ProcessingJob.objects.get(film=film)
    assert job.failure_reason == "Does not meet the edition's rules: runtime 0:02, this edition allows 1:00–10:00."
    report = film.qc_report
    assert (report.blocking, [f["code"] for f in report.findings]) == (True, ["runtime"])
    assert FilmOutput.objects.filter(film=film).count() == 0


def test_wrong_container_for_the_edition(ffmpeg: str, clips: dict[str, Path], media_storage: Path) -> None:
    rules = FilmRules(**{**RULES.to_dict(), "allowed_containers": ("mp4", "mov")})
    film = register(clips["odd.mkv"], rules=rules)
    assert process_film(film.pk) == JobState.FAILED
    assert ProcessingJob.objects.get(film=film).failure_reason == (
        "Does not meet the edition's rules: container MKV, this edition accepts MP4, MOV."
    )


def test_a_decode_that_hangs_times_out(ffmpeg: str, clips: dict[str, Path], media_storage: Path, settings: Any) -> None:
    # A wall clock far shorter than any decode stands in for a decoder stuck on a crafted
    # file: the runner kills the process group and the job fails with the limit it hit.
    settings.LAUREL_MEDIA_TIMEOUT_BASE = 0
    settings.LAUREL_MEDIA_TIMEOUT_PER_SECOND = 0.0001
    film = register(clips["horizontal.mp4"])
    assert process_film(film.pk) == JobState.FAILED
    job = ProcessingJob.objects.get(film=film)
    assert job.failure_reason == (
        "Processing took longer than the 0 s allowed for a film of 0:02; the file may be damaged."
    )
    assert list((media_storage.parent / "work").glob("**/*")) == []


def test_a_declared_runtime_is_refused_by_the_editions_rule(
    ffmpeg: str, bad_inputs: dict[str, Path], media_storage: Path
) -> None:
    # Longer than Laurel's own 4-hour limit too: the entrant is told the edition's rule.
    film = register(bad_inputs["declares_10h.mkv"])
    assert process_film(film.pk) == JobState.FAILED
    assert ProcessingJob.objects.get(film=film).failure_reason == (
        "Does not meet the edition's rules: runtime 10:00:00, this edition allows 0:01–10:00."
    )
    assert [f["message"] for f in film.qc_report.findings] == ["runtime 10:00:00, this edition allows 0:01–10:00"]


def test_a_container_refusal_names_only_what_the_edition_accepts(
    ffmpeg: str, bad_inputs: dict[str, Path], media_storage: Path
) -> None:
    rules = FilmRules(**{**RULES.to_dict(), "allowed_containers": ("mp4",)})
    film = register(bad_inputs["concat.mp4"], rules=rules)
    assert process_film(film.pk) == JobState.FAILED
    assert ProcessingJob.objects.get(film=film).failure_reason == (
        "The file is a concat script, not a film (this edition accepts MP4 video files)."
    )


def test_the_memory_cap_is_named_for_what_it_is(
    ffmpeg: str, clips: dict[str, Path], media_storage: Path, settings: Any
) -> None:
    # Enough address space for ffprobe, not for the encoders of the one-decode pass: the
    # failure names the cap, not a damaged file or codec.
    settings.LAUREL_MEDIA_MEMORY_LIMIT_MB = 340
    film = register(clips["horizontal.mp4"])
    assert process_film(film.pk) == JobState.FAILED
    assert ProcessingJob.objects.get(film=film).failure_reason == (
        "Processing the film needed more than the 340 MB of memory a film may use (the memory cap); "
        "the file is damaged or unusually demanding to decode."
    )
    assert FilmOutput.objects.filter(film=film).count() == 0
