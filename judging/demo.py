"""Judging for the demo festival: rounds, entries, assignments and a few scores.

Runs after ``festival.demo.seed_demo_festival`` (which it calls). Idempotent: a second run
finds the rounds, entries, assignments and scores of the first and adds nothing.
When the demo edition has no submitted entries, a dozen placeholder entries are made with
the plain ORM (no film yet: the scoring page says "film not available yet").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from festival.demo import seed_demo_festival
from festival.models import Category, Edition, JudgeMembership, User
from judging.assignment.services import assign_round
from judging.models import Assignment, AssignmentState, Round, Score
from judging.results.services import refresh_round_ranking
from judging.rounds.services import add_entries_to_round, create_default_rounds
from judging.scoring.services import save_score, submit_score
from submissions.models import Credit, CreditRole, Submission, SubmissionState
from submissions.names import normalize_name

DEMO_FILMS = (
    ("The Cartographer's Dream", "A mapmaker draws a city that starts to draw her back.", "Narrative"),
    ("Salt Memory", "An ocean remembers every ship it swallowed.", "Experimental"),
    ("Last Light on Kepler Street", "A street lamp's final night before the city goes dark.", "Narrative"),
    ("Hands of the Weaver", "An eighty-year-old weaver meets her generated apprentice.", "Documentary"),
    ("Neon Lullaby", "A synthwave lullaby for a city that never sleeps.", "Music video"),
    ("Paper Moons", "Two children fold moons to light a village without power.", "Narrative"),
    ("Echo Chamber", "A voice assistant starts answering questions nobody asked.", "Experimental"),
    ("The Glacier Archive", "Scientists race to read a glacier's record before it melts.", "Documentary"),
    ("Rust & Bloom", "A robot gardener tends the last greenhouse on Earth.", "Narrative"),
    ("Static Hearts", "A love story told through broken television signals.", "Music video"),
    ("Below the Tideline", "A diver finds her childhood home under the sea.", "Narrative"),
    ("Field Notes from Nowhere", "A wanderer catalogues places that never existed.", "Experimental"),
)


DEMO_JUDGE = "judge@laurel.test"


@dataclass(frozen=True)
class DemoJudging:
    edition: Edition
    round: Round
    entries: int
    assignments: int
    scores: int


def _demo_entries(edition: Edition) -> None:
    if Submission.objects.filter(edition=edition, state=SubmissionState.SUBMITTED).exists():
        return
    categories = {c.name: c for c in Category.objects.filter(edition=edition)}
    now = timezone.now()
    for index, (title, logline, category) in enumerate(DEMO_FILMS, start=1):
        entrant, _ = User.objects.get_or_create(
            email=f"filmmaker{index}@laurel.test", defaults={"full_name": f"Demo Filmmaker {index}"}
        )
        if entrant.has_usable_password():
            entrant.set_unusable_password()
            entrant.save(update_fields=["password"])
        submission = Submission.objects.create(
            edition=edition,
            entrant=entrant,
            category=categories.get(category),
            title=title,
            logline=logline,
            synopsis=logline,
            declared_runtime_seconds=120 + 15 * index,
            country="US",
            languages=["en"],
            ai_statement="Generated shots, composited and graded by hand.",
            state=SubmissionState.SUBMITTED,
            submitted_at=now - timedelta(days=index),
        )
        Credit.objects.create(
            submission=submission,
            name=entrant.full_name,
            normalized_name=normalize_name(entrant.full_name),
            role=CreditRole.DIRECTOR,
            is_entrant=True,
        )


def _demo_scores(round_: Round) -> int:
    """judge@ has one submitted score and one draft (a queue to work on); the other judges
    have submitted most of theirs, so the organizer's ranking has something to rank."""
    if Score.objects.filter(round=round_).exists():
        return Score.objects.filter(round=round_).count()
    criteria = list(round_.criteria.all())
    judges = JudgeMembership.objects.filter(edition=round_.edition, is_active=True).select_related("user")
    made = 0
    for offset, judge in enumerate(judges.order_by("user__email")):
        queue = list(
            Assignment.objects.filter(round=round_, judge=judge, state=AssignmentState.ACTIVE).order_by("position")
        )
        if len(queue) < 2:
            continue
        to_submit = 1 if judge.user.email == DEMO_JUDGE else (2 * len(queue)) // 3
        for index, assignment in enumerate(queue[:to_submit]):
            # Judges differ in severity (offset) and films in quality (submission id).
            quality = (assignment.submission_id * 7 + 3) % 6
            values = {
                str(c.pk): min(10, max(1, 3 + quality + (i + offset + index) % 3 - offset))
                for i, c in enumerate(criteria)
            }
            submit_score(assignment=assignment, expected_version=0, values=values, actor=judge.user)
            made += 1
        save_score(
            assignment=queue[to_submit],
            expected_version=0,
            values={str(criteria[0].pk): 7},
            comment_to_organizers="Draft: strong opening, watch again.",
            actor=judge.user,
        )
        made += 1
    return made


@transaction.atomic
def seed_demo_judging() -> DemoJudging:
    edition, _ = seed_demo_festival()
    organizer = User.objects.filter(email="organizer@laurel.test").first()
    _demo_entries(edition)
    rounds = create_default_rounds(edition=edition, actor=organizer)
    screening = rounds[0]
    if screening.opens_at is None:
        now = timezone.now()
        screening.opens_at = now - timedelta(days=1)
        screening.closes_at = now + timedelta(days=30)
        screening.save(update_fields=["opens_at", "closes_at"])
    add_entries_to_round(round_=screening, actor=organizer)
    assign_round(round_=screening, actor=organizer, seed=2027)
    scores = _demo_scores(screening)
    # The demo's organizer sees a ranking at once; later score changes are recomputed by the worker.
    refresh_round_ranking(round_id=screening.pk)
    return DemoJudging(
        edition=edition,
        round=screening,
        entries=screening.entries.count(),
        assignments=Assignment.objects.filter(round=screening, state=AssignmentState.ACTIVE).count(),
        scores=scores,
    )
