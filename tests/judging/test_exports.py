"""Exports of a round's results (CSV, XLSX, JSON) and the results API: content, streaming, queries."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from festival.models import User
from judging.results.exports import AWARD_COLUMNS, COLUMNS, csv_cells, in_chunks
from submissions.models import Submission
from tests.judging.rank_factories import ScoredRound, ranked, scored_round

pytestmark = pytest.mark.django_db

Z1 = round(2.4 / math.sqrt(3.8), 4)  # judge 0 gives 9, 8, 6, 6, 4: mean 6.6, sd sqrt(3.8)
Z2 = round(1.4 / math.sqrt(3.8), 4)
Z3 = round(-0.6 / math.sqrt(3.8), 4)
Z5 = round(-2.6 / math.sqrt(3.8), 4)


def hand_round() -> ScoredRound:
    return scored_round(
        totals=[
            [(0, 9.0), (1, 7.0)],
            [(0, 8.0), (1, 6.0)],
            [(0, 6.0), (1, 4.0)],
            [(0, 6.0), (1, 4.0)],
            [(0, 4.0), (1, 2.0)],
        ],
        n_judges=2,
    )


def export(data: ScoredRound, fmt: str, django_assert_max_num_queries) -> bytes:
    ranked(data.round)
    client = Client()
    client.force_login(data.organizer)
    url = reverse(
        "judging:results-export", kwargs={"edition_id": data.edition.pk, "round_id": data.round.pk, "fmt": fmt}
    )
    # Session and roles, edition, round, snapshot, its state key (the round's conflicts: jury,
    # declarations, waivers, naming credits, entrants; the entries that left; the submitted scores'
    # and the entries' aggregates), rows, judges: constant.
    with django_assert_max_num_queries(17):
        response = client.get(url)
        assert response.status_code == 200
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def expected_head(data: ScoredRound) -> list[list[str]]:
    email = data.submissions[0].entrant.email
    ids = [s.pk for s in data.submissions]
    return [
        ["1", "1", "False", str(ids[0]), "Film 000", email, "2", "8.0", "1", str(Z1)],
        ["2", "2", "False", str(ids[1]), "Film 001", email, "2", "7.0", "2", str(Z2)],
        ["3", "3", "True", str(ids[2]), "Film 002", email, "2", "5.0", "3", str(Z3)],
        ["4", "3", "True", str(ids[3]), "Film 003", email, "2", "5.0", "3", str(Z3)],
        ["5", "5", "False", str(ids[4]), "Film 004", email, "2", "3.0", "5", str(Z5)],
    ]


def test_csv_export_has_one_exact_row_per_entry(django_assert_max_num_queries) -> None:
    data = hand_round()
    rows = list(csv.reader(io.StringIO(export(data, "csv", django_assert_max_num_queries).decode())))
    assert rows[0] == list(COLUMNS)
    assert [row[:10] for row in rows[1:]] == expected_head(data)
    for row in rows[1:]:
        model, low, high = float(row[11]), float(row[13]), float(row[14])
        assert low < model < high
        assert (row[15], row[16], row[17], row[18]) == ("2.0", "False", "", "False")


def test_json_export_matches_the_csv(django_assert_max_num_queries) -> None:
    data = hand_round()
    document = json.loads(export(data, "json", django_assert_max_num_queries))
    assert document["round"] == {"id": data.round.pk, "name": "Screening", "kind": "screening"}
    assert (document["entries_in_round"], document["scored"], document["model"]["converged"]) == (5, 5, True)
    assert [[str(e[c]) for c in COLUMNS[:10]] for e in document["entries"]] == expected_head(data)
    assert [(j["name"], j["n_scores"], j["mean"]) for j in document["judges"]] == [
        ("Judge 0", 5, 6.6),
        ("Judge 1", 5, 4.6),
    ]


def test_xlsx_export_matches_the_csv(django_assert_max_num_queries) -> None:
    data = hand_round()
    workbook = load_workbook(io.BytesIO(export(data, "xlsx", django_assert_max_num_queries)), read_only=True)
    rows = [list(row) for row in workbook["Ranking"].iter_rows(values_only=True)]
    assert rows[0] == list(COLUMNS)
    # Spreadsheet cells are numbers: 8.0 is stored (and read back) as 8.
    cells = [[*map(str, row[:7]), str(float(row[7])), *map(str, row[8:10])] for row in rows[1:]]
    assert cells == expected_head(data)
    judges = [list(row) for row in workbook["Judges"].iter_rows(values_only=True)]
    assert judges[0] == ["membership_id", "name", "n_scores", "mean", "leniency", "scale", "noise"]
    assert [(row[1], row[2], row[3]) for row in judges[1:]] == [("Judge 0", 5, 6.6), ("Judge 1", 5, 4.6)]


def test_export_of_an_empty_round_is_just_the_header(django_assert_max_num_queries) -> None:
    data = scored_round(totals=[], n_judges=1)
    assert export(data, "csv", django_assert_max_num_queries).decode().splitlines() == [",".join(COLUMNS)]


def test_unknown_export_format_is_404() -> None:
    data = hand_round()
    client = Client()
    client.force_login(data.organizer)
    url = reverse(
        "judging:results-export", kwargs={"edition_id": data.edition.pk, "round_id": data.round.pk, "fmt": "pdf"}
    )
    assert client.get(url).status_code == 404


def test_results_api_lists_each_rounds_ranking(django_assert_max_num_queries) -> None:
    data = hand_round()
    ranked(data.round)
    client = Client()
    client.force_login(data.organizer)
    url = reverse("judging:api-results", kwargs={"edition_id": data.edition.pk})
    with django_assert_max_num_queries(17):  # + the round's conflicts (5, constant)
        response = client.get(url, {"limit": 2, "offset": 1})
    assert response.status_code == 200
    body = response.json()
    assert (body["edition"], body["limit"], body["offset"]) == (data.edition.pk, 2, 1)
    (round_data,) = body["rounds"]
    assert (round_data["name"], round_data["scored"], round_data["tied_at_cut"], round_data["tie_band"]) == (
        "Screening",
        5,
        0,
        0,
    )
    assert [(e["position"], e["title"], e["rank"], e["raw"]) for e in round_data["entries"]] == [
        (2, "Film 001", 2, 7.0),
        (3, "Film 002", 3, 5.0),
    ]
    assert round_data["awards"] == []
    assert client.get(url, {"round": "999999"}).status_code == 404
    assert client.get(url, {"limit": "lots"}).json()["limit"] == 100


def test_results_api_lists_the_published_award_ladder_of_a_final() -> None:
    from judging.final import services
    from tests.judging.rank_factories import final_round

    data = final_round(finalists=2, jurors=1)
    a, b = (f.pk for f in data.finalists)
    services.submit_ballot(round_=data.round, judge=data.jurors[0], actor=data.jurors[0].user, ranking=[b, a])
    services.publish_awards(round_=data.round, decided_by=data.organizer)
    client = Client()
    client.force_login(data.organizer)
    body = client.get(reverse("judging:api-results", kwargs={"edition_id": data.edition.pk})).json()
    assert body["rounds"][0]["awards"] == [
        {"rank": 1, "tier": "Grand Prix", "submission_id": b, "title": "Finalist 1"},
        {"rank": 2, "tier": "Gold", "submission_id": a, "title": "Finalist 0"},
    ]


FORMULAS = ['=HYPERLINK("http://x.test","Win")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


def test_formula_like_cells_are_neutralised_in_csv_and_stored_as_text_in_xlsx(django_assert_max_num_queries) -> None:
    data = hand_round()
    for submission, title in zip(data.submissions, FORMULAS, strict=False):
        Submission.objects.filter(pk=submission.pk).update(title=title)
    User.objects.filter(pk=data.submissions[0].entrant_id).update(email="=cmd@example.org")
    expected_titles = {str(s.pk): t for s, t in zip(data.submissions, FORMULAS, strict=False)}

    rows = list(csv.reader(io.StringIO(export(data, "csv", django_assert_max_num_queries).decode())))
    workbook = load_workbook(io.BytesIO(export(data, "xlsx", django_assert_max_num_queries)))
    sheet = workbook["Ranking"]

    assert {row[3]: row[4] for row in rows[1:]} == {pk: "'" + title for pk, title in expected_titles.items()}
    assert {row[5] for row in rows[1:]} == {"'=cmd@example.org"}
    assert [float(row[9]) for row in rows[1:]][-1] == Z5  # a negative number stays a number
    titles = {str(row[3].value): row[4] for row in sheet.iter_rows(min_row=2)}
    assert {pk: (cell.value, cell.data_type) for pk, cell in titles.items()} == {
        pk: (title, "s") for pk, title in expected_titles.items()
    }
    assert all(row[5].data_type == "s" and row[5].value == "=cmd@example.org" for row in sheet.iter_rows(min_row=2))
    assert all(row[9].data_type == "n" for row in sheet.iter_rows(min_row=2))


def test_streamed_exports_join_rows_into_bounded_chunks() -> None:
    assert list(in_chunks(["a\n", "b\n", "c\n", "d\n", "e\n"], rows=2)) == ["a\nb\n", "c\nd\n", "e\n"]
    assert list(in_chunks([], rows=2)) == []


def test_csv_cell_leaves_plain_text_and_numbers_alone() -> None:
    assert csv_cells(["Film", "a=b", -1.5, 0, None, "-x", "=1+1"]) == ["Film", "a=b", -1.5, 0, None, "'-x", "'=1+1"]


def test_the_finals_exports_hold_the_published_ladder() -> None:
    from judging.final import services
    from tests.judging.rank_factories import final_round

    data = final_round(finalists=3, jurors=3)
    Submission.objects.filter(pk=data.finalists[2].pk).update(title="=Evil()")
    for juror in data.jurors:
        services.submit_ballot(
            round_=data.round, judge=juror, actor=juror.user, ranking=[f.pk for f in reversed(data.finalists)]
        )
    services.publish_awards(round_=data.round, decided_by=data.organizer)
    client = Client()
    client.force_login(data.organizer)

    def download(fmt: str) -> bytes:
        kwargs = {"edition_id": data.edition.pk, "round_id": data.round.pk, "fmt": fmt}
        response = client.get(reverse("judging:results-export", kwargs=kwargs))
        return b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]

    email = data.finalists[0].entrant.email
    ladder = [
        (1, "Grand Prix", data.finalists[2].pk, "=Evil()", email),
        (2, "Gold", data.finalists[1].pk, "Finalist 1", email),
        (3, "Silver", data.finalists[0].pk, "Finalist 0", email),
    ]
    rows = list(csv.reader(io.StringIO(download("csv").decode())))
    workbook = load_workbook(io.BytesIO(download("xlsx")))
    document = json.loads(download("json"))

    assert rows[0] == list(AWARD_COLUMNS)
    assert rows[1:] == [
        [str(r), t, str(pk), "'=Evil()" if title.startswith("=") else title, e] for r, t, pk, title, e in ladder
    ]
    assert [tuple(c.value for c in row) for row in workbook["Awards"].iter_rows(min_row=2)] == ladder
    assert workbook["Awards"]["D2"].data_type == "s"
    assert [tuple(a[c] for c in AWARD_COLUMNS) for a in document["awards"]] == [tuple(x) for x in ladder]
