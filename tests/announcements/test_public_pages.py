"""The public winners pages: nothing before the announcement, consent respected, JSON-LD valid, cacheable."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from announcements import public, services
from announcements.models import PublicConsent
from media.models import AIEvidence, C2PAState
from submissions.models import AIUse, ProductionStage
from tests.announcements.factories import judged_edition
from tests.submissions.factories import ai_tool, seed_ai_tools

pytestmark = pytest.mark.django_db

# The schema.org types the pages use, with the properties schema.org defines for them (from
# https://schema.org/<Type>, inherited ones included) and the ones we promise to fill in.
SCHEMA: dict[str, dict[str, set[str]]] = {
    "ItemList": {
        "allowed": {"name", "url", "numberOfItems", "itemListElement", "itemListOrder", "description"},
        "required": {"name", "url", "numberOfItems", "itemListElement"},
    },
    "ListItem": {"allowed": {"position", "item", "name", "url"}, "required": {"position", "item"}},
    "Movie": {
        "allowed": {
            "@id",
            "name",
            "url",
            "award",
            "description",
            "image",
            "director",
            "creator",
            "duration",
            "keywords",
            "actor",
            "countryOfOrigin",
            "inLanguage",
            "dateCreated",
        },
        "required": {"name", "url", "award"},
    },
    "Person": {"allowed": {"name", "jobTitle", "url"}, "required": {"name"}},
    "DefinedTerm": {
        "allowed": {"name", "termCode", "inDefinedTermSet", "url", "description"},
        "required": {"name", "termCode", "inDefinedTermSet"},
    },
}


def validate(node: Any, path: str = "$") -> list[str]:
    """Every place the JSON-LD does not follow the schema.org types above."""
    problems: list[str] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            problems += validate(item, f"{path}[{index}]")
        return problems
    if not isinstance(node, dict):
        return problems
    kind = node.get("@type")
    if kind not in SCHEMA:
        return [f"{path}: unknown @type {kind!r}"]
    keys = set(node) - {"@type", "@context"}
    problems += [f"{path}: {kind} has no property {key}" for key in sorted(keys - SCHEMA[kind]["allowed"])]
    problems += [f"{path}: {kind} lacks {key}" for key in sorted(SCHEMA[kind]["required"] - keys)]
    for key, value in node.items():
        if isinstance(value, dict | list):
            problems += validate(value, f"{path}.{key}")
    return problems


def json_ld(html: str) -> Any:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(found) == 1
    return json.loads(found[0])


def _announced(**kwargs: Any) -> Any:
    data = judged_edition(**kwargs)
    services.announce(round_=data.screening, actor=data.organizer)
    services.announce(round_=data.final, actor=data.organizer)
    return data


def test_nothing_is_public_before_the_final_is_announced() -> None:
    data = judged_edition()
    services.announce(round_=data.screening, actor=data.organizer)
    client = Client()
    for url in (
        "/festivals/lumen/2027/",
        f"/festivals/lumen/2027/films/{data.films[0].pk}/",
        "/festivals/lumen/2027/results.json",
    ):
        assert client.get(url).status_code == 404, url


def test_the_edition_page_lists_the_ladder_with_valid_json_ld(django_assert_max_num_queries: Any) -> None:
    _announced()
    client = Client()
    with django_assert_max_num_queries(14):
        response = client.get("/festivals/lumen/2027/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    html = response.content.decode()
    order = re.findall(r'<p class="award-name">([^<]+)</p>', html)
    assert order == ["Grand Prix", "Gold", "Silver", "Honoree"]
    ld = json_ld(html)
    assert ld["@context"] == "https://schema.org" and validate(ld) == []
    movies = [item["item"] for item in ld["itemListElement"]]
    assert [(m["@type"], m["name"], m["award"]) for m in movies] == [
        ("Movie", "Film A", "Grand Prix, Lumen AI Film Festival 2027"),
        ("Movie", "Film B", "Gold, Lumen AI Film Festival 2027"),
        ("Movie", "Film C", "Silver, Lumen AI Film Festival 2027"),
        ("Movie", "Film D", "Honoree, Lumen AI Film Festival 2027"),
    ]
    assert movies[0]["director"] == [{"@type": "Person", "name": "Entrant 0"}]
    assert "Film E" not in html  # not advanced: not on the winners page


def test_a_film_page_per_film_with_its_ai_label_and_json_ld() -> None:
    seed_ai_tools()
    data = _announced()
    AIUse.objects.create(
        submission=data.films[1], stage=ProductionStage.VIDEO, tool=ai_tool("runway"), runtime_share_percent=80
    )
    html = Client().get(f"/festivals/lumen/2027/films/{data.films[1].pk}/").content.decode()
    assert "<h1>Film B</h1>" in html and "Created using generative AI" in html
    assert 'href="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"' in html
    assert "No C2PA manifest in the file" in html
    ld = json_ld(html)
    assert validate(ld) == [] and ld["@type"] == "Movie"
    assert ld["keywords"] == [
        {
            "@type": "DefinedTerm",
            "name": "Created using generative AI",
            "termCode": "trainedAlgorithmicMedia",
            "inDefinedTermSet": "http://cv.iptc.org/newscodes/digitalsourcetype/",
            "url": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
        }
    ]


def test_only_what_the_entrant_consented_to_is_public() -> None:
    data = _announced()
    PublicConsent.objects.filter(submission=data.films[2]).delete()
    PublicConsent.objects.filter(submission=data.films[0]).update(show_credits=False)
    client = Client()
    html = client.get("/festivals/lumen/2027/").content.decode()
    assert "Film C" not in html and "Title withheld at the entrant's request" in html
    assert "Entrant 0" not in html
    assert client.get(f"/festivals/lumen/2027/films/{data.films[2].pk}/").status_code == 404
    results = json.loads(client.get("/festivals/lumen/2027/results.json").content)
    # results.json is signed at announcement time: it reflects the consent then, by entry number.
    assert [a["entry"] for a in results["payload"]["rounds"][1]["awards"]] == [f.pk for f in data.films[:4]]


def test_the_ai_label_follows_the_disclosure_and_the_c2pa_evidence() -> None:
    seed_ai_tools()
    data = judged_edition()
    use = AIUse(submission=data.films[0], stage=ProductionStage.MUSIC, tool=ai_tool("suno"), runtime_share_percent=100)
    assert public.ai_label([], None).summary == "No AI use declared"
    assert public.ai_label([use], None).summary == "AI used in production (not in the pictures)"
    upscale = AIUse(
        submission=data.films[0], stage=ProductionStage.UPSCALE, tool_other="Topaz", runtime_share_percent=100
    )
    assert public.ai_label([upscale], None).source_type == "algorithmicallyEnhanced"
    image = AIUse(
        submission=data.films[0], stage=ProductionStage.IMAGE, tool_other="Midjourney", runtime_share_percent=20
    )
    assert public.ai_label([image], None).source_type == "compositeWithTrainedAlgorithmicMedia"
    # A valid manifest's own digital source type wins over what the disclosure implies.
    evidence = AIEvidence(c2pa_state=C2PAState.TRUSTED, c2pa={"digital_source_types": ["trainedAlgorithmicMedia"]})
    label = public.ai_label([image], evidence)
    assert (label.source_type, label.evidence) == (
        "trainedAlgorithmicMedia",
        "C2PA manifest: Valid, signer trusted; digital source type trainedAlgorithmicMedia.",
    )
    broken = AIEvidence(c2pa_state=C2PAState.INVALID, c2pa={"digital_source_types": ["digitalCapture"]})
    assert public.ai_label([image], broken).source_type == "compositeWithTrainedAlgorithmicMedia"


def _with_poster(film: Any) -> bytes:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from media.assets import storage_name
    from media.models import FilmOutput, OutputKind
    from tests.factories import FilmFactory

    media = FilmFactory.create()
    film.film = media
    film.save(update_fields=["film"])
    FilmOutput.objects.create(film=media, kind=OutputKind.HLS_MASTER, key="hls", files=["hls/master.m3u8"])
    FilmOutput.objects.create(film=media, kind=OutputKind.MP4, key="mp4", files=["mp4/film.mp4"])
    FilmOutput.objects.create(film=media, kind=OutputKind.POSTER, key="poster", files=["poster/1280.jpg"])
    body = b"\xff\xd8\xff poster bytes"
    default_storage.save(storage_name(media.pk, "poster/1280.jpg"), ContentFile(body))
    default_storage.save(storage_name(media.pk, "mp4/film.mp4"), ContentFile(b"film"))
    return body


def test_the_poster_is_public_only_when_the_entrant_chose_so(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.MEDIA_ROOT = str(tmp_path)
    data = _announced()
    body = _with_poster(data.films[0])
    base = f"/festivals/lumen/2027/films/{data.films[0].pk}/media/"
    client = Client()
    html = client.get("/festivals/lumen/2027/").content.decode()
    assert f'<img src="{base}poster/1280.jpg"' in html
    response = client.get(base + "poster/1280.jpg")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == body  # type: ignore[attr-defined]
    assert client.get(base + "mp4/film.mp4").status_code == 404  # only the poster is public
    PublicConsent.objects.filter(submission=data.films[0]).update(show_poster=False)
    assert client.get(base + "poster/1280.jpg").status_code == 404
    assert f"{base}poster/1280.jpg" not in client.get("/festivals/lumen/2027/").content.decode()
