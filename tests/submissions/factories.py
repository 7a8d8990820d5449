"""Factories for the submissions app's own tables, and a ready-to-submit entry."""

from __future__ import annotations

import importlib
from typing import Any

import factory
from django.utils import timezone

from media.models import JobState
from submissions.attestations import attestation_text, required_attestations
from submissions.models import AITool, AIUse, AttestationRecord, ProductionStage, Submission, SubmissionState
from tests.factories import CreditFactory, FilmFactory, SubmissionFactory


def seed_ai_tools() -> None:
    """The vocabulary migration 0003 seeds (tests run with --no-migrations)."""
    if AITool.objects.exists():
        return
    seeded = importlib.import_module("submissions.migrations.0003_seed_ai_tools")
    AITool.objects.bulk_create(
        AITool(slug=slug, name=name, vendor=vendor, stages=stages) for slug, name, vendor, stages in seeded.TOOLS
    )


def ai_tool(slug: str) -> AITool:
    seed_ai_tools()
    return AITool.objects.get(slug=slug)


class AIUseFactory(factory.django.DjangoModelFactory[AIUse]):
    class Meta:
        model = AIUse

    submission = factory.SubFactory(SubmissionFactory)
    stage = ProductionStage.VIDEO
    tool = factory.LazyFunction(lambda: ai_tool("runway"))
    model_version = "Gen-4"
    runtime_share_percent = 80


def ready_submission(**kwargs: Any) -> Submission:
    """An uploaded entry whose film is processed and that has everything submitting needs."""
    job_state = kwargs.pop("job_state", JobState.READY)
    film = FilmFactory.create(job__state=job_state)
    defaults: dict[str, Any] = {
        "state": SubmissionState.UPLOADED,
        "film": film,
        "prize_contact_name": "Ada Lovelace",
        "prize_contact_email": "ada@example.org",
    }
    submission = SubmissionFactory.create(**{**defaults, **kwargs})
    CreditFactory.create(submission=submission, name=str(submission.entrant), is_entrant=True)
    AIUseFactory.create(submission=submission)
    now = timezone.now()
    for code in required_attestations(submission.edition):
        AttestationRecord.objects.create(
            submission=submission, code=code, text=attestation_text(code), user=submission.entrant, accepted_at=now
        )
    return submission
