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
