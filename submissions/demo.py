"""The demo entrant's draft: everything filled in through the services, only the film missing.

Runs after ``festival.demo.seed_demo_festival`` (which it calls). Idempotent: a second run
finds the draft and changes nothing. Signing in as entrant@laurel.test then shows the
whole entrant flow, from the upload step on.
"""

from __future__ import annotations

from django.db import transaction

from festival.demo import seed_demo_festival
from festival.models import User
from submissions import services
from submissions.attestations import applicable_attestations
from submissions.models import AITool, CreditRole, Submission

DEMO_ENTRANT = "entrant@laurel.test"
DEMO_TITLE = "Tidewater Lanterns"


@transaction.atomic
def seed_demo_submission() -> Submission:
    edition, _logins = seed_demo_festival()
    entrant = User.objects.get(email=DEMO_ENTRANT)
    existing = Submission.objects.filter(edition=edition, entrant=entrant, title=DEMO_TITLE).first()
    if existing is not None:
        return existing
    category = edition.categories.order_by("position").first()
    submission = services.create_submission(
        entrant=entrant,
        edition=edition,
        title=DEMO_TITLE,
        details={
            "category": category,
            "logline": "A fishing village lights paper lanterns to call its drowned boats home.",
            "synopsis": "Every autumn the tide takes a boat. This year a girl folds lanterns that remember.",
            "declared_runtime_seconds": 4 * 60 + 30,
            "languages": ["en", "ja"],
            "country": "JP",
            "prize_contact_name": entrant.full_name,
            "prize_contact_email": entrant.email,
        },
    )
    services.set_credits(
        submission=submission,
        actor=entrant,
        credits=[
            services.CreditInput(name=entrant.full_name, role=CreditRole.DIRECTOR, is_entrant=True),
            services.CreditInput(name="Kenji Sato", role=CreditRole.COMPOSER),
        ],
    )
    tools = {tool.slug: tool.pk for tool in AITool.objects.filter(slug__in=["runway", "midjourney", "suno"])}
    services.set_ai_disclosure(
        submission=submission,
        actor=entrant,
        uses=[
            services.AIUseInput(stage="image", tool_id=tools.get("midjourney"), tool_other="Midjourney",
                                model_version="v7", runtime_share_percent=100),
            services.AIUseInput(stage="video", tool_id=tools.get("runway"), tool_other="Runway",
                                model_version="Gen-4", runtime_share_percent=90),
            services.AIUseInput(stage="music", tool_id=tools.get("suno"), tool_other="Suno",
                                runtime_share_percent=60, notes="Score arranged and mixed by the composer."),
        ],
        statement="Key frames from Midjourney, animated in Runway, edited and graded by hand.",
    )  # fmt: skip
    services.record_attestations(submission=submission, actor=entrant, codes=applicable_attestations(edition))
    return submission
