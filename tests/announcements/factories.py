"""An edition judged to the end: screening → final, a published ladder, feedback, nothing announced yet."""

from __future__ import annotations

from dataclasses import dataclass, field

import factory
from django.utils import timezone

from announcements.models import PublicConsent
from announcements.services import PUBLIC_CONSENT_STATEMENT
from festival.models import Edition, JudgeMembership, User
from judging.final import services as final_services
from judging.models import Criterion, Round, RoundEntry, RoundKind, Score, ScoreState
from submissions.models import Credit, CreditRole, Submission, SubmissionState
from tests.factories import EditionFactory, JudgeFactory, OrganizerFactory, SubmissionFactory, UserFactory
from tests.judging.rank_factories import add_ladder

SECRET_COMMENT = "ORGANIZERS ONLY: looks like the 2019 short"


@dataclass
class JudgedEdition:
    organizer: User
    edition: Edition
    screening: Round
    final: Round
    films: list[Submission]  # films[0..3] are finalists, in the final's order (0 = Grand Prix)
    judges: list[JudgeMembership]
    criteria: list[Criterion] = field(default_factory=list)

    @property
    def entrants(self) -> list[User]:
        return [film.entrant for film in self.films]


class ConsentFactory(factory.django.DjangoModelFactory[PublicConsent]):
    class Meta:
        model = PublicConsent

    statement = PUBLIC_CONSENT_STATEMENT
    given_at = factory.LazyFunction(timezone.now)


def judged_edition(*, films: int = 6, consent: bool = True) -> JudgedEdition:
    """Six films by six entrants; the screening sends four to the final; the final's ladder is published.

    Judge names and the organizer-only comment are distinctive, so a leak is easy to spot.
    """
    organizer = OrganizerFactory.create(festival__name="Lumen AI Film Festival", festival__slug="lumen")
    edition = EditionFactory.create(festival=organizer.festival, name="Lumen 2027", slug="lumen-2027", year=2027)
    add_ladder(edition)
    screening = Round.objects.create(edition=edition, name="Screening", kind=RoundKind.SCREENING, position=0)
    final = Round.objects.create(edition=edition, name="Final", kind=RoundKind.FINAL, position=1)
    story = Criterion.objects.create(round=screening, name="Story", position=0)
    craft = Criterion.objects.create(round=screening, name="Craft", position=1)
    submissions = []
    for i in range(films):
        entrant = UserFactory.create(full_name=f"Entrant {i}", email=f"entrant{i}@example.com")
        film = SubmissionFactory.create(
            edition=edition,
            entrant=entrant,
            title=f"Film {chr(65 + i)}",
            logline=f"Logline of film {chr(65 + i)}",
            state=SubmissionState.SUBMITTED,
            submitted_at=timezone.now(),
        )
        Credit.objects.create(submission=film, name=f"Entrant {i}", role=CreditRole.DIRECTOR, is_entrant=True)
        if consent:
            ConsentFactory.create(submission=film, given_by=entrant)
        submissions.append(film)
    judges = [
        JudgeFactory.create(edition=edition, user=UserFactory.create(full_name=f"Juror Zebulon{j}")) for j in range(3)
    ]
    RoundEntry.objects.bulk_create(RoundEntry(round=screening, submission=s) for s in submissions)
    now = timezone.now()
    Score.objects.bulk_create(
        Score(
            round=screening,
            judge=judge,
            submission=film,
            values={str(story.pk): 9 - i, str(craft.pk): 8 - i},
            total=float(9 - i),
            state=ScoreState.SUBMITTED,
            submitted_at=now,
            comment_to_organizers=SECRET_COMMENT,
            feedback_to_filmmaker=f"Feedback {j} for {film.title}",
        )
        for i, film in enumerate(submissions)
        for j, judge in enumerate(judges)
    )
    RoundEntry.objects.bulk_create(RoundEntry(round=final, submission=s) for s in submissions[:4])
    for juror in judges:
        final_services.submit_ballot(
            round_=final, judge=juror, actor=juror.user, ranking=[s.pk for s in submissions[:4]]
        )
    final_services.publish_awards(round_=final, decided_by=organizer.user)
    return JudgedEdition(organizer.user, edition, screening, final, submissions, judges, [story, craft])
