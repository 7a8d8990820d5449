"""Who an organizer's outbox message goes to: entrants or judges of an edition, filtered.

The outbox (``notifications``, which imports no other app) reaches this module through
``settings.LAUREL_OUTBOX_AUDIENCES``. An audience is a plain dict, stored on the broadcast:
``{"kind": "entrants", "state": "submitted", "category": 3}`` or
``{"kind": "judges", "round": 7, "panel": 2, "progress": "behind"}`` (every key but
``kind`` optional). ``user_ids`` is ordered by id so the fan-out can walk it in pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from festival.models import Edition, JudgeMembership, User
from judging.models import Assignment, AssignmentState, Panel, Round, ScoreState
from submissions.models import Submission, SubmissionState

PROGRESS = {"done": "have submitted every score", "behind": "have scores left"}


def choices(edition: Edition) -> dict[str, list[tuple[str, str]]]:
    """The values each filter can take, for the compose form."""
    rounds = Round.objects.filter(edition=edition).order_by("position", "pk")
    panels = Panel.objects.filter(round__edition=edition).select_related("round").order_by("round__position", "pk")
    return {
        "kind": [("entrants", "Entrants"), ("judges", "Judges")],
        "state": [("", "any state"), *[(value, str(label)) for value, label in SubmissionState.choices]],
        "category": [("", "any category")] + [(str(c.pk), c.name) for c in edition.categories.order_by("name")],
        "round": [("", "any round")] + [(str(r.pk), r.name) for r in rounds],
        "panel": [("", "any panel")] + [(str(p.pk), f"{p.round.name}: {p.name}") for p in panels],
        "progress": [("", "any progress"), *PROGRESS.items()],
    }


def _int(spec: dict[str, Any], name: str) -> int | None:
    value = spec.get(name)
    return int(str(value)) if value not in (None, "") else None


def user_ids(edition: Edition, spec: dict[str, Any]) -> QuerySet[User, int]:
    """Ids of the active users the audience names (each once), in id order."""
    if spec.get("kind") == "judges":
        judges = JudgeMembership.objects.filter(edition=edition, is_active=True)
        round_id, panel_id = _int(spec, "round"), _int(spec, "panel")
        if panel_id is not None:
            judges = judges.filter(panels__pk=panel_id, panels__round__edition=edition)
        if round_id is not None:
            active = Assignment.objects.filter(round_id=round_id, round__edition=edition, state=AssignmentState.ACTIVE)
            per_judge = active.values("judge_id").annotate(
                left=Count("pk", filter=Q(score__isnull=True) | ~Q(score__state=ScoreState.SUBMITTED))
            )
            if spec.get("progress") == "done":
                per_judge = per_judge.filter(left=0)
            elif spec.get("progress") == "behind":
                per_judge = per_judge.filter(left__gt=0)
            judges = judges.filter(pk__in=per_judge.values("judge_id"))
        wanted: QuerySet[Any, Any] = judges.values("user_id")
    else:
        entries = Submission.objects.filter(edition=edition)
        if spec.get("state"):
            entries = entries.filter(state=spec["state"])
        category_id = _int(spec, "category")
        if category_id is not None:
            entries = entries.filter(category_id=category_id)
        wanted = entries.values("entrant_id")
    return User.objects.filter(pk__in=wanted, is_active=True).order_by("pk").values_list("pk", flat=True)


def describe(edition: Edition, spec: dict[str, Any]) -> str:
    """The audience in words, e.g. "Entrants (submitted, category Animation)"."""
    options = choices(edition)
    labels = [
        dict(options[name]).get(str(spec[name]), str(spec[name]))
        for name in ("state", "category", "round", "panel", "progress")
        if spec.get(name) not in (None, "")
    ]
    kind = dict(options["kind"]).get(str(spec.get("kind")), "Entrants")
    return f"{kind} ({', '.join(labels)})" if labels else f"All {kind.lower()}"
