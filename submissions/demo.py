"""The demo edition's submissions: a dozen generated films on their way through the real pipeline.

Runs after ``festival.demo.seed_demo_festival`` (which it calls) and before the judging
demo, which takes the submitted ones into its screening round. Each film is made by
``media.demo`` and enters through the same services an upload uses (details, credits, AI
disclosure, attestations, then the upload hand-off), so the demo's worker processes it
exactly as it would a filmmaker's.

Emma Entrant (entrant@laurel.test) owns three: a draft complete but for its film (so the
upload page is one click away), one film in processing and the one that breaks the
edition's runtime rule, so her dashboard shows each stage and a clear failure. The
others belong to placeholder filmmakers and are entered as submitted straight away: a
demo shortcut, because the judges need a queue before the worker has finished (their
films become playable as soon as processing ends). Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from festival.demo import seed_demo_festival
from festival.models import Category, Edition, User
from media.demo import DEMO_FILMS, DemoFilm, make_demo_file, store_demo_file
from media.rules import FilmRules
from submissions.attestations import applicable_attestations
from submissions.models import AITool, CreditRole, ProductionStage, Submission, SubmissionState
from submissions.services import (
    AIUseInput,
    CreditInput,
    attach_uploaded_film,
    create_submission,
    mark_upload_started,
    record_attestations,
    set_ai_disclosure,
    set_credits,
)

ENTRANT_EMAIL = "entrant@laurel.test"
ENTRANT_FILMS = ("vertical-city", "too-short")
DRAFT_TITLE = "Tidewater Lanterns"
CATEGORIES = ("Narrative", "Experimental", "Documentary", "Music video")
# (video tool, image tool): the signed film's manifest names Runway, so declaring Sora for
# it gives organizers a consistency flag to look at.
TOOLS = {"latent-garden": ("sora", "midjourney")}
DEFAULT_TOOLS = ("runway", "flux")


@dataclass(frozen=True)
class DemoSubmissions:
    edition: Edition
    created: int
    existing: int
    draft: Submission


def _owner(index: int, spec: DemoFilm) -> User:
    if spec.slug in ENTRANT_FILMS:
        return User.objects.get(email=ENTRANT_EMAIL)
    owner, created = User.objects.get_or_create(
        email=f"filmmaker{index}@laurel.test", defaults={"full_name": f"Demo Filmmaker {index}"}
    )
    if created:
        owner.set_unusable_password()  # placeholder people: nobody signs in as them
        owner.save(update_fields=["password"])
    return owner


def _describe(submission: Submission, owner: User, spec: DemoFilm, edition: Edition) -> None:
    video, image = TOOLS.get(spec.slug, DEFAULT_TOOLS)
    tools = {tool.slug: tool.pk for tool in AITool.objects.filter(slug__in=[video, image, "suno"])}
    set_credits(
        submission=submission,
        actor=owner,
        credits=[
            CreditInput(name=owner.full_name, role=CreditRole.DIRECTOR, is_entrant=True),
            CreditInput(name="Sam Sound", role=CreditRole.COMPOSER, organization="Tone Works"),
        ],
    )
    uses = [
        AIUseInput(stage=ProductionStage.VIDEO, runtime_share_percent=80, tool_id=tools[video], model_version="2026"),
        AIUseInput(stage=ProductionStage.IMAGE, runtime_share_percent=40, tool_id=tools[image]),
    ]
    if spec.audio:
        uses.append(AIUseInput(stage=ProductionStage.MUSIC, runtime_share_percent=100, tool_id=tools["suno"]))
    set_ai_disclosure(
        submission=submission,
        actor=owner,
        uses=uses,
        statement="Shots generated from our own storyboards, then cut, graded and mixed by hand.",
    )
    record_attestations(submission=submission, actor=owner, codes=applicable_attestations(edition))


@transaction.atomic
def seed_demo_submissions(*, films: tuple[DemoFilm, ...] = DEMO_FILMS, short_side: int = 180) -> DemoSubmissions:
    edition, _logins = seed_demo_festival()
    draft = _entrant_draft(edition)
    existing = Submission.objects.filter(edition=edition, film__isnull=False).count()
    if existing:
        return DemoSubmissions(edition=edition, created=0, existing=existing, draft=draft)
    rules = FilmRules.for_edition(edition)
    categories = {c.name: c for c in Category.objects.filter(edition=edition)}
    created = 0
    with tempfile.TemporaryDirectory(prefix="laurel-demo-") as folder:
        for index, spec in enumerate(films, start=1):
            owner = _owner(index, spec)
            submission = create_submission(
                entrant=owner,
                edition=edition,
                title=spec.title,
                details={
                    "category": categories.get(CATEGORIES[index % len(CATEGORIES)]),
                    "logline": f"{spec.title}: a generated short made for the demo festival.",
                    "synopsis": "Test pictures cut together, with a tone per shot.",
                    "declared_runtime_seconds": spec.seconds,
                    "languages": ["zxx"],
                    "country": "US",
                    "prize_contact_name": owner.full_name,
                    "prize_contact_email": owner.email,
                },
            )
            _describe(submission, owner, spec, edition)
            path = make_demo_file(spec, Path(folder), rules=rules, short_side=short_side, index=index)
            stored = store_demo_file(path, slug=spec.slug)
            mark_upload_started(submission_id=submission.pk, actor=owner)
            attach_uploaded_film(
                submission_id=submission.pk,
                source_name=stored.name,
                original_filename=f"{spec.slug}.mp4",
                size_bytes=stored.size_bytes,
                sha256=stored.sha256,
                actor=owner,
            )
            if owner.email != ENTRANT_EMAIL:
                # The demo shortcut described above: entered before processing has finished.
                Submission.objects.filter(pk=submission.pk).update(
                    state=SubmissionState.SUBMITTED, submitted_at=timezone.now()
                )
            created += 1
    return DemoSubmissions(edition=edition, created=created, existing=0, draft=draft)


def _entrant_draft(edition: Edition) -> Submission:
    """Emma's draft: everything filled in through the services, only the film missing."""
    entrant = User.objects.get(email=ENTRANT_EMAIL)
    existing = Submission.objects.filter(edition=edition, entrant=entrant, title=DRAFT_TITLE).first()
    if existing is not None:
        return existing
    draft = create_submission(
        entrant=entrant,
        edition=edition,
        title=DRAFT_TITLE,
        details={
            "category": Category.objects.filter(edition=edition, name="Narrative").first(),
            "logline": "A fishing village lights paper lanterns to call its drowned boats home.",
            "synopsis": "Every autumn the tide takes a boat. This year a girl folds lanterns that remember.",
            "declared_runtime_seconds": 4 * 60 + 30,
            "languages": ["en", "ja"],
            "country": "JP",
            "prize_contact_name": entrant.full_name,
            "prize_contact_email": entrant.email,
        },
    )
    set_credits(
        submission=draft,
        actor=entrant,
        credits=[
            CreditInput(name=entrant.full_name, role=CreditRole.DIRECTOR, is_entrant=True),
            CreditInput(name="Kenji Sato", role=CreditRole.COMPOSER),
        ],
    )
    tools = {tool.slug: tool.pk for tool in AITool.objects.filter(slug__in=["runway", "midjourney", "suno"])}
    set_ai_disclosure(
        submission=draft,
        actor=entrant,
        uses=[
            AIUseInput(
                stage=ProductionStage.IMAGE, tool_id=tools["midjourney"], model_version="v7", runtime_share_percent=100
            ),
            AIUseInput(
                stage=ProductionStage.VIDEO, tool_id=tools["runway"], model_version="Gen-4", runtime_share_percent=90
            ),
            AIUseInput(
                stage=ProductionStage.MUSIC,
                tool_id=tools["suno"],
                runtime_share_percent=60,
                notes="Score arranged and mixed by the composer.",
            ),
        ],
        statement="Key frames from Midjourney, animated in Runway, edited and graded by hand.",
    )
    record_attestations(submission=draft, actor=entrant, codes=applicable_attestations(edition))
    return draft
