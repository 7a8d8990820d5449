"""Every registered admin model, walked as an organizer of another festival: they get nothing.

Festival B holds one row of every model registered in the admin (the test fails when a new
model is registered without a row here, so the walk cannot silently skip it). The organizer
of festival A opens B's rows through every door the admin has: the list, the change, history
and delete pages, every action offered to them, the filter sidebars and the autocomplete of
every field pointing at the model. None of it shows or changes anything of B's.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from festival import services as festival_services
from festival.admin_base import FestivalScopedAdmin
from festival.models import AuditEvent, AwardTier, OrganizerMembership
from judging.models import (
    Assignment,
    AwardDecision,
    Ballot,
    ConflictWaiver,
    DeclaredConflict,
    RoundEntry,
    Score,
    ScoreState,
    TieDecision,
)
from media.models import AIEvidence, AIFlag, DuplicatePair, FilmOutput, QCReport
from submissions.models import AITool, Submission
from tests.factories import EditionFactory, FestivalFactory, FilmFactory, OrganizerFactory, UserFactory
from tests.judging.factories import judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db


@dataclass
class Seeded:
    organizer: OrganizerMembership
    rows: dict[type[Model], Model]
    secrets: list[str]  # names that must never appear on another festival's organizer's pages


def seed_festival(tag: str) -> Seeded:
    """One row of every admin-registered model, in a festival of its own."""
    festival = FestivalFactory.create(name=f"Festival {tag}")
    organizer = OrganizerFactory.create(
        festival=festival, user=UserFactory.create(full_name=f"Organizer {tag}", is_staff=True)
    )
    edition = EditionFactory.create(festival=festival, name=f"Edition {tag}")
    tier = AwardTier.objects.create(edition=edition, name="Grand Prix", rank_from=1, rank_to=1)
    round_ = rubric_round(edition=edition, name=f"Round {tag}")
    judge = judge_of(edition, name=f"Judge {tag}")
    film = FilmFactory.create(group_key=f"edition:{edition.pk}", original_filename=f"file-{tag}.mp4")
    other_film = FilmFactory.create(group_key=f"edition:{edition.pk}", original_filename=f"copy-{tag}.mp4")
    entry = submitted_entry(edition, title=f"Title {tag}", film=film)
    RoundEntry.objects.create(round=round_, submission=entry)
    assignment = Assignment.objects.create(round=round_, judge=judge, submission=entry, position=1)
    now = timezone.now()
    score = Score.objects.create(
        round=round_, judge=judge, submission=entry, assignment=assignment, state=ScoreState.SUBMITTED,
        submitted_at=now, values={}, total=5.0,
    )  # fmt: skip
    invitation = festival_services.invite_judge(
        edition=edition, email=f"invitee-{tag.lower()}@example.com", invited_by=organizer.user
    ).invitation
    rows: dict[type[Model], Model] = {
        type(festival): festival,
        type(edition): edition,
        OrganizerMembership: organizer,
        type(judge): judge,
        type(invitation): invitation,
        AuditEvent: AuditEvent.objects.filter(target_id=str(invitation.pk)).get(),
        type(organizer.user): organizer.user,
        type(round_): round_,
        RoundEntry: RoundEntry.objects.get(round=round_),
        Assignment: assignment,
        Score: score,
        DeclaredConflict: DeclaredConflict.objects.create(judge=judge, kind="text", value=f"Conflict {tag}"),
        ConflictWaiver: ConflictWaiver.objects.create(
            judge=judge, submission=entry, reason=f"Waiver {tag}", decided_by=organizer.user
        ),
        Ballot: Ballot.objects.create(round=round_, judge=judge, method="ranking", submitted_at=now),
        TieDecision: TieDecision.objects.create(
            round=round_, group_key=f"tie-{tag}", order=[entry.pk], reason="r", decided_by=organizer.user
        ),
        AwardDecision: AwardDecision.objects.create(
            round=round_, tier=tier, submission=entry, rank=1, method="schulze", decided_by=organizer.user
        ),
        type(entry): entry,
        AITool: AITool.objects.create(name=f"Tool {tag}", slug=f"tool-{tag.lower()}"),
        type(film): film,
        type(film.job): film.job,
        QCReport: QCReport.objects.create(film=film),
        FilmOutput: FilmOutput.objects.create(film=film, kind="poster", key="poster"),
        AIEvidence: AIEvidence.objects.create(film=film),
        AIFlag: AIFlag.objects.create(film=film, code="c2pa_mismatch", message=f"Flag {tag}"),
        DuplicatePair: DuplicatePair.objects.create(
            film_a=film, film_b=other_film, group_key=film.group_key, matched_frames=9, compared_frames=10
        ),
        # The platform's own tables (Django permissions: superusers only).
        Group: Group.objects.create(name=f"Group {tag}"),
        EmailAddress: EmailAddress.objects.get(user=organizer.user),
        Site: Site.objects.get_or_create(domain=f"{tag.lower()}.example.org", name=f"Site {tag}")[0],
    }
    secrets = [
        f"Festival {tag}",
        f"Edition {tag}",
        f"Round {tag}",
        f"Judge {tag}",
        f"Title {tag}",
        f"file-{tag}",
        f"Conflict {tag}",
        f"Flag {tag}",
        f"Group {tag}",
        f"Site {tag}",
        f"invitee-{tag.lower()}",
        f"edition:{edition.pk}<",
    ]
    return Seeded(organizer=organizer, rows=rows, secrets=secrets)


def _admin_url(model: type[Model], view: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _assert_nothing_of(body: str, theirs: Seeded, where: str) -> None:
    leaked = [secret for secret in theirs.secrets if secret in body]
    assert leaked == [], f"{where} shows {leaked}"


def _refused(response: Any) -> bool:
    """403, 404, or the admin's redirect to its index ("does not exist")."""
    return response.status_code in (403, 404) or (
        response.status_code == 302 and response["Location"].rstrip("/").endswith("/admin")
    )


