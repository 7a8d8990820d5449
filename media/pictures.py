"""Posters and the storyboard sprite + WebVTT thumbnails track (Pillow, hardened).

Shot thumbnails belong to the shot list of ``media.ai_usage`` (made from the same frames).

Every picture read here was written by our own ffmpeg pass, but it is still decoded from
an untrusted film: only JPEG is opened, a decompression bomb is an error (not a warning),
and every written file is re-encoded from pixels only, so no metadata survives.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter, ImageStat

from media.errors import PermanentError

ALLOWED_FORMATS = ("JPEG",)
MAX_PIXELS = 4096 * 4096
POSTER_SIDES = (1280, 640, 320)  # long side of each poster size (never upscaled)
SPRITE_COLUMNS = 10
DARK_MEAN = 24  # a frame this dark (0-255 luma) is "black"
FLAT_STDDEV = 6  # and this flat is a blank card / fade


@contextmanager
def _hardened() -> Iterator[None]:
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def open_picture(path: Path) -> Image.Image:
    """Open a frame: JPEG only, bounded size, pixels loaded (the file handle is closed)."""
    with _hardened():
        try:
            with Image.open(path, formats=ALLOWED_FORMATS) as image:
                image.load()
                return image.convert("RGB")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PermanentError(f"A frame of the film is too large to read ({exc}).") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise PermanentError(f"A frame of the film could not be read ({exc}).") from exc


def _clean_copy(image: Image.Image) -> Image.Image:
    """Pixels only: a new image carries no EXIF, XMP, ICC or comments."""
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    return clean


def save_jpeg(image: Image.Image, path: Path, *, quality: int = 85) -> Path:
    _clean_copy(image).save(path, "JPEG", quality=quality, optimize=True, progressive=True)
    return path


def save_webp(image: Image.Image, path: Path, *, quality: int = 80) -> Path:
    _clean_copy(image).save(path, "WEBP", quality=quality, method=4)
    return path


@dataclass(frozen=True)
class FrameScore:
    path: Path
    time: float
    brightness: float
    contrast: float
    sharpness: float

    @property
    def usable(self) -> bool:
        return self.brightness >= DARK_MEAN and self.contrast >= FLAT_STDDEV and self.brightness <= 250


def score_frame(path: Path, time: float) -> FrameScore:
    image = open_picture(path)
    grey = image.convert("L")
    grey.thumbnail((320, 320))
    stats = ImageStat.Stat(grey)
    edges = ImageStat.Stat(grey.filter(ImageFilter.FIND_EDGES))
    return FrameScore(
        path=path,
        time=time,
        brightness=stats.mean[0],
        contrast=stats.stddev[0],
        sharpness=edges.var[0],  # blur has weak edges: low variance of the edge map
    )


def choose_poster(candidates: list[tuple[float, Path]], duration: float) -> FrameScore | None:
    """The sharpest frame that is neither black nor flat, preferring the body over head and tail."""
    scores = [score_frame(path, time) for time, path in candidates]
    if not scores:
        return None

    def rank(score: FrameScore) -> tuple[bool, bool, float]:
        in_body = duration <= 0 or 0.05 * duration <= score.time <= 0.95 * duration
        return (score.usable, in_body, score.sharpness)

    return max(scores, key=rank)


def poster_files(source: Path, folder: Path) -> list[Path]:
    """The chosen frame in each size (long side 1280/640/320, never upscaled), JPEG and WebP."""
    image = open_picture(source)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for side in POSTER_SIDES:
        if side > max(image.size) and side != POSTER_SIDES[-1]:
            continue
        sized = image.copy()
        sized.thumbnail((side, side), Image.Resampling.LANCZOS)
        written.append(save_jpeg(sized, folder / f"{side}.jpg"))
        written.append(save_webp(sized, folder / f"{side}.webp"))
    return written


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def storyboard(frames: list[tuple[float, Path]], folder: Path, *, duration: float) -> list[Path]:
    """A sprite sheet (10 columns) and a WebVTT thumbnails track pointing into it (relative URIs)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not frames:
        return []
    images = [open_picture(path) for _, path in frames]
    cell_w = max(image.size[0] for image in images)
    cell_h = max(image.size[1] for image in images)
    columns = min(SPRITE_COLUMNS, len(images))
    rows = math.ceil(len(images) / columns)
    sheet = Image.new("RGB", (cell_w * columns, cell_h * rows))
    cues = ["WEBVTT", ""]
    for index, (image, (start, _)) in enumerate(zip(images, frames, strict=True)):
        x, y = (index % columns) * cell_w, (index // columns) * cell_h
        sheet.paste(image, (x, y))
        end = frames[index + 1][0] if index + 1 < len(frames) else max(duration, start + 0.001)
        cues += [f"{_vtt_time(start)} --> {_vtt_time(end)}", f"sprite.jpg#xywh={x},{y},{cell_w},{cell_h}", ""]
    sprite = save_jpeg(sheet, folder / "sprite.jpg", quality=70)
    track = folder / "thumbs.vtt"
    track.write_text("\n".join(cues), encoding="utf-8")
    return [sprite, track]
