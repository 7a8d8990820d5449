from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client, RequestFactory

from media.assets import is_safe_asset_name, storage_name
from media.models import AIEvidence, FilmOutput, OutputKind, Shot
from media.playback import Playback, playback_for, serve_film_asset
from tests.factories import EditionFactory, FilmFactory, OrganizerFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

MP4_BYTES = bytes(range(256)) * 40  # 10240 bytes


def _store(film_id: int, asset: str, content: bytes) -> None:
    default_storage.save(storage_name(film_id, asset), ContentFile(content))


def _ready_film(group_key: str = "edition:0") -> int:
    film = FilmFactory.create(group_key=group_key)
    files = {
        "hls/master.m3u8": b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n",
        "mp4/720p.mp4": MP4_BYTES,
        "poster/1280.jpg": b"jpg",
        "poster/1280.webp": b"webp",
        "storyboard/thumbs.vtt": b"WEBVTT\n",
    }
    for asset, content in files.items():
        _store(film.pk, asset, content)
    FilmOutput.objects.create(
        film=film, kind=OutputKind.HLS_MASTER, key="hls/master", files=["hls/master.m3u8"], meta={"duration": 12.5}
    )
    FilmOutput.objects.create(film=film, kind=OutputKind.MP4, key="mp4", files=["mp4/720p.mp4"], width=1280, height=720)
    FilmOutput.objects.create(
        film=film, kind=OutputKind.POSTER, key="poster", files=["poster/1280.jpg", "poster/1280.webp"]
    )
    FilmOutput.objects.create(film=film, kind=OutputKind.STORYBOARD, key="storyboard", files=["storyboard/thumbs.vtt"])
    return film.pk


def _body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_playback_for_uses_the_callers_mount(media_storage: Path) -> None:
    film_id = _ready_film()
    playback = playback_for(film_id, base_url="/judge/entries/17/media")
    assert playback == Playback(
        hls_url="/judge/entries/17/media/hls/master.m3u8",
        mp4_url="/judge/entries/17/media/mp4/720p.mp4",
        poster_url="/judge/entries/17/media/poster/1280.jpg",
        poster_webp_url="/judge/entries/17/media/poster/1280.webp",
        storyboard_url="/judge/entries/17/media/storyboard/thumbs.vtt",
        duration_seconds=12.5,
        width=0,
        height=0,
    )


def test_playback_for_a_film_still_processing_is_none() -> None:
    film = FilmFactory.create()
    assert playback_for(film.pk, base_url="/x/") is None


def test_full_file_and_ranges(media_storage: Path) -> None:
    film_id = _ready_film()
    factory = RequestFactory()

    full = serve_film_asset(factory.get("/"), film_id=film_id, asset="mp4/720p.mp4")
    assert (full.status_code, full["Content-Length"], full["Content-Type"]) == (200, "10240", "video/mp4")
    assert full["Accept-Ranges"] == "bytes"
    assert full["Cache-Control"] == "private, max-age=300"
    assert _body(full) == MP4_BYTES

    part = serve_film_asset(factory.get("/", HTTP_RANGE="bytes=100-199"), film_id=film_id, asset="mp4/720p.mp4")
    assert (part.status_code, part["Content-Range"], part["Content-Length"]) == (206, "bytes 100-199/10240", "100")
    assert _body(part) == MP4_BYTES[100:200]

    open_ended = serve_film_asset(factory.get("/", HTTP_RANGE="bytes=10000-"), film_id=film_id, asset="mp4/720p.mp4")
    assert (open_ended.status_code, open_ended["Content-Range"]) == (206, "bytes 10000-10239/10240")
    assert _body(open_ended) == MP4_BYTES[10000:]

    suffix = serve_film_asset(factory.get("/", HTTP_RANGE="bytes=-16"), film_id=film_id, asset="mp4/720p.mp4")
    assert (suffix.status_code, _body(suffix)) == (206, MP4_BYTES[-16:])

    beyond = serve_film_asset(factory.get("/", HTTP_RANGE="bytes=20000-"), film_id=film_id, asset="mp4/720p.mp4")
    assert (beyond.status_code, beyond["Content-Range"]) == (416, "bytes */10240")


@pytest.mark.parametrize(
    "asset",
    ["mp4/other.mp4", "../1/mp4/720p.mp4", "mp4/../mp4/720p.mp4", "/etc/passwd", "", "hls//master.m3u8"],
)
def test_only_recorded_assets_are_served(media_storage: Path, asset: str) -> None:
    from django.http import Http404

    film_id = _ready_film()
    _store(film_id, "mp4/other.mp4", b"not recorded")
    with pytest.raises(Http404):
        serve_film_asset(RequestFactory().get("/"), film_id=film_id, asset=asset)


