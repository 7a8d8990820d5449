"""Renditions of real (tiny) films of every shape, through the whole pipeline."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from media.models import FilmOutput, JobState, QCReport
from media.pipeline import process_film
from tests.media.helpers import job, register

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        [settings.FFPROBE_BINARY, "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        check=True,
        capture_output=True,
    ).stdout
    return json.loads(out)


@pytest.mark.parametrize(
    ("clip", "rung", "size", "audio", "warnings"),
    [
        ("vertical.mp4", "90p", (90, 160), True, []),
        ("square.mp4", "120p", (120, 120), True, []),
        ("odd.mkv", "90p", (160, 90), True, []),
        ("vfr.mp4", "90p", (160, 90), True, ["variable_frame_rate"]),
        ("silent.mp4", "90p", (160, 90), False, ["no_audio"]),
    ],
)
def test_every_shape_plays(
    clip: str,
    rung: str,
    size: tuple[int, int],
    audio: bool,
    warnings: list[str],
    ffmpeg: str,
    clips: dict[str, Path],
    media_storage: Path,
) -> None:
    film = register(clips[clip])
    assert process_film(film.pk) == JobState.READY, job(film).failure_reason
    base = media_storage / "films" / str(film.pk)
    mp4 = FilmOutput.objects.get(film=film, key="mp4")
    assert mp4.files == [f"mp4/{rung}.mp4"]
    probed = ffprobe(base / mp4.files[0])
    video = [s for s in probed["streams"] if s["codec_type"] == "video"]
    sound = [s for s in probed["streams"] if s["codec_type"] == "audio"]
    assert (video[0]["codec_name"], video[0]["pix_fmt"], (video[0]["width"], video[0]["height"])) == (
        "h264",
        "yuv420p",
        size,
    )
    assert video[0]["r_frame_rate"] == video[0]["avg_frame_rate"]  # constant frame rate
    assert [s["codec_name"] for s in sound] == (["aac"] if audio else [])
    head = (base / mp4.files[0]).read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))
    hls = FilmOutput.objects.get(film=film, key=f"hls/{rung}")
    assert (hls.width, hls.height) == size
    assert f"hls/{rung}/init.mp4" in hls.files and f"hls/{rung}/index.m3u8" in hls.files
    playlist = (base / "hls" / rung / "index.m3u8").read_text()
    assert '#EXT-X-MAP:URI="init.mp4"' in playlist and "/" not in playlist.replace("#EXT-X-", "")
    report = QCReport.objects.get(film=film)
    assert [f["code"] for f in report.findings] == warnings
    assert all(f["severity"] == "warning" for f in report.findings)


def test_storyboard_track_points_into_the_sprite(ffmpeg: str, clips: dict[str, Path], media_storage: Path) -> None:
    film = register(clips["horizontal.mp4"])
    process_film(film.pk)
    track = (media_storage / "films" / str(film.pk) / "storyboard" / "thumbs.vtt").read_text()
    assert track.splitlines()[:4] == ["WEBVTT", "", "00:00:00.000 --> 00:00:02.000", "sprite.jpg#xywh=0,0,160,90"]
    poster = FilmOutput.objects.get(film=film, key="poster")
    assert poster.files == ["poster/320.jpg", "poster/320.webp"]
