"""Large Excel exports: built by a worker from the current snapshot, kept in storage, linked on the page."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from judging.models import ExportFile, RunState
from judging.results.rankings import ranking_of
from judging.tasks import build_export
from tests.factories import OrganizerFactory
from tests.judging.rank_factories import ScoredRound, ranked, scored_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_inline_limit(settings, tmp_path) -> None:
    settings.LAUREL_XLSX_INLINE_MAX_ROWS = 3
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


def organizer_client(data: ScoredRound) -> Client:
    client = Client()
    client.force_login(data.organizer)
    return client


def xlsx_url(data: ScoredRound) -> str:
    return reverse(
        "judging:results-export", kwargs={"edition_id": data.edition.pk, "round_id": data.round.pk, "fmt": "xlsx"}
    )


def test_a_large_round_gets_its_excel_file_from_a_worker_and_a_link_on_the_page() -> None:
    data = scored_round(n_entries=8, n_judges=3, k=2)
    ranked(data.round)
    client = organizer_client(data)

    response = client.get(xlsx_url(data), follow=True)

    assert "The Excel file is being prepared" in response.content.decode()
    export = ExportFile.objects.get()
    snapshot = ranking_of(data.round).snapshot
    assert snapshot is not None
    assert (export.state, export.rows_total, export.snapshot_id) == (RunState.QUEUED, 8, snapshot.pk)
    assert client.get(xlsx_url(data)).status_code == 302
    assert ExportFile.objects.count() == 1  # asking again reuses the job

    assert build_export(export.pk) == "done"  # what the worker does with the queued task

    page = client.get(reverse("judging:results", kwargs={"edition_id": data.edition.pk})).content.decode()
    link = reverse(
        "judging:results-file",
        kwargs={"edition_id": data.edition.pk, "round_id": data.round.pk, "export_id": export.pk},
    )
    assert f'Excel file ready (8 rows): <a href="{link}">download</a>' in page
    download = client.get(link)
    assert download.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    titles = [row[4] for row in workbook["Ranking"].iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == [f"Film {i:03d}" for i in range(8)]


def test_a_file_of_an_earlier_ranking_is_not_offered_and_others_get_404() -> None:
    data = scored_round(n_entries=5, n_judges=2, k=2)
    ranked(data.round)
    client = organizer_client(data)
    client.get(xlsx_url(data))
    export = ExportFile.objects.get()
    build_export(export.pk)
    data.round.advance_count = 2
    data.round.advancement_mode = "top_n"
    data.round.save()  # the rule is part of the ranking's state: the snapshot is now stale

    page = client.get(reverse("judging:results", kwargs={"edition_id": data.edition.pk})).content.decode()
    assert "Excel file ready" not in page
    stranger = Client()
    stranger.force_login(OrganizerFactory.create().user)
    link = reverse(
        "judging:results-file",
        kwargs={"edition_id": data.edition.pk, "round_id": data.round.pk, "export_id": export.pk},
    )
    assert stranger.get(link).status_code == 404


def test_a_small_round_is_built_in_the_request() -> None:
    data = scored_round(n_entries=3, n_judges=2, k=2)
    ranked(data.round)
    response = organizer_client(data).get(xlsx_url(data))
    assert response.status_code == 200
    assert not ExportFile.objects.exists()
