"""Audit action names written by festival services: every ``record_audit`` call names one of these.

The values are stored in ``AuditEvent.action`` and searched by organizers: never rename a value,
add a new one instead."""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from typing import Final

from django.apps import apps

AWARD_LADDER_SET: Final = "edition.award_ladder_set"
CATEGORIES_SET: Final = "edition.categories_set"
EDITION_CHANGED: Final = "edition.changed"
EDITION_CREATED: Final = "edition.created"
FESTIVAL_CHANGED: Final = "festival.changed"
JUDGE_ACTIVE_SET: Final = "judge.active_set"
JUDGE_INVITATION_REVOKED: Final = "judge.invitation_revoked"
JUDGE_INVITED: Final = "judge.invited"
JUDGE_JOINED: Final = "judge.joined"
ORGANIZER_ADDED: Final = "organizer.added"


@cache  # the installed apps do not change while the process runs
def known_actions() -> tuple[str, ...]:
    """Every action named by any installed app's ``audit_actions`` module, sorted.

    The audit list's filter offers these instead of ``SELECT DISTINCT action`` over the whole
    trail (millions of rows, read on every page of the list). Each app keeps its own module, so
    the list is found through the app registry rather than imported by name.
    """
    found: set[str] = set()
    for config in apps.get_app_configs():
        name = f"{config.name}.audit_actions"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        found.update(value for key, value in vars(module).items() if key.isupper() and isinstance(value, str))
    return tuple(sorted(found))
