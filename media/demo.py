"""Demo films: a dozen generated clips (ffmpeg lavfi) taken through the real pipeline.

1-2 minutes each, small frames, with cuts; one vertical, one square, one without sound, one
carrying a C2PA manifest (signed with a throw-away certificate made on the spot), and one
that breaks the edition's runtime rule. ``seed_demo_films`` stores each through the
storage API and registers it with ``media.services.register_film``; the demo's worker
does the rest.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from media.ai_usage.signing import manifest_definition, sign_mp4
from media.models import Film
from media.rules import DeclaredAIUse, FilmRules
from media.services import register_film

SOURCES = (
    "testsrc2",
    "smptebars",
    "rgbtestsrc",
    "testsrc",
    "mandelbrot",
    "cellauto=rule=30",
    "life=mold=10:ratio=0.1:death_color=#2a1a05:life_color=#f0c040",
)


@dataclass(frozen=True)
class DemoFilm:
    slug: str
    title: str
    seconds: int
    shape: str = "wide"  # wide (16:9), vertical (9:16), square
    audio: bool = True
    c2pa: bool = False
    breaks_rule: bool = False  # too short for the edition
    shot_seconds: int = 12


DEMO_FILMS: tuple[DemoFilm, ...] = (
    DemoFilm("tide-engine", "The Tide Engine", 95),
    DemoFilm("paper-moons", "Paper Moons", 72, shot_seconds=8),
    DemoFilm("vertical-city", "Vertical City", 64, shape="vertical"),
    DemoFilm("quiet-orbit", "Quiet Orbit", 80, audio=False),
    DemoFilm("latent-garden", "Latent Garden", 66, c2pa=True),
    DemoFilm("too-short", "Too Short", 30, breaks_rule=True),
    DemoFilm("glass-harvest", "Glass Harvest", 110, shot_seconds=15),
    DemoFilm("square-dance", "Square Dance", 61, shape="square"),
    DemoFilm("night-ferry", "Night Ferry", 88),
    DemoFilm("signal-lost", "Signal Lost", 75, shot_seconds=6),
    DemoFilm("salt-and-static", "Salt and Static", 100),
    DemoFilm("last-frame", "The Last Frame", 118, shot_seconds=20),
)


def _size(shape: str, short: int) -> tuple[int, int]:
    long = (short * 16 // 9) // 2 * 2
    return {"vertical": (short, long), "square": (short, short)}.get(shape, (long, short))


def generate_clip(film: DemoFilm, dest: Path, *, short_side: int, seconds: int, index: int = 0) -> Path:
    """One demo clip: a cut every ``shot_seconds`` between test pictures, a tone per shot."""
    width, height = _size(film.shape, short_side)
    shots = max(1, -(-seconds // film.shot_seconds))
    parts, labels = [], []
    for i in range(shots):
        length = min(film.shot_seconds, seconds - i * film.shot_seconds)
        source = SOURCES[(index + i) % len(SOURCES)]
        options = ":" if "=" in source else "="
        parts.append(f"{source}{options}size={width}x{height}:rate=25,trim=duration={length},setpts=PTS-STARTPTS[v{i}]")
        labels.append(f"[v{i}]")
    graph = ";".join(parts) + ";" + "".join(labels) + f"concat=n={shots}:v=1:a=0,format=yuv420p[v]"
    argv = [settings.FFMPEG_BINARY, "-nostdin", "-v", "error", "-y", "-filter_complex", graph]
    if film.audio:
        tones = "+".join(
            f"sin(2*PI*{220 + 55 * (i % 5)}*t)*between(t\\,{i * film.shot_seconds}\\,{(i + 1) * film.shot_seconds})"
            for i in range(shots)
        )
        argv += ["-f", "lavfi", "-i", f"aevalsrc=0.2*({tones}):s=48000:d={seconds}"]
    argv += ["-map", "[v]"] + (["-map", "0:a", "-c:a", "aac", "-b:a", "96k"] if film.audio else [])
    argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-movflags", "+faststart"]
    argv += ["-metadata", f"title={film.title}", str(dest)]
    subprocess.run(argv, check=True, timeout=600)
    return dest


def make_demo_file(spec: DemoFilm, folder: Path, *, rules: FilmRules, short_side: int, index: int = 0) -> Path:
    """Generate one demo film in ``folder``, fitted to ``rules`` (or breaking them, if it should).

    Frames are small (``short_side``, raised to the rules' minimum so only the rule-breaking
    film fails); the rule-breaking film is made shorter than the rules allow.
    """
    short = max(short_side, rules.min_short_side_px)
    short += short % 2
    if spec.breaks_rule:  # shorter than allowed, or (when short films are allowed) too long
        too_short = rules.runtime_min_seconds // 2
        seconds = too_short if too_short >= 5 else rules.runtime_max_seconds + 5
    else:
        seconds = min(max(spec.seconds, rules.runtime_min_seconds + 1), rules.runtime_max_seconds - 1)
    path = generate_clip(spec, folder / f"{spec.slug}.mp4", short_side=short, seconds=seconds, index=index)
    if spec.c2pa:
        path = sign_mp4(path, folder / f"{spec.slug}-signed.mp4", definition=manifest_definition())
    return path


@dataclass(frozen=True)
class StoredFile:
    name: str
    size_bytes: int
    sha256: str


def store_demo_file(path: Path, *, slug: str) -> StoredFile:
    """Save a generated film through the storage API, as a finished upload would be."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
        handle.seek(0)
        name = default_storage.save(f"uploads/demo/{slug}.mp4", File(handle, name=f"{slug}.mp4"))
    return StoredFile(name=name, size_bytes=path.stat().st_size, sha256=digest.hexdigest())


def seed_demo_films(
    *,
    group_key: str,
    rules: FilmRules,
    films: tuple[DemoFilm, ...] = DEMO_FILMS,
    declared_ai: DeclaredAIUse | None = None,
    short_side: int = 180,
) -> list[tuple[DemoFilm, Film]]:
    """Generate, store and register the demo films; returns each spec with its registered film."""
    seeded: list[tuple[DemoFilm, Film]] = []
    with tempfile.TemporaryDirectory(prefix="laurel-demo-") as folder:
        for index, spec in enumerate(films):
            path = make_demo_file(spec, Path(folder), rules=rules, short_side=short_side, index=index)
            stored = store_demo_file(path, slug=spec.slug)
            film = register_film(
                source_name=stored.name,
                original_filename=f"{spec.slug}.mp4",
                size_bytes=stored.size_bytes,
                sha256=stored.sha256,
                group_key=group_key,
                rules=rules,
                declared_ai=declared_ai,
            )
            seeded.append((spec, film))
    return seeded
