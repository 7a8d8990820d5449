from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def test_simulate_judging_prints_each_world_k_and_method_and_the_targets() -> None:
    out = StringIO()
    call_command(
        "simulate_judging", entries=600, judges=20, k="2,3", seeds=1, worlds="textbook,noise_judges", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("1 seed(s) per cell; graph from the platform's planner; k=2+1: ")
    assert lines[1].split() == [
        "world",
        "entries",
        "k",
        "method",
        "tau",
        "recall",
        "cov",
        "cov1%",
        "covcut",
        "collapse",
    ]
    cells = [(line.split()[0], line.split()[2], line.split()[3]) for line in lines[2:20]]
    assert cells[:3] == [("textbook", "2", "raw"), ("textbook", "2", "z-score"), ("textbook", "2", "judge")]
    assert {(world, k) for world, k, _ in cells} == {
        (world, k) for world in ("textbook", "noise_judges") for k in ("2", "2+1", "3")
    }
    model = [line for line in lines[2:20] if "judge model" in line]
    assert all(line.split()[-1] == "0" for line in model)  # no collapse
    assert lines[20].startswith("model collapses: 0 of 6 fits; model vs z on average: tau +")
    assert lines[21].startswith("model 95 % coverage: all ")
    assert lines[22].startswith("simulated in ")


def test_simulate_judging_rejects_unknown_worlds_and_bad_sizes() -> None:
    with pytest.raises(CommandError, match="Unknown world"):
        call_command("simulate_judging", worlds="mars", stdout=StringIO())
    with pytest.raises(CommandError, match="--sizes takes ENTRIESxJUDGES"):
        call_command("simulate_judging", sizes="6000by60", stdout=StringIO())


def test_simulate_judging_rejects_more_judges_per_entry_than_judges() -> None:
    with pytest.raises(CommandError, match="--k must be between 1 and the number of judges"):
        call_command("simulate_judging", entries=200, judges=2, k="3", seeds=1, stdout=StringIO())


@pytest.mark.django_db
def test_simulate_judging_persists_an_edition_and_calibrates_it_through_the_database(settings) -> None:
    from judging.models import Round, Score

    out = StringIO()
    call_command(
        "simulate_judging", entries=300, judges=12, k="3", seeds=1, worlds="textbook", persist=True, stdout=out
    )
    round_ = Round.objects.get(name="Screening")
    assert Score.objects.filter(round=round_).count() == 900
    assert round_.entries.count() == 300
    last = out.getvalue().splitlines()[-1]
    assert last.startswith(f"persisted as edition #{round_.edition_id}, round #{round_.pk}: through the database")
    tau = float(last.split("has tau ")[1].split()[0])
    in_memory = float(last.split("(in memory: ")[1].rstrip(")"))
    assert abs(tau - in_memory) < 0.01  # the same scores, rescaled to 0-10: the same ranking
