"""Simulate an edition's judging in memory and score each calibration method against the truth.

    manage.py simulate_judging --entries 6000 --judges 60 --k 3 --seeds 5

Needs no database: films with a hidden true quality, judges with their own leniency,
scale and noise, a seeded balanced assignment, integer scores rounded and clipped to the
rubric's scale. Prints, per method, Kendall's tau against the truth and the share of the
truly best 1 % kept by a top-5 % shortlist, averaged over the seeds, and the time the
calibration of one seed's scores took.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from festival.models import JudgeMembership, User
from festival.services import create_edition, create_festival
from judging import results
from judging.calibration.methods import EntryEstimates
from judging.calibration.simulation import (
    METHODS,
    JudgePopulation,
    SimulatedEdition,
    SimulationReport,
    evaluate,
    run_simulation,
    simulate_edition,
)
from judging.models import Assignment, Round, RoundEntry, Score, ScoreState
from judging.services.rounds import create_default_rounds, open_round
from judging.services.scoring import weighted_total
from submissions.models import Submission, SubmissionState

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
        parser.add_argument(
            "--persist",
            action="store_true",
            help="Also write the first seed's edition to the database (scores with the default rubric) and "
            "calibrate it again through judging.results, as the results page does.",
        )

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
        if options["persist"]:
            edition = simulate_edition(n_entries=entries, n_judges=judges, k=k, seed=first, population=population)
            round_ = persist_edition(edition)
            outcome = results.round_results(round_)
            # Map the database's ranking back to the simulation's entry indices (ids were made in order).
            first_id = int(outcome.entry_ids.min())
            order = outcome.entry_ids - first_id
            estimate = np.full(entries, np.nan)
            estimate[order] = outcome.calibration.model.entries.estimate
            quality = evaluate(
                EntryEstimates("model", estimate, estimate, np.ones(entries, dtype=np.intp)), edition.truth
            )
            self.stdout.write(
                f"persisted as edition #{round_.edition_id}, round #{round_.pk}: through the database the judge "
                f"model has tau {quality.tau:.4f} and keeps {quality.shortlist_recall:.1%} of the best 1 % "
                f"(in memory: {report.per_seed[0]['model'].tau:.4f})"
            )

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


@transaction.atomic
def persist_edition(edition: SimulatedEdition) -> Round:
    """Write a simulated edition: a festival of its own, entries, judges, assignments, scores.

    Every score puts the simulated integer on each criterion of the default rubric (1-10),
    so its total is that integer rescaled to 0-10, as ``judging.services.scoring`` computes it.
    """
    stamp = secrets.token_hex(4)
    now = timezone.now()
    organizer = User.objects.create_user(email=f"simulation-{stamp}@laurel.test", full_name="Simulation")
    festival = create_festival(name=f"Simulation {stamp}", slug=f"simulation-{stamp}", organizer=organizer)
    target = create_edition(
        festival=festival,
        name=f"Simulation {stamp}",
        slug="simulation",
        year=now.year,
        time_zone="UTC",
        submissions_open_at=now - timedelta(days=60),
        submissions_close_at=now - timedelta(days=30),
        actor=organizer,
    )
    table = edition.table
    submissions = Submission.objects.bulk_create(
        (
            Submission(
                edition=target,
                entrant=organizer,
                title=f"Simulated film {i:06d}",
                state=SubmissionState.SUBMITTED,
                submitted_at=now - timedelta(days=31),
            )
            for i in range(table.n_entries)
        ),
        batch_size=2000,
    )
    users = User.objects.bulk_create(
        User(email=f"simulation-{stamp}-judge{j}@laurel.test", full_name=f"Simulated judge {j}")
        for j in range(table.n_judges)
    )
    judges = JudgeMembership.objects.bulk_create(JudgeMembership(edition=target, user=user) for user in users)
    round_ = create_default_rounds(edition=target, actor=organizer)[0]
    open_round(round_=round_, actor=organizer, at=now - timedelta(days=1))
    criteria = list(round_.criteria.all())
    RoundEntry.objects.bulk_create((RoundEntry(round=round_, submission=s) for s in submissions), batch_size=2000)
    assignments = Assignment.objects.bulk_create(
        (
            Assignment(round=round_, judge=judges[j], submission=submissions[e], position=i)
            for i, (j, e) in enumerate(zip(table.judge.tolist(), table.entry.tolist(), strict=True))
        ),
        batch_size=2000,
    )
    scores = []
    for assignment, value in zip(assignments, table.score.tolist(), strict=True):
        values = {str(c.pk): int(value) for c in criteria}
        scores.append(
            Score(
                round=round_,
                judge_id=assignment.judge_id,
                submission_id=assignment.submission_id,
                assignment=assignment,
                values=values,
                total=weighted_total(criteria, values),
                state=ScoreState.SUBMITTED,
                submitted_at=now,
            )
        )
    Score.objects.bulk_create(scores, batch_size=2000)
    return round_
