"""The demo festival that `make demo` seeds: modelled on Runway's AI Film Festival.

Idempotent: a second run finds what the first made and changes nothing but the printout.
Passwords are random on first run and kept in ``var/demo-logins.txt`` (git-ignored).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from festival import services
from festival.models import Edition, Festival, JudgeMembership, User

DEMO_FESTIVAL_SLUG = "aiff"
DEMO_EDITION_SLUG = "aiff-2027"
DEMO_CATEGORIES = ("Narrative", "Experimental", "Documentary", "Music video")
DEMO_PEOPLE = (
    ("organizer@laurel.test", "Olivia Organizer", "organizer"),
    ("judge@laurel.test", "Jonas Judge", "judge"),
    ("judge2@laurel.test", "Jia Judge", "judge"),
    ("judge3@laurel.test", "Jules Judge", "judge"),
    ("entrant@laurel.test", "Emma Entrant", "entrant"),
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str


def _passwords_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.txt"


def _load_passwords() -> dict[str, str]:
    path = _passwords_file()
    return json.loads(path.read_text()) if path.exists() else {}


def _ensure_person(email: str, name: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=name)
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def seed_demo_festival() -> tuple[Edition, list[DemoLogin]]:
    passwords = _load_passwords()
    logins: list[DemoLogin] = []
    people: dict[str, User] = {}
    for email, name, role in DEMO_PEOPLE:
        password = passwords.setdefault(email, secrets.token_urlsafe(9))
        people[email] = _ensure_person(email, name, password)
        logins.append(DemoLogin(email=email, password=password, role=role))
    _passwords_file().write_text(json.dumps(passwords, indent=2))

    organizer = people["organizer@laurel.test"]
    festival = Festival.objects.filter(slug=DEMO_FESTIVAL_SLUG).first()
    if festival is None:
        festival = services.create_festival(
            name="AI Film Festival",
            slug=DEMO_FESTIVAL_SLUG,
            organizer=organizer,
            website="https://aiff.example",
        )
    edition = Edition.objects.filter(festival=festival, slug=DEMO_EDITION_SLUG).first()
    if edition is None:
        now = timezone.now()
        edition = services.create_edition(
            festival=festival,
            name="AIFF 2027",
            slug=DEMO_EDITION_SLUG,
            year=2027,
            time_zone="America/New_York",
            submissions_open_at=now - timedelta(days=14),
            submissions_close_at=now + timedelta(days=45),
            grace_period=timedelta(hours=2),
            categories=DEMO_CATEGORIES,
            actor=organizer,
            runtime_min_seconds=60,
            runtime_max_seconds=600,
            films_per_entrant=3,
            min_short_side_px=144,  # the demo's generated films are small
        )
    for email, _name, role in DEMO_PEOPLE:
        if role == "judge" and not JudgeMembership.objects.filter(edition=edition, user=people[email]).exists():
            issued = services.invite_judge(edition=edition, email=email, invited_by=organizer)
            token = issued.url.rstrip("/").rsplit("/", 1)[-1]
            services.accept_invitation(token=token, user=people[email])
    return edition, logins
