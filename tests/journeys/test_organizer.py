"""An organizer's journey in Chromium: fill and assign a round, read the dashboard, advance,
run the final, publish the ladder and download every export, checked against the page."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from judging.final import services as final_services
from judging.models import (
    Assignment,
    AssignmentRun,
    AssignmentState,
    AwardDecision,
    Criterion,
    RoundEntry,
    RoundKind,
    Score,
    ScoreState,
)
from judging.tasks import run_assignment
from tests.factories import OrganizerFactory
from tests.judging.factories import RoundFactory, judge_of, rubric_round, submitted_entry
from tests.judging.rank_factories import add_ladder, ranked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _download(page: Any, link_text: str, folder: Path) -> Path:
    """Click an export link; the file as the browser saved it, under the name the server gave."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_text, exact=True).first.click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def _score_every_assignment(round_id: int) -> None:
    """The judges do their work (as the scoring page would store it): totals by entry."""
    now = timezone.now()
    criteria = list(Criterion.objects.filter(round_id=round_id).values_list("pk", flat=True))
    Score.objects.bulk_create(
        Score(
            round_id=round_id, judge_id=a.judge_id, submission_id=a.submission_id, assignment=a,
            state=ScoreState.SUBMITTED, submitted_at=now, total=float(2 + a.submission_id % 7),
            values={str(c): 2 + (a.submission_id + c) % 7 for c in criteria},
        )
        for a in Assignment.objects.filter(round_id=round_id, state=AssignmentState.ACTIVE)
    )  # fmt: skip


def test_an_organizer_assigns_advances_runs_the_final_publishes_and_exports(journey: Any, tmp_path: Path) -> None:
    membership = OrganizerFactory.create()
    screening = rubric_round(name="Screening", position=0, judges_per_entry=2)
    edition = screening.edition
    edition.festival = membership.festival
    edition.save()
    add_ladder(edition)
    final = RoundFactory.create(edition=edition, name="Final", kind=RoundKind.FINAL, position=1)
    judges = [judge_of(edition, name=f"Judge {n}") for n in range(3)]
    for n in range(6):
        submitted_entry(edition, title=f"Entry {n}")
    me = journey("organizer", user=membership.user)
    page = me.page

    me.goto("/organize/", "console")
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(f"**/organize/editions/{edition.pk}/dashboard/")
    me.step("dashboard before judging")
    assert page.locator(".dashboard-figures li").first.inner_text() == "6\nentries"

    # The round: fill it, assign with a seed; closing needs the box ticked.
    page.goto(me.url(f"/organize/rounds/{screening.pk}/"))
    page.get_by_role("button", name="Add the edition's submitted entries").click()
    page.wait_for_selector("text=6 entries added to the round.")
    page.get_by_role("button", name="Assign judges to entries").click()
    page.wait_for_selector("text=Assignment queued")
    assert run_assignment(AssignmentRun.objects.get(round=screening).pk) == "done"  # the worker's part
    page.reload()
    assert page.locator('[data-live="round-assignments"]').inner_text() == "12"
    me.step("round assigned")
    withdraw = page.get_by_role("button", name="Withdraw and re-assign their unscored entries").first
    colours = withdraw.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b.closest('.card')).backgroundColor]"
    )
    assert colours == ["rgb(122, 92, 0)", "rgb(255, 255, 255)"]  # readable, not white on white
    page.get_by_role("button", name="Close now (locks scores)").click()  # the box is not ticked
    assert page.evaluate("() => document.getElementById('confirm-close').validity.valueMissing") is True
    screening.refresh_from_db()
    assert screening.closes_at is not None and screening.closes_at > timezone.now()  # still open

    _score_every_assignment(screening.pk)
    ranked(screening)  # what the worker's ranking refresh stores
    page.goto(me.url(f"/organize/editions/{edition.pk}/dashboard/"))
    me.step("dashboard after judging")
    burndown = page.locator(f'figure:has(canvas[data-chart="burndown-{screening.pk}"]) figcaption').inner_text()
    assert "0 of 12 still to submit" in burndown

    # Results: the rule, then advance (confirmed) into the final.
    page.goto(me.url(f"/organize/editions/{edition.pk}/results/?round={screening.pk}"))
    page.select_option("#id_mode", "top_n")
    page.get_by_label("N (for top N)").fill("3")
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_selector("text=Advancement rule saved.")
    ranked(screening)  # the rule changed the cut: the worker recomputes
    page.reload()
    me.step("results with the cut")
    ranking = page.locator("table:has(caption:text-is('Entries of Screening, best first'))").inner_text()
    ranked_titles = re.findall(r"#\d+ (Entry \d)", ranking)  # the page's order, best first
    assert len(ranked_titles) == 6
    page.check("#confirm-advance")
    page.get_by_role("button", name="Advance to Final").click()
    page.wait_for_selector("text=3 entries entered Final.")
    me.step("advanced")
    finalists = list(
        RoundEntry.objects.filter(round=final).order_by("submission_id").values_list("submission_id", flat=True)
    )
    assert len(finalists) == 3

    # Screening exports: the same entries, in the page's order.
    csv_rows = list(csv.DictReader(_download(page, "CSV", tmp_path).read_text().splitlines()))
    json_body = json.loads(_download(page, "JSON", tmp_path).read_text())
    sheet = load_workbook(_download(page, "Excel", tmp_path), read_only=True).worksheets[0]
    xlsx_rows = list(sheet.iter_rows(values_only=True))
    assert [row["title"] for row in csv_rows] == ranked_titles
    assert [entry["title"] for entry in json_body["entries"]] == ranked_titles
    title_column = list(xlsx_rows[0]).index("title")
    assert [row[title_column] for row in xlsx_rows[1:]] == ranked_titles

    # The final: the jurors rank the finalists, the organizer publishes the ladder.
    for judge in judges:
        final_services.submit_ballot(round_=final, judge=judge, actor=judge.user, ranking=finalists)
    page.goto(me.url(f"/organize/editions/{edition.pk}/results/?round={final.pk}"))
    me.step("final ladder")
    page.check("#confirm-publish")
    page.get_by_role("button", name="Publish the award ladder").click()
    page.wait_for_selector("text=Award ladder published: 3 awards.")
    me.step("ladder published")
    published = page.locator("h3:has-text('Published ladder') + ol li").all_inner_texts()
    awards = list(AwardDecision.objects.filter(round=final).order_by("rank").values_list("submission_id", flat=True))
    assert awards == finalists and len(published) == 3
    # The final's exports hold the published ladder, in the page's order.
    final_csv = list(csv.DictReader(_download(page, "CSV", tmp_path).read_text().splitlines()))
    final_json = _download(page, "JSON", tmp_path).read_text()
    final_book = load_workbook(_download(page, "Excel", tmp_path), read_only=True)
    final_xlsx = list(final_book.worksheets[0].iter_rows(values_only=True))
    titles = [line.split("#", 1)[1].split(" ", 1)[1] for line in published]  # "Grand Prix: #12 Entry 5"
    assert [title in row.values() for row, title in zip(final_csv, titles, strict=True)] == [True] * 3
    assert [title in row for row, title in zip(final_xlsx[1:], titles, strict=True)] == [True] * 3
    assert [final_json.index(title) for title in titles] == sorted(final_json.index(title) for title in titles)


