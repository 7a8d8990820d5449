"""An in-memory judging simulation: does calibration find the truly best films?

Each film has a hidden true quality; each judge has a leniency, a scale and a noise of
their own; every film is scored by ``k`` judges (a seeded, load-balanced assignment) on
the rubric's integer scale, rounded and clipped like real scores. Each calibration
method's ranking is then compared with the truth: Kendall's tau over all films, and the
share of the truly best 1 % that the method's top-5 % shortlist keeps.

``run_worlds`` goes beyond the textbook: worlds where judges compress the top of the
scale, are lenient by category, score at random or give one mark to everything, are
biased against heavy-AI films, where quality is heavy-tailed with ties, or where judges
leave their queue unfinished (``make_world``); at k = 2 and 3, and k = 2 plus adaptive
judging at the budget of k = 3. The judge-entry graph comes from an ``Assigner`` (the
management command passes the platform's own planner). Per world and method it reports
tau, recall, 95 % coverage (all, the best 1 %, around the cut) and collapses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from judging.results.calibration.methods import EntryEstimates, FloatArray, IntArray, ScoreTable
from judging.results.calibration.ranking import Z95, Calibration, calibrate, cut_report, least_certain

METHODS = ("raw", "z", "model")


@dataclass(frozen=True)
class JudgePopulation:
    """How judges differ, in points of the scale (the defaults fit a 1-10 rubric)."""

    scale_min: int = 1
    scale_max: int = 10
    center: float = 5.5
    quality_spread: float = 1.5  # sd of true quality, in points of an average judge
    leniency_sd: float = 0.8  # sd of judges' offsets
    scale_sd: float = 0.25  # sd of log(scale)
    noise_low: float = 0.4  # judges' noise sd is uniform in [low, high]
    noise_high: float = 1.2


@dataclass(frozen=True)
class SimulatedEdition:
    table: ScoreTable
    population: JudgePopulation
    truth: np.ndarray  # per entry: true quality (standard units)


def balanced_assignment(n_entries: int, n_judges: int, k: int, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """``k`` distinct judges per entry, loads differing by at most one, seeded.

    Judges are dealt from a sequence of shuffled decks of all judges; a hand of ``k``
    that straddles two decks and would repeat a judge swaps in the next unused one. The
    shuffles keep the judge-entry graph connected, which the judge model needs.
    """
    if k > n_judges:
        raise ValueError(f"k={k} needs at least {k} judges, got {n_judges}.")
    total = n_entries * k
    decks = -(-total // n_judges) + 1
    sequence = np.concatenate([rng.permutation(n_judges) for _ in range(decks)])
    hands = sequence[: total + n_judges].tolist()
    judges = np.empty(total, dtype=np.intp)
    cursor = 0
    for entry in range(n_entries):
        hand: list[int] = []
        while len(hand) < k:
            candidate = hands[cursor]
            if candidate in hand:
                # Swap with the first later judge not in this hand; loads stay balanced.
                swap = next(i for i in range(cursor + 1, len(hands)) if hands[i] not in hand)
                hands[cursor], hands[swap] = hands[swap], hands[cursor]
                candidate = hands[cursor]
            hand.append(candidate)
            cursor += 1
        judges[entry * k : entry * k + k] = hand
    entries = np.repeat(np.arange(n_entries, dtype=np.intp), k)
    return judges, entries


def simulate_edition(
    *, n_entries: int, n_judges: int, k: int, seed: int, population: JudgePopulation | None = None
) -> SimulatedEdition:
    pop = population or JudgePopulation()
    rng = np.random.default_rng(seed)
    truth = rng.standard_normal(n_entries)
    leniency = rng.normal(0.0, pop.leniency_sd, n_judges)
    scale = np.exp(rng.normal(0.0, pop.scale_sd, n_judges))
    noise = rng.uniform(pop.noise_low, pop.noise_high, n_judges)
    judge, entry = balanced_assignment(n_entries, n_judges, k, rng)
    latent = (
        pop.center
        + leniency[judge]
        + scale[judge] * pop.quality_spread * truth[entry]
        + noise[judge] * rng.standard_normal(len(judge))
    )
    score = np.clip(np.rint(latent), pop.scale_min, pop.scale_max)
    table = ScoreTable.build(judge, entry, score, n_judges=n_judges, n_entries=n_entries)
    return SimulatedEdition(table=table, population=pop, truth=truth)


@dataclass(frozen=True)
class MethodQuality:
    tau: float
    shortlist_recall: float  # share of the truly best 1 % in the top-5 % shortlist


def evaluate(
    estimates: EntryEstimates, truth: np.ndarray, *, best: float = 0.01, shortlist: float = 0.05
) -> MethodQuality:
    n = len(truth)
    scored = np.isfinite(estimates.estimate)  # an unfinished queue can leave an entry unscored
    tau = float(stats.kendalltau(estimates.estimate[scored], truth[scored]).statistic)
    n_best = max(1, round(best * n))
    n_short = max(1, round(shortlist * n))
    truly_best = np.argsort(-truth, kind="stable")[:n_best]
    # Ties in an estimate are broken by index, as the rankings do.
    short = np.lexsort((np.arange(n), -np.nan_to_num(estimates.estimate, nan=-np.inf)))[:n_short]
    recall = len(np.intersect1d(truly_best, short)) / n_best
    return MethodQuality(tau=tau, shortlist_recall=recall)


@dataclass(frozen=True)
class SimulationReport:
    seeds: tuple[int, ...]
    per_seed: tuple[dict[str, MethodQuality], ...]
    calibration_seconds: tuple[float, ...]
    n_scores: int

    def mean(self, method: str) -> MethodQuality:
        return MethodQuality(
            tau=float(np.mean([run[method].tau for run in self.per_seed])),
            shortlist_recall=float(np.mean([run[method].shortlist_recall for run in self.per_seed])),
        )


def run_simulation(
    *, n_entries: int, n_judges: int, k: int, seeds: tuple[int, ...], population: JudgePopulation | None = None
) -> SimulationReport:
    per_seed: list[dict[str, MethodQuality]] = []
    timings: list[float] = []
    n_scores = 0
    for seed in seeds:
        edition = simulate_edition(n_entries=n_entries, n_judges=n_judges, k=k, seed=seed, population=population)
        started = time.perf_counter()
        bounds = (float(edition.population.scale_min), float(edition.population.scale_max))
        result = calibrate(edition.table, bounds=bounds, resolution=1.0)
        timings.append(time.perf_counter() - started)
        n_scores = len(edition.table)
        estimates = {"raw": result.raw, "z": result.z, "model": result.model.entries}
        per_seed.append({name: evaluate(estimates[name], edition.truth) for name in METHODS})
    return SimulationReport(
        seeds=tuple(seeds), per_seed=tuple(per_seed), calibration_seconds=tuple(timings), n_scores=n_scores
    )


# --- Worlds beyond the textbook -------------------------------------------------------------

WORLDS = (
    "textbook",
    "compressed",
    "category",
    "noise_judges",
    "ai_bias",
    "heavy_tail",
    "unfinished",
)
N_CATEGORIES = 4
CONSTANT_MARK = 1.5  # a constant-mark judge gives every film center + this
Assigner = Callable[[int, int, int, IntArray, np.random.Generator], tuple[IntArray, IntArray, list[IntArray]]]


@dataclass(frozen=True)
class World:
    """A hidden truth and the judges who score it (see ``make_world`` for each world's twist).

    ``score(judge, entry, rng)`` draws fresh scores for (judge, entry) pairs, so adaptive
    judging can ask the same judges for more. ``truth`` is standardized quality;
    ``target`` is the same on the scale of the average judge (where the model's and the
    raw mean's 95 % intervals should cover it).
    """

    name: str
    pop: JudgePopulation
    truth: FloatArray
    category: IntArray
    ai_level: IntArray  # 0 none, 1 some, 2 heavy AI use disclosed
    leniency: FloatArray
    scale: FloatArray
    noise: FloatArray
    category_leniency: FloatArray  # judges x categories, points
    ai_penalty: FloatArray  # per judge: points taken off heavy-AI films
    kind: IntArray  # per judge: 0 normal, 1 pure noise, 2 constant mark
    completion: FloatArray  # per judge: share of their queue they finish
    compressed: bool

    @property
    def n_entries(self) -> int:
        return len(self.truth)

    @property
    def n_judges(self) -> int:
        return len(self.leniency)

    def target(self, judge_weights: FloatArray) -> FloatArray:
        """The score the average judge (weighted by ``judge_weights``, as the model's gauge is)
        would give each entry: a noise judge has scale 0 and a constant-mark judge too, with
        the leniency of their mean mark."""
        normal = self.kind == 0
        scale = np.where(normal, self.scale, 0.0)
        constant = CONSTANT_MARK
        middle = (self.pop.scale_min + self.pop.scale_max) / 2 - self.pop.center
        leniency = np.where(normal, self.leniency, np.where(self.kind == 1, middle, constant))
        w = judge_weights
        result: FloatArray = (
            self.pop.center + float(w @ leniency) + float(w @ scale) * self.pop.quality_spread * self.truth
        )
        return result

    def score(self, judge: IntArray, entry: IntArray, rng: np.random.Generator) -> FloatArray:
        pop = self.pop
        latent = (
            pop.center
            + self.leniency[judge]
            + self.category_leniency[judge, self.category[entry]]
            - self.ai_penalty[judge] * (self.ai_level[entry] == 2)
            + self.scale[judge] * pop.quality_spread * self.truth[entry]
            + self.noise[judge] * rng.standard_normal(len(judge))
        )
        if self.compressed:
            # Judges use the top of the scale sparingly: above 7 every point costs more.
            knee = pop.center + 1.5
            room = pop.scale_max + 0.5 - knee
            above = latent > knee
            latent = np.where(above, knee + room * np.tanh((latent - knee) / room), latent)
        latent = np.where(self.kind[judge] == 1, rng.uniform(pop.scale_min, pop.scale_max, len(judge)), latent)
        latent = np.where(self.kind[judge] == 2, pop.center + CONSTANT_MARK, latent)
        result: FloatArray = np.clip(np.rint(latent), pop.scale_min, pop.scale_max)
        return result


def make_world(name: str, *, n_entries: int, n_judges: int, seed: int) -> World:
    """The textbook world (judges differ in leniency, scale and noise; integer, clipped scores) or one
    twist on it: ``compressed`` (the scale's top used sparingly), ``category`` (each judge's
    leniency differs by category), ``noise_judges`` (10 % score at random, 5 % give every film
    the same mark), ``ai_bias`` (a fifth of the judges take 1.5 points off heavy-AI films),
    ``heavy_tail`` (quality from a t distribution with 3 degrees of freedom, in steps: ties),
    ``unfinished`` (a fifth of the judges finish half their queue)."""
    if name not in WORLDS:
        raise ValueError(f"Unknown world {name!r}; use one of {', '.join(WORLDS)}.")
    pop = JudgePopulation()
    rng = np.random.default_rng(seed)
    truth = rng.standard_normal(n_entries)
    if name == "heavy_tail":
        raw = rng.standard_t(3, n_entries) / np.sqrt(3.0)
        truth = np.round(raw * 4) / 4  # ties in quality
    leniency = rng.normal(0.0, pop.leniency_sd, n_judges)
    scale = np.exp(rng.normal(0.0, pop.scale_sd, n_judges))
    noise = rng.uniform(pop.noise_low, pop.noise_high, n_judges)
    category = rng.integers(0, N_CATEGORIES, n_entries).astype(np.intp)
    ai_level = rng.choice(3, n_entries, p=[0.5, 0.3, 0.2]).astype(np.intp)
    category_leniency = np.zeros((n_judges, N_CATEGORIES))
    ai_penalty = np.zeros(n_judges)
    kind = np.zeros(n_judges, dtype=np.intp)
    completion = np.ones(n_judges)
    if name == "category":
        category_leniency = rng.normal(0.0, 0.6, (n_judges, N_CATEGORIES))
    elif name == "noise_judges":
        roles = rng.permutation(n_judges)
        kind[roles[: max(1, n_judges // 10)]] = 1
        kind[roles[max(1, n_judges // 10) : max(2, n_judges * 15 // 100)]] = 2
    elif name == "ai_bias":
        ai_penalty[rng.permutation(n_judges)[: max(1, n_judges // 5)]] = 1.5
    elif name == "unfinished":
        completion[rng.permutation(n_judges)[: max(1, n_judges // 5)]] = 0.5
    return World(
        name=name,
        pop=pop,
        truth=truth,
        category=category,
        ai_level=ai_level,
        leniency=leniency,
        scale=scale,
        noise=noise,
        category_leniency=category_leniency,
        ai_penalty=ai_penalty,
        kind=kind,
        completion=completion,
        compressed=name == "compressed",
    )


def balanced_assigner(
    n_entries: int, n_judges: int, k: int, category: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray, list[IntArray]]:
    """``balanced_assignment`` with each judge's queue in assignment order (the default assigner)."""
    judge, entry = balanced_assignment(n_entries, n_judges, k, rng)
    order = np.argsort(judge, kind="stable")
    starts = np.searchsorted(judge[order], np.arange(n_judges + 1))
    queues = [entry[order[starts[j] : starts[j + 1]]] for j in range(n_judges)]
    return judge, entry, queues


def first_pass(world: World, *, k: int, rng: np.random.Generator, assign: Assigner) -> ScoreTable:
    """Assign ``k`` judges per entry, let the judges work through their queues, score."""
    _, _, queues = assign(world.n_entries, world.n_judges, k, world.category, rng)
    judges: list[IntArray] = []
    entries: list[IntArray] = []
    for j, queue in enumerate(queues):
        done = queue[: int(len(queue) * float(world.completion[j]) + 0.5)]
        judges.append(np.full(len(done), j, dtype=np.intp))
        entries.append(np.asarray(done, dtype=np.intp))
    judge = np.concatenate(judges) if judges else np.zeros(0, dtype=np.intp)
    entry = np.concatenate(entries) if entries else np.zeros(0, dtype=np.intp)
    return ScoreTable.build(
        judge, entry, world.score(judge, entry, rng), n_judges=world.n_judges, n_entries=world.n_entries
    ).with_groups(world.category)


@dataclass(frozen=True)
class Quality:
    """One method's quality on one run: against the truth, and its intervals' coverage."""

    tau: float
    recall: float  # share of the truly best 1 % in the top-5 % shortlist
    coverage: float  # 95 % interval covers the target, all entries
    coverage_top: float  # the truly best 1 %
    coverage_cut: float  # the entries truly within 1 % of the shortlist's cut
    collapsed: bool


def _coverage_target(method: str, estimates: EntryEstimates, world: World, table: ScoreTable) -> FloatArray:
    if method in ("raw", "model"):
        return world.target(table.judge_counts() / max(len(table), 1))
    # z-scores have no scale of their own: the least-squares line from the truth.
    ok = np.isfinite(estimates.estimate)
    slope, intercept = np.polyfit(world.truth[ok], estimates.estimate[ok], 1)
    result: FloatArray = intercept + slope * world.truth
    return result


def assess(
    method: str,
    estimates: EntryEstimates,
    world: World,
    table: ScoreTable,
    *,
    collapsed: bool = False,
    best: float = 0.01,
    shortlist: float = 0.05,
) -> Quality:
    basic = evaluate(estimates, world.truth, best=best, shortlist=shortlist)
    target = _coverage_target(method, estimates, world, table)
    with np.errstate(invalid="ignore"):
        covered = np.abs(estimates.estimate - target) <= Z95 * estimates.se
    n = world.n_entries
    true_rank = np.empty(n, dtype=np.intp)
    true_rank[np.argsort(-world.truth, kind="stable")] = np.arange(n)
    top = true_rank < max(1, round(best * n))
    cut = max(1, round(shortlist * n))
    near = np.abs(true_rank - cut) <= max(1, round(0.01 * n))
    scored = np.isfinite(estimates.estimate)
    return Quality(
        tau=basic.tau,
        recall=basic.shortlist_recall,
        coverage=float(covered[scored].mean()),
        coverage_top=float(covered[top & scored].mean()),
        coverage_cut=float(covered[near & scored].mean()),
        collapsed=collapsed,
    )


def calibrate_world(table: ScoreTable, world: World) -> Calibration:
    return calibrate(table, bounds=(float(world.pop.scale_min), float(world.pop.scale_max)), resolution=1.0)


def assess_all(result: Calibration, world: World) -> dict[str, Quality]:
    table = result.table
    return {
        "raw": assess("raw", result.raw, world, table),
        "z": assess("z", result.z, world, table),
        "model": assess("model", result.model.entries, world, table, collapsed=not result.model.converged),
    }


def adaptive_pass(
    world: World,
    table: ScoreTable,
    *,
    budget: int,
    batches: int,
    shortlist: float,
    rng: np.random.Generator,
) -> ScoreTable:
    """Spend ``budget`` extra scores in ``batches``: each batch asks one more judge for the
    entries whose side of the shortlist's cut is least certain (``propose_extra``)."""
    for batch in range(batches):
        size = budget // batches + (1 if batch < budget % batches else 0)
        result = calibrate_world(table, world)
        cut = cut_report(result.ranking(), max(1, round(shortlist * world.n_entries)))
        chosen = least_certain(result.ranking(), cut, size)
        judge = pick_extra_judges(table, chosen, rng)
        keep = judge >= 0
        judge, chosen = judge[keep], chosen[keep]
        score = world.score(judge, chosen, rng)
        table = ScoreTable.build(
            np.concatenate([table.judge, judge]),
            np.concatenate([table.entry, chosen]),
            np.concatenate([table.score, score]),
            n_judges=table.n_judges,
            n_entries=table.n_entries,
        ).with_groups(world.category)
    return table


def pick_extra_judges(table: ScoreTable, entries: IntArray, rng: np.random.Generator) -> IntArray:
    """For each entry, the least-loaded judge who has not scored it yet (seeded ties); -1 if none."""
    load = table.judge_counts().astype(np.float64)
    had: dict[int, set[int]] = {}
    wanted = set(entries.tolist())
    for j, e in zip(table.judge.tolist(), table.entry.tolist(), strict=True):
        if e in wanted:
            had.setdefault(e, set()).add(j)
    jitter = rng.random(table.n_judges)
    result = np.full(len(entries), -1, dtype=np.intp)
    for position, e in enumerate(entries.tolist()):
        taken = had.get(e, set())
        order = np.lexsort((jitter, load))
        for j in order[: len(taken) + 1].tolist():
            if j not in taken:
                result[position] = j
                load[j] += 1
                break
    return result


@dataclass(frozen=True)
class WorldRow:
    world: str
    n_entries: int
    k: str  # "2", "3" or "2+1" (adaptive: k = 2, then the budget of k = 3 where it matters)
    method: str
    runs: tuple[Quality, ...]

    def mean(self, attribute: str) -> float:
        return float(np.mean([getattr(run, attribute) for run in self.runs]))

    @property
    def collapses(self) -> int:
        return sum(run.collapsed for run in self.runs)


def run_worlds(
    *,
    worlds: tuple[str, ...],
    sizes: tuple[tuple[int, int], ...],
    ks: tuple[int, ...],
    seeds: tuple[int, ...],
    assign: Assigner = balanced_assigner,
    adaptive: bool = True,
    shortlist: float = 0.05,
) -> list[WorldRow]:
    """Every world x size x k x method over the seeds; with ``adaptive``, also k = 2 plus the
    budget of uniform k = 3 spent on the entries least certain at the shortlist's cut."""
    rows: list[WorldRow] = []
    for name in worlds:
        for n_entries, n_judges in sizes:
            runs: dict[tuple[str, str], list[Quality]] = {}
            for seed in seeds:
                world = make_world(name, n_entries=n_entries, n_judges=n_judges, seed=seed)
                for k in ks:
                    rng = np.random.default_rng(seed * 1000 + k)
                    table = first_pass(world, k=k, rng=rng, assign=assign)
                    for method, quality in assess_all(calibrate_world(table, world), world).items():
                        runs.setdefault((str(k), method), []).append(quality)
                    if adaptive and k == 2:
                        budget = int(float(world.completion.mean()) * n_entries + 0.5)  # what k = 3 would add
                        more = adaptive_pass(world, table, budget=budget, batches=4, shortlist=shortlist, rng=rng)
                        for method, quality in assess_all(calibrate_world(more, world), world).items():
                            runs.setdefault(("2+1", method), []).append(quality)
            for (k_label, method), found in runs.items():
                rows.append(WorldRow(name, n_entries, k_label, method, tuple(found)))
    return rows