def test_another_films_asset_is_not_served(media_storage: Path) -> None:
    from django.http import Http404

    film_id = _ready_film()
    other = FilmFactory.create()
    with pytest.raises(Http404):
        serve_film_asset(RequestFactory().get("/"), film_id=other.pk, asset="mp4/720p.mp4")
    assert film_id != other.pk


def test_asset_name_checks() -> None:
    assert [is_safe_asset_name(n) for n in ("hls/720p/00001.m4s", "a/./b", "a/../b", "./a", "a\\b", "é")] == [
        True,
        False,
        False,
        False,
        False,
        False,
    ]


def test_organizer_mount_and_404_for_others(media_storage: Path, client: Client) -> None:
    edition = EditionFactory.create()
    film_id = _ready_film(group_key=f"edition:{edition.pk}")
    organizer = OrganizerFactory.create(festival=edition.festival).user
    other_organizer = OrganizerFactory.create().user
    url = f"/organize/films/{film_id}/media/mp4/720p.mp4"

    client.force_login(organizer)
    response = client.get(url, HTTP_RANGE="bytes=0-9")
    assert (response.status_code, _body(response)) == (206, MP4_BYTES[:10])

    client.force_login(other_organizer)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory.create())
    assert client.get(url).status_code == 404
    client.force_login(organizer)
    assert client.get(f"/organize/films/{film_id}/media/mp4/nope.mp4").status_code == 404


def test_organizer_film_page_shows_player(
    media_storage: Path, client: Client, django_assert_max_num_queries: object
) -> None:
    edition = EditionFactory.create()
    film_id = _ready_film(group_key=f"edition:{edition.pk}")
    client.force_login(OrganizerFactory.create(festival=edition.festival).user)
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        response = client.get(f"/organize/films/{film_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-hls="/organize/films/{film_id}/media/hls/master.m3u8"' in html
    assert f'data-storyboard="/organize/films/{film_id}/media/storyboard/thumbs.vtt"' in html


def test_shot_thumbnails_load_through_the_permission_checked_mounts(media_storage: Path, client: Client) -> None:
    """The shot list's pictures: never a bare /media/ URL, each mount checks who may see them."""
    edition = EditionFactory.create()
    film_id = _ready_film(group_key=f"edition:{edition.pk}")
    name = default_storage.save(f"films/{film_id}/ai/run1/shot-0000.jpg", ContentFile(b"\xff\xd8jpeg"))
    Shot.objects.create(film_id=film_id, index=0, start_seconds=0, end_seconds=1.5, thumbnail=name)
    AIEvidence.objects.create(film_id=film_id)
    submission = SubmissionFactory.create(edition=edition, film_id=film_id)
    organizer = OrganizerFactory.create(festival=edition.festival).user
    organizer_src = f"/organize/films/{film_id}/media/ai/run1/shot-0000.jpg"
    entrant_src = f"/me/submissions/{submission.pk}/media/ai/run1/shot-0000.jpg"

    client.force_login(organizer)
    assert f'src="{organizer_src}"' in client.get(f"/organize/films/{film_id}/").content.decode()
    shown = client.get(organizer_src)
    assert (shown.status_code, shown["Content-Type"], _body(shown)) == (200, "image/jpeg", b"\xff\xd8jpeg")

    client.force_login(submission.entrant)
    assert f'src="{entrant_src}"' in client.get(f"/me/submissions/{submission.pk}/").content.decode()
    assert _body(client.get(entrant_src)) == b"\xff\xd8jpeg"
    # Only recorded shots of this film are served; another entrant gets a 404.
    assert client.get(f"/me/submissions/{submission.pk}/media/ai/run1/other.jpg").status_code == 404
    client.force_login(UserFactory.create())
    assert client.get(entrant_src).status_code == 404


@pytest.mark.parametrize(
    "header",
    ["bytes=" + "9" * 5000 + "-", "bytes=-" + "9" * 5000, "bytes=²-", "bytes=٣-٤", "bytes=" + "1" * 20 + "-"],
)
def test_a_hostile_range_header_is_answered_with_the_whole_file_not_a_500(media_storage: Path, header: str) -> None:
    film_id = _ready_film()
    response = serve_film_asset(RequestFactory().get("/", HTTP_RANGE=header), film_id=film_id, asset="mp4/720p.mp4")
    assert (response.status_code, response["Content-Length"]) == (200, "10240")
