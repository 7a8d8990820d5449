"""Laurel wreaths: two leafy branches around the distinction, the festival's name and the year.

One geometry (``wreath_shapes``) is drawn twice: as SVG paths and, with Pillow, as a PNG
(transparent background, black or white, web and print widths). Edges are anti-aliased by
drawing a mask at a multiple of the size and scaling it down. Festivals may upload their
own artwork per distinction (``LaurelArtwork``), served instead of the generated one.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from django.core.files.uploadedfile import UploadedFile
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from announcements.selectors import FINALIST, OFFICIAL_SELECTION, tiers_of
from festival.models import Edition

WIDTH, HEIGHT = 600, 440  # the design's units; PNGs scale this
SIZES = {"web": 600, "print": 2400}
COLORS = {"black": "#111111", "white": "#ffffff"}
_FONT_FILES = ("DejaVuSerif.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
_FONT_BOLD_FILES = ("DejaVuSerif-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")
BOLD = ' font-weight="bold"'
SVG_FONT = "'DejaVu Serif', Georgia, 'Times New Roman', serif"

Point = tuple[float, float]
_UNSAFE_SVG = re.compile(r"<script|javascript:|\son[a-z]+\s*=|<foreignobject|<!entity|xlink:href\s*=\s*[\"']?(?!#)")


def slug_for(distinction: str) -> str:
    return slugify(distinction) or "laurel"


def distinctions_of(edition: Edition) -> list[str]:
    """Every distinction a laurel exists for: each award tier, Finalist, Official Selection."""
    return [tier.name for tier in tiers_of(edition)] + [FINALIST, OFFICIAL_SELECTION]


# --- geometry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shapes:
    leaves: list[list[Point]]  # closed outlines
    stems: list[list[Point]]  # open polylines, drawn with ``stem_width``
    stem_width: float


def _bezier(p0: Point, p1: Point, p2: Point, steps: int) -> list[Point]:
    return [
        (
            (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * p1[0] + t**2 * p2[0],
            (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * p1[1] + t**2 * p2[1],
        )
        for t in (i / steps for i in range(steps + 1))
    ]


def _leaf(base: Point, angle: float, length: float, width: float) -> list[Point]:
    """A pointed leaf from ``base`` towards ``angle`` (radians): two curves meeting at the tip."""
    cos, sin = math.cos(angle), math.sin(angle)

    def place(u: float, v: float) -> Point:
        return (base[0] + u * cos - v * sin, base[1] + u * sin + v * cos)

    # Fuller near the base than at the tip, like a bay leaf.
    upper = _bezier(place(0, 0), place(length * 0.38, -width * 1.1), place(length, 0), 14)
    lower = _bezier(place(length, 0), place(length * 0.38, width * 1.1), place(0, 0), 14)
    return upper + lower[1:]


def wreath_shapes() -> Shapes:
    """Both branches: a stem along an ellipse from the bottom up each side, leaves in pairs."""
    cx, cy, rx, ry = WIDTH / 2, HEIGHT * 0.52, WIDTH * 0.36, HEIGHT * 0.40
    start, end = math.radians(18), math.radians(152)  # from near the bottom to near the top
    pairs = 11
    leaves: list[list[Point]] = []
    stems: list[list[Point]] = []
    for side in (-1, 1):

        def at(phi: float, side: int = side) -> Point:
            return (cx + side * rx * math.sin(phi), cy + ry * math.cos(phi))

        # The stem starts a little past the bottom's middle, so the two branches cross there.
        first = math.radians(-7)
        stem = [at(first + (end - first) * i / 60) for i in range(61)]
        stems.append(stem)
        for i in range(pairs):
            t = i / (pairs - 1)
            phi = start + (end - start) * (0.04 + 0.93 * t)
            x, y = at(phi)
            # The tangent, pointing up the branch.
            dx, dy = side * rx * math.cos(phi), -ry * math.sin(phi)
            along = math.atan2(dy, dx)
            size = 1.0 - 0.45 * t  # leaves get smaller towards the top
            length, width = 62 * size, 13 * size
            spread = math.radians(38)
            leaves.append(_leaf((x, y), along - side * spread, length, width))  # outside
            leaves.append(_leaf((x, y), along + side * spread * 0.9, length * 0.86, width * 0.9))  # inside
        # One leaf crowning the branch's end, along the stem.
        x, y = at(end)
        dx, dy = side * rx * math.cos(end), -ry * math.sin(end)
        leaves.append(_leaf((x, y), math.atan2(dy, dx), 40, 9))
    return Shapes(leaves=leaves, stems=stems, stem_width=4.0)


# --- text -----------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in _FONT_BOLD_FILES if bold else _FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _measure(text: str, size: int, bold: bool) -> float:
    return float(_font(size, bold).getlength(text))


@dataclass(frozen=True)
class Line:
    text: str
    y: float  # baseline, in design units
    size: int
    bold: bool
    width: float  # measured width at ``size``


def _fit(text: str, size: int, bold: bool, max_width: float) -> tuple[int, float]:
    while size > 10 and _measure(text, size, bold) > max_width:
        size -= 1
    return size, _measure(text, size, bold)


def _split(distinction: str) -> list[str]:
    words = distinction.upper().split()
    if len(words) < 2 or len(distinction) <= 10:
        return [distinction.upper()]
    half = max(1, len(words) // 2)
    return [" ".join(words[:half]), " ".join(words[half:])]


def text_lines(*, festival: str, year: int, distinction: str) -> list[Line]:
    """Festival name above, the distinction large in the middle, the year below."""
    inner = WIDTH * 0.46
    lines: list[Line] = []
    big = _split(distinction)
    size, _ = min((_fit(part, 46 if len(big) == 1 else 38, True, inner) for part in big), key=lambda f: f[0])
    festival_size, festival_width = _fit(festival.upper(), 17, False, inner * 1.05)
    middle = HEIGHT * 0.50
    block = size * 1.1 * len(big)
    top = middle - block / 2
    lines.append(Line(festival.upper(), top - 14, festival_size, False, festival_width))
    for index, part in enumerate(big):
        lines.append(Line(part, top + size * 0.95 + index * size * 1.1, size, True, _measure(part, size, True)))
    year_size = 24
    lines.append(Line(str(year), top + block + 34, year_size, False, _measure(str(year), year_size, False)))
    return lines


# --- output -----------------------------------------------------------------------------------


def _path(points: list[Point], closed: bool) -> str:
    head, *rest = points
    body = " ".join(f"L{x:.1f},{y:.1f}" for x, y in rest)
    return f"M{head[0]:.1f},{head[1]:.1f} {body}{' Z' if closed else ''}"


def svg(*, festival: str, year: int, distinction: str, color: str = "black") -> str:
    fill = COLORS[color]
    shapes = wreath_shapes()
    leaves = "".join(f'<path d="{_path(leaf, True)}"/>' for leaf in shapes.leaves)
    stems = "".join(f'<path d="{_path(stem, False)}"/>' for stem in shapes.stems)
    texts = "".join(
        f'<text x="{WIDTH / 2:.0f}" y="{line.y:.1f}" font-size="{line.size}"'
        f'{BOLD if line.bold else ""} textLength="{line.width:.1f}"'
        f' lengthAdjust="spacingAndGlyphs">{escape(line.text)}</text>'
        for line in text_lines(festival=festival, year=year, distinction=distinction)
    )
    title = escape(f"{distinction} — {festival} {year}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-labelledby="t"><title id="t">{title}</title>'
        f'<g fill="{fill}">{leaves}</g>'
        f'<g fill="none" stroke="{fill}" stroke-width="{shapes.stem_width}" stroke-linecap="round" '
        f'stroke-linejoin="round">{stems}</g>'
        f'<g fill="{fill}" font-family="{SVG_FONT}" text-anchor="middle">{texts}</g></svg>\n'
    )


def png(*, festival: str, year: int, distinction: str, color: str = "black", size: str = "web") -> bytes:
    """The laurel as a transparent PNG ``SIZES[size]`` pixels wide."""
    width = SIZES[size]
    supersample = 3 if width <= 1200 else 2
    scale = width / WIDTH * supersample
    mask = Image.new("L", (round(WIDTH * scale), round(HEIGHT * scale)), 0)
    draw = ImageDraw.Draw(mask)
    shapes = wreath_shapes()
    for leaf in shapes.leaves:
        draw.polygon([(x * scale, y * scale) for x, y in leaf], fill=255)
    stroke = max(1, round(shapes.stem_width * scale))
    for stem in shapes.stems:
        points = [(x * scale, y * scale) for x, y in stem]
        draw.line(points, fill=255, width=stroke, joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - stroke / 2, y - stroke / 2, x + stroke / 2, y + stroke / 2), fill=255)
    for line in text_lines(festival=festival, year=year, distinction=distinction):
        font = _font(round(line.size * scale), line.bold)
        draw.text((WIDTH / 2 * scale, line.y * scale), line.text, font=font, fill=255, anchor="ms")
    mask = mask.resize((width, round(HEIGHT * width / WIDTH)), Image.Resampling.LANCZOS)
    rgb = tuple(int(COLORS[color][i : i + 2], 16) for i in (1, 3, 5))
    image = Image.new("RGBA", mask.size, (*rgb, 0))
    image.putalpha(mask)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, dpi=(300, 300) if size == "print" else (72, 72))
    return buffer.getvalue()


# --- uploaded artwork -------------------------------------------------------------------------


class ArtworkError(ValueError):
    """An uploaded laurel cannot be used; the message says why."""


def sniff_artwork(upload: UploadedFile, *, max_bytes: int) -> str:
    """The artwork's type from its content (SVG without scripts, or a PNG with transparency)."""
    if upload.size is None or upload.size > max_bytes:
        raise ArtworkError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    head = upload.read(max_bytes + 1)
    upload.seek(0)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        try:
            with Image.open(io.BytesIO(head)) as image:
                image.verify()
            with Image.open(io.BytesIO(head)) as image:
                if image.mode not in ("RGBA", "LA") and "transparency" not in image.info:
                    raise ArtworkError("The PNG has no transparent background (no alpha channel).")
        except (OSError, SyntaxError) as exc:
            raise ArtworkError(f"The PNG cannot be read: {exc}") from exc
        return "image/png"
    text = head.decode("utf-8", errors="replace").lower()
    if "<svg" in text[:2000]:
        if _UNSAFE_SVG.search(text):
            raise ArtworkError("The SVG holds scripts, event handlers or entities; upload plain artwork.")
        return "image/svg+xml"
    raise ArtworkError("Upload an SVG or a PNG.")
