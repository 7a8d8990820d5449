"""A rubric is frozen for what alters submitted totals once a score is submitted (``check_rubric``).

The choice is documented in ``judging.rounds.services.check_rubric`` and the README: the
admin refuses such a change on the form, wording stays editable, and after the scores are
reopened the organizer may re-weight. ``Score.total`` always matches the current criteria.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from festival.models import AuditEvent
from judging.errors import JudgingError
from judging.models import Criterion, Round, Score
from judging.rounds.services import CriterionSpec, set_rubric
from judging.scoring.services import reopen_score, submit_score, weighted_total
from tests.factories import OrganizerFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db


def scored_round() -> tuple[Round, Score]:
    round_ = rubric_round(name="Screening")
    judge = judge_of(round_.edition)
    assignment = assign(round_, judge, submitted_entry(round_.edition))
    values = {str(c.pk): v for c, v in zip(round_.criteria.order_by("position"), (9, 7, 5, 3), strict=True)}
    score = submit_score(assignment=assignment, expected_version=0, values=values, actor=judge.user)
    return round_, score


def specs_of(round_: Round, **changes: dict[str, Any]) -> list[CriterionSpec]:
    """The round's rubric as specs, with ``changes`` (by criterion name) applied."""
    return [
        CriterionSpec(
            id=c.pk,
            **{
                "name": c.name,
                "weight": c.weight,
                "guidance": c.guidance,
                "scale_min": c.scale_min,
                "scale_max": c.scale_max,
                "required": c.required,
                **changes.get(c.name, {}),
            },
        )
        for c in round_.criteria.order_by("position")
    ]


def assert_totals_match_the_criteria(round_: Round) -> None:
    criteria = list(Criterion.objects.filter(round=round_))
    for score in Score.objects.filter(round=round_, total__isnull=False):
        assert score.total == weighted_total(criteria, score.values)


def test_a_weight_change_after_submitted_scores_is_refused_and_totals_stay() -> None:
    round_, score = scored_round()
    before = list(round_.criteria.values_list("name", "weight", "scale_max"))

    with pytest.raises(JudgingError) as refused:
        set_rubric(round_=round_, specs=specs_of(round_, Story={"weight": 3.0}), actor=None)
    with pytest.raises(JudgingError):
        set_rubric(round_=round_, specs=specs_of(round_)[:3], actor=None)  # removing "Use of AI"
    with pytest.raises(JudgingError):
        set_rubric(round_=round_, specs=specs_of(round_, Craft={"scale_max": 5}), actor=None)

    assert refused.value.message == (
        "Scores of Screening were already submitted: a change to Story would alter their totals."
        " Change only names, guidance and order, or reopen the scores first."
    )
    assert list(round_.criteria.values_list("name", "weight", "scale_max")) == before
    score.refresh_from_db()
    assert score.total == round((8 + 6 + 4 + 2) / 4 * 10 / 9, 4)  # values 9, 7, 5, 3 on 1-10, rescaled to 0-10
    assert_totals_match_the_criteria(round_)
    assert not AuditEvent.objects.filter(action="round.rubric_set").exists()


def test_wording_changes_stay_possible_and_are_audited() -> None:
    round_, _ = scored_round()

    set_rubric(round_=round_, specs=specs_of(round_, Story={"name": "Storytelling", "guidance": "Arc."}), actor=None)

    assert list(round_.criteria.values_list("name", flat=True)) == ["Storytelling", "Originality", "Craft", "Use of AI"]
    event = AuditEvent.objects.get(action="round.rubric_set")
    assert [c["name"] for c in (event.before or {})["rubric"]] == ["Story", "Originality", "Craft", "Use of AI"]
    assert [c["name"] for c in (event.after or {})["rubric"]] == ["Storytelling", "Originality", "Craft", "Use of AI"]
    assert_totals_match_the_criteria(round_)


def test_after_reopening_the_scores_the_organizer_may_reweight_and_totals_follow() -> None:
    round_, score = scored_round()
    organizer = OrganizerFactory.create(festival=round_.edition.festival).user
    reopen_score(score=score, reason="Re-weighting the rubric.", actor=organizer)

    set_rubric(round_=round_, specs=specs_of(round_, Story={"weight": 3.0}), actor=organizer)
    score.refresh_from_db()
    assert score.assignment is not None
    resubmitted = submit_score(assignment=score.assignment, expected_version=score.version, actor=score.judge.user)

    assert resubmitted.total == round((8 * 3 + 6 + 4 + 2) / 6 * 10 / 9, 4)
    assert_totals_match_the_criteria(round_)


def test_the_admin_refuses_a_reweighting_after_submitted_scores_on_the_form() -> None:
    round_, score = scored_round()
    membership = OrganizerFactory.create(festival=round_.edition.festival)
    client = Client()
    client.force_login(membership.user)
    criteria = list(round_.criteria.order_by("position"))
    form: dict[str, Any] = {
        "name": "Screening", "kind": "screening", "position": round_.position, "judges_per_entry": 3,
        "required_watch_share": "0", "advancement_mode": "none", "peers_visible_after_submit": "on",
        "opens_at_0": "", "opens_at_1": "", "closes_at_0": "", "closes_at_1": "",
        "criteria-TOTAL_FORMS": len(criteria), "criteria-INITIAL_FORMS": len(criteria),
        "panels-TOTAL_FORMS": 0, "panels-INITIAL_FORMS": 0,
    }  # fmt: skip
    for i, c in enumerate(criteria):
        form.update({
            f"criteria-{i}-id": c.pk, f"criteria-{i}-round": round_.pk, f"criteria-{i}-position": c.position,
            f"criteria-{i}-name": c.name, f"criteria-{i}-weight": 2.0 if i == 0 else 1.0,
            f"criteria-{i}-scale_min": 1, f"criteria-{i}-scale_max": 10, f"criteria-{i}-required": "on",
        })  # fmt: skip

    response = client.post(f"/admin/judging/round/{round_.pk}/change/", form)

    assert response.status_code == 200
    assert "a change to Story would alter their totals" in response.content.decode()
    assert round_.criteria.get(name="Story").weight == 1.0
    score.refresh_from_db()
    assert_totals_match_the_criteria(round_)
    assert not AuditEvent.objects.filter(action__in=["round.rubric_set", "round.changed"]).exists()


def test_a_round_added_in_the_admin_gets_the_default_rubric_audited() -> None:
    round_, _ = scored_round()
    membership = OrganizerFactory.create(festival=round_.edition.festival)
    client = Client()
    client.force_login(membership.user)
    form = {
        "edition": round_.edition_id, "name": "Jury", "kind": "jury", "position": 7, "judges_per_entry": 5,
        "required_watch_share": "0.9", "advancement_mode": "top_n", "advance_count": 10,
        "opens_at_0": "", "opens_at_1": "", "closes_at_0": "", "closes_at_1": "",
        "criteria-TOTAL_FORMS": 0, "criteria-INITIAL_FORMS": 0, "panels-TOTAL_FORMS": 0, "panels-INITIAL_FORMS": 0,
    }  # fmt: skip

    response = client.post("/admin/judging/round/add/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    jury = Round.objects.get(name="Jury")
    assert list(jury.criteria.values_list("name", flat=True)) == ["Story", "Originality", "Craft", "Use of AI"]
    assert list(
        AuditEvent.objects.filter(target_type="judging.round", target_id=str(jury.pk))
        .order_by("pk")
        .values_list("action", "actor")
    ) == [("round.created", membership.user.pk), ("round.rubric_set", membership.user.pk)]
