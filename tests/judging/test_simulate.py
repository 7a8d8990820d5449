from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def test_simulate_judging_prints_each_method_and_the_targets() -> None:
    out = StringIO()
    call_command("simulate_judging", entries=600, judges=20, k=3, seeds=2, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "600 entries, 20 judges, k=3: 1800 scores per seed, seeds 1..2"
    assert [line.split()[0] for line in lines[2:5]] == ["raw", "z-score", "judge"]
    assert lines[5].startswith("tau order model > z > raw: yes; model keeps ")
    assert lines[6].startswith("calibration (all three methods): slowest seed ")


def test_simulate_judging_rejects_more_judges_per_entry_than_judges() -> None:
    with pytest.raises(CommandError, match="--k must be between 1 and the number of judges"):
        call_command("simulate_judging", entries=200, judges=2, k=3, seeds=1, stdout=StringIO())


@pytest.mark.django_db
def test_simulate_judging_persists_an_edition_and_calibrates_it_through_the_database(settings) -> None:
    from judging.models import Round, Score

    out = StringIO()
    call_command("simulate_judging", entries=300, judges=12, k=3, seeds=1, persist=True, stdout=out)
    round_ = Round.objects.get(name="Screening")
    assert Score.objects.filter(round=round_).count() == 900
    assert round_.entries.count() == 300
    last = out.getvalue().splitlines()[-1]
    assert last.startswith(f"persisted as edition #{round_.edition_id}, round #{round_.pk}: through the database")
    tau = float(last.split("has tau ")[1].split()[0])
    in_memory = float(last.split("(in memory: ")[1].rstrip(")"))
    assert abs(tau - in_memory) < 0.01  # the same scores, rescaled to 0-10: the same ranking