def test_an_organizer_of_another_festival_gets_nothing_from_any_admin_model() -> None:
    mine = seed_festival("A")
    theirs = seed_festival("B")
    registered = set(admin.site._registry)
    assert registered - set(theirs.rows) == set(), "a registered admin model has no row in the walk"
    client = Client()
    client.force_login(mine.organizer.user)
    audit_before = AuditEvent.objects.count()
    scoped_models = 0

    for model, model_admin in admin.site._registry.items():
        row = theirs.rows[model]
        name = model._meta.label

        listing = client.get(_admin_url(model, "changelist"))
        if listing.status_code == 200:
            _assert_nothing_of(listing.content.decode(), theirs, f"{name} list (with its filters)")
            shown = {obj.pk for obj in listing.context["cl"].result_list}
            assert row.pk not in shown, f"{name} lists the other festival's row"
        else:
            assert listing.status_code == 403, name
        if isinstance(model_admin, FestivalScopedAdmin):
            scoped_models += 1
            own = model_admin.get_queryset(listing.wsgi_request)
            assert own.filter(pk=mine.rows[model].pk).exists(), f"{name}: the organizer's own row is missing"

        for view in ("change", "history", "delete"):
            response = client.get(_admin_url(model, view, row.pk))
            assert _refused(response), f"{name} {view} page answers {response.status_code}"

        for action in model_admin.get_actions(listing.wsgi_request) if listing.status_code == 200 else ():
            response = client.post(
                _admin_url(model, "changelist"), {"action": action, "_selected_action": [row.pk], "post": "yes"}
            )
            assert response.status_code in (200, 302, 403), f"{name} action {action}"
            _assert_nothing_of(response.content.decode(), theirs, f"{name} action {action}")
            assert model._default_manager.filter(pk=row.pk).exists(), f"{name} action {action} deleted the row"

    # Autocomplete of every field, of any model (inlines' too), that points at a registered model.
    fields = [
        (source, field)
        for source in apps.get_models()
        for field in source._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model in registered
    ]
    assert len(fields) > 30
    for source, field in fields:
        target: Any = field.related_model
        where = f"autocomplete {source._meta.label}.{field.name}"
        query = {"app_label": source._meta.app_label, "model_name": str(source._meta.model_name), "term": ""}
        response = client.get("/admin/autocomplete/", {**query, "field_name": field.name})
        if response.status_code == 200:
            offered = {r["id"] for r in response.json()["results"]}
            assert str(theirs.rows[target].pk) not in offered, f"{where} offers the other festival's row"
            _assert_nothing_of(response.content.decode(), theirs, where)
        else:
            assert response.status_code in (403, 404), where

    assert scoped_models >= 20
    assert AuditEvent.objects.count() == audit_before  # no action reached a service


def test_no_link_on_an_organizers_own_admin_pages_answers_403() -> None:
    """The #12 bug: the film link on the submission page answered 403. Every link on every
    change page of the organizer's own rows (and the organizer's film page) must open."""
    mine = seed_festival("A")
    seed_festival("B")
    client = Client()
    client.force_login(mine.organizer.user)
    opened: dict[str, int] = {}
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, FestivalScopedAdmin):
            continue
        page = client.get(_admin_url(model, "change", mine.rows[model].pk))
        assert page.status_code == 200, model._meta.label
        for href in re.findall(r'href="(/(?:admin|organize)/[^"#]*)"', page.content.decode()):
            href = html.unescape(href)
            if href not in opened and "/logout" not in href and "/delete/" not in href:
                opened[href] = client.get(href).status_code
    forbidden = sorted(href for href, status in opened.items() if status == 403)
    assert forbidden == []
    film_page = f"/organize/films/{mine.rows[Submission].film_id}/"  # type: ignore[attr-defined]
    assert opened[film_page] == 200
