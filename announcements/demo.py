"""The demo's previous edition, "AIFF 2026", judged to the end and announced.

So a newcomer sees the public winners page, results.json and laurels at once, and the demo
entrant (entrant@laurel.test) finds a Gold with judges' feedback on their dashboard.
Idempotent: once the 2026 final is announced, a second run changes nothing. The demo's
shortcuts (judges seated and scores written with the plain ORM, no films) are marked below;
the ballots, the ladder, consent and the announcements go through the real services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from announcements import selectors, services
from announcements.models import FeedbackRelease
from festival.demo import seed_demo_festival
from festival.models import Edition, JudgeMembership, User
from festival.services import create_edition
from judging.final import services as final_services
from judging.models import Round, RoundEntry, Score, ScoreState
from judging.rounds.services import create_default_rounds
from submissions.models import AIUse, Credit, CreditRole, ProductionStage, Submission, SubmissionState

YEAR = 2026
SLUG = "aiff-2026"
DEMO_ENTRANT = "entrant@laurel.test"
# Title, logline, share of the runtime made with generated video; best first.
FILMS = (
    ("Orchard of Small Hours", "A night-shift nurse plants a garden that only grows while the ward sleeps.", 90),
    ("Tidal Cartography", "A mapmaker charts a coastline that redraws itself every tide.", 70),
    ("The Quiet Machine", "A retired robot learns the one song its owner never finished.", 100),
    ("Glass Harvest", "Farmers on a salt flat grow crops of light.", 60),
    ("Letters to Io", "A child writes to a moon and the moon writes back.", 85),
    ("Paper Tigers", "Origami animals escape a closing bookshop.", 40),
    ("Under Cobalt Skies", "Two sisters cross a desert painted by a storm.", 75),
    ("The Last Projectionist", "A cinema's final reel plays to an audience of ghosts.", 30),
    ("Moth Radio", "A late-night DJ takes calls from insects.", 55),
    ("Held Breath", "A free diver counts the seconds of a city underwater.", 65),
)
FEEDBACK = (
    "The opening image stays with you; the middle act could be tighter.",
    "Confident use of generated footage, graded with real care.",
    "Lovely sound design. The ending arrives a beat too early.",
)


@dataclass(frozen=True)
class DemoResults:
    edition: Edition
    public_url: str
    created: bool


def _public_url(edition: Edition) -> str:
    return settings.SITE_URL + reverse(
        "announcements:public_edition", kwargs={"festival": edition.festival.slug, "year": edition.year}
    )


def _films(edition: Edition, entrant: User) -> list[Submission]:
    films = []
    submitted_at = timezone.now() - timedelta(days=330)
    for index, (title, logline, share) in enumerate(FILMS, start=1):
        owner = (
            entrant
            if index == 2
            else User.objects.get_or_create(
                email=f"filmmaker{index}@laurel.test", defaults={"full_name": f"Demo Filmmaker {index}"}
            )[0]
        )
        film = Submission.objects.create(
            edition=edition,
            entrant=owner,
            title=title,
            logline=logline,
            synopsis=logline,
            declared_runtime_seconds=180 + 20 * index,
            country="US",
            languages=["en"],
            ai_statement="Generated shots, composited and graded by hand.",
            state=SubmissionState.SUBMITTED,
            submitted_at=submitted_at,
        )
        Credit.objects.create(submission=film, name=owner.get_full_name(), role=CreditRole.DIRECTOR, is_entrant=True)
        Credit.objects.create(submission=film, name=f"Sound by Demo Studio {index}", role=CreditRole.SOUND)
        AIUse.objects.create(
            submission=film, stage=ProductionStage.VIDEO, tool_other="Runway Gen-4", runtime_share_percent=share
        )
        services.give_public_consent(submission=film, user=owner, show_poster=True, show_credits=True)
        films.append(film)
    return films


def _scores(round_: Round, judges: list[JudgeMembership], films: list[Submission]) -> None:
    """Demo shortcut: submitted screening scores written directly (no assignment, no film to watch)."""
    criteria = list(round_.criteria.order_by("position"))
    now = timezone.now() - timedelta(days=300)
    Score.objects.bulk_create(
        Score(
            round=round_,
            judge=judge,
            submission=film,
            values={str(c.pk): max(1, min(10, 9 - rank // 2 + (j + i) % 2)) for i, c in enumerate(criteria)},
            total=float(max(0, 9 - rank // 2)),
            state=ScoreState.SUBMITTED,
            submitted_at=now,
            feedback_to_filmmaker=FEEDBACK[(rank + j) % len(FEEDBACK)],
            comment_to_organizers="Organizers only: check the music licence.",
        )
        for rank, film in enumerate(films)
        for j, judge in enumerate(judges)
    )


@transaction.atomic
def seed_demo_results() -> DemoResults:
    current, _ = seed_demo_festival()
    festival = current.festival
    edition = Edition.objects.filter(festival=festival, slug=SLUG).first()
    if edition is not None and selectors.final_announced(edition):
        return DemoResults(edition, _public_url(edition), created=False)
    organizer = User.objects.get(email="organizer@laurel.test")
    now = timezone.now()
    if edition is None:
        edition = create_edition(
            festival=festival,
            name="AIFF 2026",
            slug=SLUG,
            year=YEAR,
            time_zone=current.time_zone,
            submissions_open_at=now - timedelta(days=400),
            submissions_close_at=now - timedelta(days=320),
            actor=organizer,
        )
    # Demo shortcut: last year's jury seated directly (this year's joined by invitation).
    judges = [
        JudgeMembership.objects.get_or_create(edition=edition, user=m.user)[0]
        for m in JudgeMembership.objects.filter(edition=current).select_related("user").order_by("user__email")
    ]
    screening, jury, final = create_default_rounds(edition=edition, actor=organizer)
    films = list(Submission.objects.filter(edition=edition).order_by("pk")) or _films(
        edition, User.objects.get(email=DEMO_ENTRANT)
    )
    if not screening.scores.exists():
        _scores(screening, judges, films)
    for round, count in ((screening, len(films)), (jury, 7), (final, 5)):
        RoundEntry.objects.bulk_create(
            (RoundEntry(round=round, submission=film) for film in films[:count]), ignore_conflicts=True
        )
    finalists = [film.pk for film in films[:5]]
    for judge in judges:
        final_services.submit_ballot(round_=final, judge=judge, actor=judge.user, ranking=finalists)
    final_services.publish_awards(round_=final, decided_by=organizer)
    when = now - timedelta(days=200)
    for round, feedback, selection in (
        (screening, FeedbackRelease.SCORES, True),
        (jury, FeedbackRelease.TEXT, False),
        (final, FeedbackRelease.NONE, False),
    ):
        services.schedule_announcement(
            round_=round, announce_at=when, feedback=feedback, official_selection=selection, actor=organizer
        )
        services.announce(round_=round, actor=organizer, now=when)
        when += timedelta(days=20)
    return DemoResults(edition, _public_url(edition), created=True)
