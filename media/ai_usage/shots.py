"""The shot list: shots between scene cuts, each with a thumbnail.

A shot's thumbnail is the sampled storyboard frame nearest its middle when one falls inside
it (no extra decode); shots shorter than the sampling interval get a frame cut by one
ffmpeg process that seeks to each of them (through ``media.runner``, with its limits).
"""

from __future__ import annotations

import io
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from media import runner

logger = logging.getLogger(__name__)

MAX_SHOTS = 2000
MIN_SHOT_SECONDS = 0.04  # one frame at 25 fps; closer cuts are the same cut
THUMBNAIL_BOX = (320, 320)
_SEEKS_PER_PROCESS = 16


@dataclass(frozen=True)
class ShotSpan:
    index: int
    start: float
    end: float

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2


def shots_from_cuts(cuts: list[float], duration: float | None) -> list[ShotSpan]:
    """Shots [start, end) from scene-cut times; the last shot ends at the film's duration."""
    end_of_film = duration if duration and duration > 0 else None
    points = sorted({round(c, 3) for c in cuts if c > MIN_SHOT_SECONDS and (end_of_film is None or c < end_of_film)})
    bounds = [0.0]
    for point in points:
        if point - bounds[-1] >= MIN_SHOT_SECONDS:
            bounds.append(point)
    if end_of_film is not None and end_of_film - bounds[-1] >= MIN_SHOT_SECONDS:
        bounds.append(round(end_of_film, 3))
    spans = [ShotSpan(index=i, start=a, end=b) for i, (a, b) in enumerate(itertools.pairwise(bounds))]
    return spans[:MAX_SHOTS]


def nearest_sampled_frame(span: ShotSpan, frames: list[tuple[float, Path]]) -> Path | None:
    """The sampled frame inside the shot closest to its middle, if any."""
    inside = [(abs(t - span.middle), path) for t, path in frames if span.start <= t < span.end]
    return min(inside, key=lambda item: item[0])[1] if inside else None


def frame_grab_argv(source: Path, times: list[float], outputs: list[Path]) -> list[str]:
    """One ffmpeg process, one fast input seek per time, one JPEG per time (pure: tested without ffmpeg)."""
    grabs = [
        ffmpeg.output(
            runner.untrusted_input(source, ss=f"{t:.3f}", threads="1")["v:0"],
            f"file:{out}",
            update="1",
            **{"frames:v": "1", "q:v": "4"},
        )
        for t, out in zip(times, outputs, strict=True)
    ]
    return runner.ffmpeg_argv(grabs, threads=1, loglevel="error")


def grab_frames(source: Path, times: list[float], workdir: Path) -> list[Path | None]:
    """Frames at ``times`` cut from the source (None where the decode gave nothing).

    A failed or timed-out grab costs those shots their thumbnails, never the film.
    """
    results: list[Path | None] = []
    out_dir = workdir / "ai-shot-frames"
    out_dir.mkdir(exist_ok=True)
    for first in range(0, len(times), _SEEKS_PER_PROCESS):
        batch = times[first : first + _SEEKS_PER_PROCESS]
        outputs = [out_dir / f"frame-{first + i:05d}.jpg" for i in range(len(batch))]
        limits = runner.default_limits(timeout=60 + 5 * len(batch))
        try:
            runner.run(frame_grab_argv(source, batch, outputs), limits=limits, stderr_path=out_dir / "grab.stderr")
        except (runner.RunFailed, OSError) as exc:
            logger.warning("shot frames of %s: %s", source.name, exc)
        results += [out if out.exists() and out.stat().st_size > 0 else None for out in outputs]
    return results


def save_thumbnail(frame: Path, name: str) -> str:
    """A small JPEG of ``frame`` (metadata dropped) saved through the storage API; returns its name."""
    with Image.open(frame, formats=["JPEG", "PNG", "WEBP"]) as image:
        picture = image.convert("RGB")
        picture.thumbnail(THUMBNAIL_BOX)
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=80, optimize=True)
    return default_storage.save(name, ContentFile(buffer.getvalue()))
