"""Round configuration services: panels hold only the edition's judges; rubric rows swap names."""

from __future__ import annotations

import pytest

from festival.models import AuditEvent
from judging.errors import JudgingError
from judging.rounds.services import CriterionSpec, PanelSpec, set_panels, set_rubric
from tests.factories import CategoryFactory, EditionFactory
from tests.judging.factories import judge_of, rubric_round

pytestmark = pytest.mark.django_db


def test_panels_take_only_the_editions_judges_and_are_audited() -> None:
    round_ = rubric_round()
    ours, theirs = judge_of(round_.edition), judge_of(EditionFactory.create())
    category = CategoryFactory.create(edition=round_.edition, name="Narrative")

    with pytest.raises(JudgingError, match="Only judges of"):
        set_panels(round_=round_, specs=[PanelSpec(name="Jury", judge_ids=(ours.pk, theirs.pk))], actor=None)
    [panel] = set_panels(
        round_=round_, specs=[PanelSpec(name="Jury", judge_ids=(ours.pk,), category_id=category.pk)], actor=None
    )

    assert list(panel.judges.values_list("pk", flat=True)) == [ours.pk]
    event = AuditEvent.objects.get(action="round.panels_set")
    assert (event.before, event.after) == (
        {"panels": []},
        {"panels": [{"id": panel.pk, "name": "Jury", "category": category.pk, "judges": [ours.pk]}]},
    )


def test_two_criteria_can_swap_names_in_one_change() -> None:
    round_ = rubric_round()
    story, originality = round_.criteria.order_by("position")[:2]
    rest = list(round_.criteria.order_by("position")[2:])
    specs = [
        CriterionSpec(id=story.pk, name="Originality", weight=1.0, guidance=""),
        CriterionSpec(id=originality.pk, name="Story", weight=1.0, guidance=""),
        *(CriterionSpec(id=c.pk, name=c.name, weight=c.weight, guidance=c.guidance) for c in rest),
    ]

    set_rubric(round_=round_, specs=specs, actor=None)

    assert list(round_.criteria.order_by("position").values_list("pk", "name")) == [
        (story.pk, "Originality"),
        (originality.pk, "Story"),
        *((c.pk, c.name) for c in rest),
    ]
