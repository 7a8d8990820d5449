"""factory_boy factories shared by every app's tests (festival, media, submissions)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from festival.models import (
    DEFAULT_ATTESTATIONS,
    DEFAULT_CONTAINERS,
    Category,
    Edition,
    Festival,
    JudgeMembership,
    OrganizerMembership,
    User,
)
from media.models import Film, JobState, ProcessingJob
from media.rules import FilmRules
from submissions.models import Credit, CreditRole, Submission
from submissions.names import normalize_name

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Mark the address verified, as allauth requires before sign-in (default: yes)."""
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)
        obj.save()


class FestivalFactory(factory.django.DjangoModelFactory[Festival]):
    class Meta:
        model = Festival

    name = factory.Sequence(lambda n: f"Festival {n}")
    slug = factory.Sequence(lambda n: f"festival-{n}")


class EditionFactory(factory.django.DjangoModelFactory[Edition]):
    """An edition open for submissions now, with the AI Film Festival's rules."""

    class Meta:
        model = Edition

    festival = factory.SubFactory(FestivalFactory)
    name = factory.Sequence(lambda n: f"Edition {n}")
    slug = factory.Sequence(lambda n: f"edition-{n}")
    year = 2027
    time_zone = "America/New_York"
    submissions_open_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    submissions_close_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    grace_period = timedelta(hours=1)
    runtime_min_seconds = 60
    runtime_max_seconds = 600
    allowed_containers = factory.LazyFunction(lambda: list(DEFAULT_CONTAINERS))
    required_attestations = factory.LazyFunction(lambda: list(DEFAULT_ATTESTATIONS))


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category

    edition = factory.SubFactory(EditionFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class OrganizerFactory(factory.django.DjangoModelFactory[OrganizerMembership]):
    """An organizer membership; its user is staff, as festival.services.add_organizer makes it."""

    class Meta:
        model = OrganizerMembership

    festival = factory.SubFactory(FestivalFactory)
    user = factory.SubFactory(UserFactory, is_staff=True)


class JudgeFactory(factory.django.DjangoModelFactory[JudgeMembership]):
    class Meta:
        model = JudgeMembership

    edition = factory.SubFactory(EditionFactory)
    user = factory.SubFactory(UserFactory)


class FilmFactory(factory.django.DjangoModelFactory[Film]):
    """A stored film with its processing job (queued unless ``job__state`` says otherwise)."""

    class Meta:
        model = Film
        skip_postgeneration_save = True

    source_name = factory.Sequence(lambda n: f"uploads/{n:06d}/source")
    original_filename = factory.Sequence(lambda n: f"film-{n}.mp4")
    size_bytes = 10_000_000
    group_key = "edition:0"
    rules = factory.LazyFunction(
        lambda: FilmRules(
            runtime_min_seconds=60,
            runtime_max_seconds=600,
            max_file_size_bytes=10 * 1024**3,
            allowed_containers=("mp4", "mov", "webm", "mkv"),
            min_short_side_px=144,
        ).to_dict()
    )
    job = factory.RelatedFactory("tests.factories.ProcessingJobFactory", factory_related_name="film")


class ProcessingJobFactory(factory.django.DjangoModelFactory[ProcessingJob]):
    class Meta:
        model = ProcessingJob

    film = factory.SubFactory(FilmFactory, job=None)
    state = JobState.QUEUED


class SubmissionFactory(factory.django.DjangoModelFactory[Submission]):
    """A draft submission in an open edition, with no film yet."""

    class Meta:
        model = Submission

    edition = factory.SubFactory(EditionFactory)
    entrant = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Film {n}")
    logline = "A short logline."
    synopsis = "A synopsis."
    declared_runtime_seconds = 180
    country = "US"
    languages = factory.LazyFunction(lambda: ["en"])


class CreditFactory(factory.django.DjangoModelFactory[Credit]):
    class Meta:
        model = Credit

    submission = factory.SubFactory(SubmissionFactory)
    name = factory.Sequence(lambda n: f"Crew Member {n}")
    role = CreditRole.DIRECTOR
    # As ``set_credits`` writes them: judging finds conflicts through these columns.
    normalized_name = factory.LazyAttribute(lambda credit: normalize_name(credit.name))
    organization = ""
    normalized_organization = factory.LazyAttribute(lambda credit: normalize_name(credit.organization))
