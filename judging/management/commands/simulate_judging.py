"""Simulate judging in memory and score each calibration method against the truth.

    manage.py simulate_judging --sizes 6000x60,100000x600 --k 2,3 --seeds 2

Needs no database: films with a hidden true quality, judges with their own leniency,
scale and noise, in the worlds of ``judging.results.calibration.simulation.make_world``; the
judge-entry graph from the platform's own planner (``plan_assignments``); integer
scores rounded and clipped to the rubric's scale. Prints, per world, size, k and method,
Kendall's tau against the truth, the share of the truly best 1 % kept by a top-5 %
shortlist, 95 % interval coverage (all films, the best 1 %, around the cut) and the
judge model's collapses (fits reported as not converged), averaged over the seeds.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from festival.models import JudgeMembership, User
from festival.services import create_edition, create_festival
from judging.assignment.services import EntryInput, JudgeInput, plan_assignments
from judging.models import Assignment, Round, RoundEntry, Score, ScoreState
from judging.results import selectors as results
from judging.results.calibration.methods import EntryEstimates, IntArray
from judging.results.calibration.simulation import (
    WORLDS,
    SimulatedEdition,
    WorldRow,
    balanced_assigner,
    evaluate,
    run_simulation,
    run_worlds,
    simulate_edition,
)
from judging.rounds.services import create_default_rounds, open_round
from judging.scoring.services import weighted_total
from submissions.models import Submission, SubmissionState

LABELS = {"raw": "raw mean", "z": "z-score", "model": "judge model"}


class Command(BaseCommand):
    help = (
        "Simulate judging in memory across worlds, sizes and k; print tau, best-1 % recall, 95 % coverage "
        "and collapses per calibration method."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entries", type=int, default=6000, help="With --judges: one size (default 6000 x 60).")
        parser.add_argument("--judges", type=int, default=60)
        parser.add_argument(
            "--sizes", default="", help="Several sizes as ENTRIESxJUDGES, comma-separated (6000x60,100000x600)."
        )
        parser.add_argument("--k", default="2,3", help="Judges per entry, comma-separated.")
        parser.add_argument("--worlds", default=",".join(WORLDS), help=f"Comma-separated, of: {', '.join(WORLDS)}.")
        parser.add_argument("--seeds", type=int, default=2, help="Number of seeds (1..N) to average over.")
        parser.add_argument("--first-seed", type=int, default=1)
        parser.add_argument("--no-adaptive", action="store_true", help="Skip k = 2 + adaptive judging.")
        parser.add_argument(
            "--balanced",
            action="store_true",
            help="Use the simulator's balanced deal instead of the platform's planner.",
        )
        parser.add_argument(
            "--persist",
            action="store_true",
            help="Also write the textbook world's first seed (k = 3) to the database (scores with the default "
            "rubric) and calibrate it again through judging.results, as the results page does.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = self.sizes(options)
        try:
            ks = tuple(int(k) for k in str(options["k"]).split(",") if k)
        except ValueError as error:
            raise CommandError("--k takes whole numbers, comma-separated.") from error
        worlds = tuple(w for w in str(options["worlds"]).split(",") if w)
        unknown = [w for w in worlds if w not in WORLDS]
        if unknown:
            raise CommandError(f"Unknown world(s) {', '.join(unknown)}; use {', '.join(WORLDS)}.")
        seeds = options["seeds"]
        if seeds < 1 or any(entries < 100 or judges < 1 for entries, judges in sizes):
            raise CommandError("Use at least 100 entries, 1 judge and 1 seed.")
        for k in ks:
            if any(not 1 <= k <= judges for _, judges in sizes):
                raise CommandError(f"--k must be between 1 and the number of judges ({min(j for _, j in sizes)}).")
        first = options["first_seed"]
        started = time.perf_counter()
        rows = run_worlds(
            worlds=worlds,
            sizes=sizes,
            ks=ks,
            seeds=tuple(range(first, first + seeds)),
            assign=balanced_assigner if options["balanced"] else planner_assigner,
            adaptive=not options["no_adaptive"] and 2 in ks,
        )
        self.write_table(rows, seeds=seeds, planner=not options["balanced"])
        self.stdout.write(f"simulated in {time.perf_counter() - started:.0f} s")
        if options["persist"]:
            entries, judges = sizes[0]
            edition = simulate_edition(n_entries=entries, n_judges=judges, k=3, seed=first)
            report = run_simulation(n_entries=entries, n_judges=judges, k=3, seeds=(first,))
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

    def sizes(self, options: dict[str, Any]) -> tuple[tuple[int, int], ...]:
        if not options["sizes"]:
            return ((int(options["entries"]), int(options["judges"])),)
        found = []
        for part in str(options["sizes"]).split(","):
            entries, _, judges = part.partition("x")
            if not (entries.isdigit() and judges.isdigit()):
                raise CommandError(f"--sizes takes ENTRIESxJUDGES, comma-separated; got {part!r}.")
            found.append((int(entries), int(judges)))
        return tuple(found)

    def write_table(self, rows: list[WorldRow], *, seeds: int, planner: bool) -> None:
        graph = "the platform's planner" if planner else "a balanced deal"
        self.stdout.write(
            f"{seeds} seed(s) per cell; graph from {graph}; k=2+1: k = 2, then the budget of k = 3 spent by "
            "adaptive judging (4 batches) at the top-5 % cut"
        )
        self.stdout.write(
            f"{'world':<13}{'entries':>8}{'k':>5} {'method':<12}{'tau':>7}{'recall':>8}"
            f"{'cov':>7}{'cov1%':>7}{'covcut':>7}{'collapse':>9}"
        )
        for row in rows:
            self.stdout.write(
                f"{row.world:<13}{row.n_entries:>8}{row.k:>5} {LABELS[row.method]:<12}{row.mean('tau'):>7.4f}"
                f"{row.mean('recall'):>8.3f}{row.mean('coverage'):>7.3f}{row.mean('coverage_top'):>7.3f}"
                f"{row.mean('coverage_cut'):>7.3f}{row.collapses if row.method == 'model' else '-':>9}"
            )
        by_cell: dict[tuple[str, int, str], dict[str, WorldRow]] = {}
        for row in rows:
            by_cell.setdefault((row.world, row.n_entries, row.k), {})[row.method] = row
        behind = [
            f"{world}/{n}/k={k}"
            for (world, n, k), cell in by_cell.items()
            if cell["model"].mean("tau") < cell["z"].mean("tau")
            or cell["model"].mean("recall") < cell["z"].mean("recall")
        ]
        model_rows = [cell["model"] for cell in by_cell.values()]
        z_rows = [cell["z"] for cell in by_cell.values()]
        d_tau = float(np.mean([m.mean("tau") - z.mean("tau") for m, z in zip(model_rows, z_rows, strict=True)]))
        d_recall = float(
            np.mean([m.mean("recall") - z.mean("recall") for m, z in zip(model_rows, z_rows, strict=True)])
        )
        self.stdout.write(
            f"model collapses: {sum(r.collapses for r in model_rows)} of {sum(len(r.runs) for r in model_rows)} fits; "
            f"model vs z on average: tau {d_tau:+.4f}, recall {d_recall:+.3f}; "
            f"model below z (tau or recall) in: {', '.join(behind) if behind else 'none'}"
        )
        coverage = [r.mean("coverage") for r in model_rows]
        cut = [r.mean("coverage_cut") for r in model_rows]
        self.stdout.write(
            f"model 95 % coverage: all {min(coverage):.3f}-{max(coverage):.3f} (target 0.93-0.97), "
            f"around the cut {min(cut):.3f}-{max(cut):.3f} (target >= 0.90)"
        )


def planner_assigner(
    n_entries: int, n_judges: int, k: int, category: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray, list[IntArray]]:
    """The judge-entry graph from the platform's own ``plan_assignments`` (ids are index + 1)."""
    entries = [EntryInput(submission_id=i + 1, category_id=int(c)) for i, c in enumerate(category.tolist())]
    judges = [JudgeInput(judge_id=j + 1) for j in range(n_judges)]
    plan = plan_assignments(entries, judges, k=k, cap=None, conflicts={}, seed=int(rng.integers(2**31)))
    queues = [np.asarray(plan.order.get(j + 1, []), dtype=np.intp) - 1 for j in range(n_judges)]
    judge = np.concatenate([np.full(len(q), j, dtype=np.intp) for j, q in enumerate(queues)])
    entry = np.concatenate(queues) if queues else np.zeros(0, dtype=np.intp)
    return judge, entry, queues


@transaction.atomic
def persist_edition(edition: SimulatedEdition) -> Round:
    """Write a simulated edition: a festival of its own, entries, judges, assignments, scores.

    Every score puts the simulated integer on each criterion of the default rubric (1-10),
    so its total is that integer rescaled to 0-10, as ``judging.scoring.services`` computes it.
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
