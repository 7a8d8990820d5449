"""Laurels: generated SVG / PNG (transparent, black and white, web and print), downloads, uploaded artwork."""

from __future__ import annotations

import io
from typing import Any
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from announcements import laurels, services
from announcements.models import LaurelArtwork
from tests.announcements.factories import judged_edition

SVG = "{http://www.w3.org/2000/svg}"


def test_the_svg_is_a_wreath_with_the_festival_the_year_and_the_distinction() -> None:
    # Our own output, not untrusted input.
    root = ElementTree.fromstring(laurels.svg(festival="Lumen AI Film Festival", year=2027, distinction="Gold"))  # noqa: S314
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["LUMEN AI FILM FESTIVAL", "GOLD", "2027"]
    leaves = [p for g in root.findall(f"{SVG}g") if g.get("fill") == "#111111" for p in g.iter(f"{SVG}path")]
    assert len(leaves) == 2 * (2 * 11 + 1)
    assert root.find(f"{SVG}title").text == "Gold — Lumen AI Film Festival 2027"  # type: ignore[union-attr]
    white = laurels.svg(festival="F", year=2027, distinction="Gold", color="white")
    assert 'fill="#ffffff"' in white and "#111111" not in white


def test_long_distinctions_split_and_fit_inside_the_wreath() -> None:
    lines = laurels.text_lines(
        festival="A Very Long International AI Film Festival", year=2027, distinction="Official Selection"
    )
    assert [line.text for line in lines] == [
        "A VERY LONG INTERNATIONAL AI FILM FESTIVAL",
        "OFFICIAL",
        "SELECTION",
        "2027",
    ]
    assert max(line.width for line in lines) <= laurels.WIDTH * 0.46 * 1.05


@pytest.mark.parametrize(("size", "width"), [("web", 600), ("print", 2400)])
def test_the_png_has_a_transparent_background_at_web_and_print_sizes(size: str, width: int) -> None:
    image = Image.open(io.BytesIO(laurels.png(festival="Lumen", year=2027, distinction="Grand Prix", size=size)))
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (width, round(width * 440 / 600)))
    assert image.getpixel((0, 0)) == (17, 17, 17, 0) and image.getpixel((width // 2, image.height // 10)) == (
        17,
        17,
        17,
        0,
    )
    alpha = image.getchannel("A")
    opaque = sum(alpha.histogram()[201:]) / (image.width * image.height)
    assert 0.04 < opaque < 0.35  # leaves and letters, not a filled box
    pixels = [image.getpixel((x, y)) for x in range(0, width, 7) for y in range(0, image.height, 7)]
    colors = {pixel[:3] for pixel in pixels if isinstance(pixel, tuple) and pixel[3] > 250}
    assert colors == {(17, 17, 17)}


@pytest.mark.django_db
def test_the_entrant_downloads_their_laurel_and_only_theirs() -> None:
    data = judged_edition()
    services.announce(round_=data.screening, actor=data.organizer)
    services.announce(round_=data.final, actor=data.organizer)
    client = Client()
    client.force_login(data.entrants[1])
    response = client.get(f"/me/submissions/{data.films[1].pk}/laurel/white.png?size=print")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="lumen-2027-gold-white-print.png"'
    assert Image.open(io.BytesIO(response.content)).size == (2400, 1760)
    svg = client.get(f"/me/submissions/{data.films[1].pk}/laurel/black.svg")
    assert b">GOLD</text>" in svg.content
    assert client.get(f"/me/submissions/{data.films[0].pk}/laurel/black.svg").status_code == 404
    loser = Client()
    loser.force_login(data.entrants[5])
    assert loser.get(f"/me/submissions/{data.films[5].pk}/laurel/black.svg").status_code == 404
    assert "Your laurels" not in loser.get(f"/me/submissions/{data.films[5].pk}/outcome/").content.decode()


@pytest.mark.django_db
def test_a_festivals_own_artwork_replaces_the_generated_laurel(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    data = judged_edition()
    services.announce(round_=data.final, actor=data.organizer)
    own = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'
    services.upload_laurel_artwork(
        edition=data.edition,
        distinction="Grand Prix",
        upload=SimpleUploadedFile("mine.svg", own.encode(), content_type="image/svg+xml"),
        actor=data.organizer,
    )
    client = Client()
    client.force_login(data.entrants[0])
    response = client.get(f"/me/submissions/{data.films[0].pk}/laurel/black.svg")
    assert b"".join(response.streaming_content) == own.encode()  # type: ignore[attr-defined]
    assert LaurelArtwork.objects.get().distinction == "Grand Prix"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "scripts"),
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"></svg>', "event handlers"),
        ("x.png", b"\x89PNG\r\n\x1a\nnot really", "cannot be read"),
        ("x.gif", b"GIF89a", "Upload an SVG or a PNG"),
    ],
)
def test_bad_artwork_is_refused_with_the_reason(name: str, content: bytes, error: str) -> None:
    data = judged_edition()
    with pytest.raises(laurels.ArtworkError, match=error):
        services.upload_laurel_artwork(
            edition=data.edition, distinction="Gold", upload=SimpleUploadedFile(name, content), actor=data.organizer
        )


@pytest.mark.django_db
def test_an_opaque_png_is_refused() -> None:
    data = judged_edition()
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, format="PNG")
    with pytest.raises(laurels.ArtworkError, match="no transparent background"):
        services.upload_laurel_artwork(
            edition=data.edition,
            distinction="Gold",
            upload=SimpleUploadedFile("x.png", buffer.getvalue()),
            actor=data.organizer,
        )
