"""Template tags other apps' pages use to show an entrant's outcome (no Python import of this app).

``{% entrant_statuses rows as statuses %}`` reads every row's status in one query;
``{% outcome_badge statuses submission %}`` shows "Under review" or the announced outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from announcements import selectors
from submissions.models import Submission

register = template.Library()


@register.simple_tag
def entrant_statuses(rows: Iterable[Any]) -> dict[int, selectors.EntrantStatus]:
    submissions = [getattr(row, "submission", row) for row in rows]
    return selectors.entrant_statuses([s for s in submissions if isinstance(s, Submission)])


@register.inclusion_tag("announcements/_badge.html")
def outcome_badge(statuses: dict[int, selectors.EntrantStatus], submission: Submission) -> dict[str, Any]:
    return {"status": statuses.get(submission.pk), "submission": submission}


@register.inclusion_tag("announcements/_panel.html")
def outcome_panel(submission: Submission) -> dict[str, Any]:
    return {"status": selectors.entrant_statuses([submission]).get(submission.pk), "submission": submission}
