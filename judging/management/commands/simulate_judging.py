"""Simulate an edition's judging in memory and score each calibration method against the truth.

    manage.py simulate_judging --entries 6000 --judges 60 --k 3 --seeds 5

Needs no database: films with a hidden true quality, judges with their own leniency,
scale and noise, a seeded balanced assignment, integer scores rounded and clipped to the
rubric's scale. Prints, per method, Kendall's tau against the truth and the share of the
truly best 1 % kept by a top-5 % shortlist, averaged over the seeds, and the time the
calibration of one seed's scores took.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from judging.calibration.simulation import METHODS, JudgePopulation, SimulationReport, run_simulation

LABELS = {"raw": "raw mean", "z": "z-score", "model": "judge model"}


class Command(BaseCommand):
    help = "Simulate judging in memory; print Kendall's tau and best-1 % recall per calibration method."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entries", type=int, default=6000)
        parser.add_argument("--judges", type=int, default=60)
        parser.add_argument("--k", type=int, default=3, help="Judges per entry.")
        parser.add_argument("--seeds", type=int, default=5, help="Number of seeds (1..N) to average over.")
        parser.add_argument("--first-seed", type=int, default=1)
        parser.add_argument("--leniency-sd", type=float, default=JudgePopulation.leniency_sd)
        parser.add_argument("--noise-high", type=float, default=JudgePopulation.noise_high)

    def handle(self, *args: Any, **options: Any) -> None:
        entries, judges, k, seeds = options["entries"], options["judges"], options["k"], options["seeds"]
        if entries < 100 or judges < 1 or seeds < 1:
            raise CommandError("Use at least 100 entries, 1 judge and 1 seed.")
        if not 1 <= k <= judges:
            raise CommandError(f"--k must be between 1 and the number of judges ({judges}).")
        population = JudgePopulation(leniency_sd=options["leniency_sd"], noise_high=options["noise_high"])
        first = options["first_seed"]
        report = run_simulation(
            n_entries=entries,
            n_judges=judges,
            k=k,
            seeds=tuple(range(first, first + seeds)),
            population=population,
        )
        self.write_report(report, entries=entries, judges=judges, k=k)

    def write_report(self, report: SimulationReport, *, entries: int, judges: int, k: int) -> None:
        self.stdout.write(
            f"{entries} entries, {judges} judges, k={k}: {report.n_scores} scores per seed, "
            f"seeds {report.seeds[0]}..{report.seeds[-1]}"
        )
        self.stdout.write(f"{'method':<12} {'tau':>7} {'best 1% in top 5%':>18}")
        for method in METHODS:
            mean = report.mean(method)
            self.stdout.write(f"{LABELS[method]:<12} {mean.tau:>7.4f} {mean.shortlist_recall:>17.1%}")
        model, z, raw = (report.mean(m) for m in ("model", "z", "raw"))
        order_ok = model.tau > z.tau > raw.tau
        self.stdout.write(
            f"tau order model > z > raw: {'yes' if order_ok else 'NO'}; "
            f"model keeps {model.shortlist_recall:.1%} of the best 1 % (target 95 %)"
        )
        slowest = max(report.calibration_seconds)
        self.stdout.write(f"calibration (all three methods): slowest seed {slowest * 1000:.0f} ms")