def test_the_finals_exports_hold_the_published_awards(client: Any, tmp_path: Path) -> None:
    """What the organizer downloads after publishing: every award, best first, with its tier."""
    membership = OrganizerFactory.create()
    final = RoundFactory.create(name="Final", kind=RoundKind.FINAL, position=1, edition__festival=membership.festival)
    add_ladder(final.edition)
    finalists = [submitted_entry(final.edition, title=f"Finalist {n}") for n in range(3)]
    RoundEntry.objects.bulk_create(RoundEntry(round=final, submission=s) for s in finalists)
    judges = [judge_of(final.edition, name=f"Juror {n}") for n in range(3)]
    for judge in judges:
        final_services.submit_ballot(round_=final, judge=judge, actor=judge.user, ranking=[s.pk for s in finalists])
    awards = final_services.publish_awards(round_=final, decided_by=membership.user, method="schulze")
    expected = [(a.submission.title, a.tier.name) for a in sorted(awards, key=lambda a: a.rank)]
    client.force_login(membership.user)
    base = f"/organize/editions/{final.edition_id}/results/{final.pk}/export"

    text = b"".join(client.get(f"{base}.csv").streaming_content).decode()
    rows = list(csv.reader(text.splitlines()))[1:]
    body = b"".join(client.get(f"{base}.json").streaming_content).decode()
    xlsx = tmp_path / "final.xlsx"
    xlsx.write_bytes(b"".join(client.get(f"{base}.xlsx").streaming_content))
    sheet_rows = list(load_workbook(xlsx, read_only=True).worksheets[0].iter_rows(values_only=True))[1:]

    assert [(title in row, tier in row) for row, (title, tier) in zip(rows, expected, strict=True)] == [
        (True, True)
    ] * 3
    assert [body.index(title) for title, _tier in expected] == sorted(body.index(t) for t, _ in expected)
    assert all(tier in body for _title, tier in expected)
    assert [title in row for row, (title, _tier) in zip(sheet_rows, expected, strict=True)] == [True] * 3
