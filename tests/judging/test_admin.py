"""Organizers edit rounds and rubrics of their own festivals only; overrides are audited."""

from __future__ import annotations

import pytest
from django.test import Client

from festival.models import AuditEvent
from judging.models import Assignment, AssignmentState, Round, Score, ScoreState
from tests.factories import EditionFactory, OrganizerFactory
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry

pytestmark = pytest.mark.django_db


def organizer_client(round_: Round) -> tuple[Client, object]:
    membership = OrganizerFactory.create(festival=round_.edition.festival)
    client = Client()
    client.force_login(membership.user)
    return client, membership.user


def test_organizers_see_and_edit_only_their_own_rounds(django_assert_max_num_queries) -> None:
    mine = rubric_round(name="Mine")
    theirs = rubric_round(name="Theirs")
    client, _ = organizer_client(mine)

    with django_assert_max_num_queries(12):
        listing = client.get("/admin/judging/round/")

    body = listing.content.decode()
    assert listing.status_code == 200
    assert "Mine" in body and "Theirs" not in body
    assert client.get(f"/admin/judging/round/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/judging/round/{theirs.pk}/change/").status_code in (302, 403, 404)


def test_changing_the_advancement_rule_in_the_admin_is_audited() -> None:
    round_ = rubric_round(name="Screening")
    client, organizer = organizer_client(round_)
    criteria = list(round_.criteria.all())
    form: dict[str, object] = {
        "edition": round_.edition_id,
        "name": "Screening",
        "kind": "screening",
        "position": round_.position,
        "judges_per_entry": 3,
        "load_cap": "",
        "opens_at_0": "",
        "opens_at_1": "",
        "closes_at_0": "",
        "closes_at_1": "",
        "peers_visible_after_submit": "on",
        "required_watch_share": "0.5",
        "advancement_mode": "top_share",
        "advance_count": "",
        "advance_share": "0.1",
        "criteria-TOTAL_FORMS": len(criteria),
        "criteria-INITIAL_FORMS": len(criteria),
        "panels-TOTAL_FORMS": 0,
        "panels-INITIAL_FORMS": 0,
    }
    for i, c in enumerate(criteria):
        form.update({
            f"criteria-{i}-id": c.pk, f"criteria-{i}-round": round_.pk, f"criteria-{i}-position": c.position,
            f"criteria-{i}-name": c.name, f"criteria-{i}-weight": 2.0 if i == 0 else 1.0,
            f"criteria-{i}-scale_min": 1, f"criteria-{i}-scale_max": 10, f"criteria-{i}-required": "on",
            f"criteria-{i}-guidance": c.guidance,
        })  # fmt: skip

    response = client.post(f"/admin/judging/round/{round_.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    round_.refresh_from_db()
    assert (round_.advancement_mode, round_.advance_share, round_.required_watch_share) == ("top_share", 0.1, 0.5)
    assert round_.criteria.get(name="Story").weight == 2.0
    event = AuditEvent.objects.get(action="round.changed")
    assert event.actor == organizer
    assert (event.before or {})["advancement_mode"] == "none"
    # One shape: the changed fields only, before and after (the form also cleared the window).
    assert set(event.before or {}) == set(event.after or {}) == {
        "advancement_mode", "advance_share", "required_watch_share", "opens_at", "closes_at"
    }  # fmt: skip
    assert [(event.before or {})[k] for k in ("advancement_mode", "advance_share", "required_watch_share")] == [
        "none", None, 0.0
    ]  # fmt: skip
    assert [(event.after or {})[k] for k in ("advancement_mode", "advance_share", "opens_at")] == [
        "top_share",
        0.1,
        None,
    ]
    rubric = AuditEvent.objects.get(action="round.rubric_set")
    assert [c["weight"] for c in rubric.after["rubric"]] == [2.0, 1.0, 1.0, 1.0]  # type: ignore[index]


def test_reopening_a_score_from_the_admin_is_an_audited_override() -> None:
    round_ = rubric_round()
    client, organizer = organizer_client(round_)
    judge = judge_of(round_.edition)
    a = assign(round_, judge, submitted_entry(round_.edition))
    score = Score.objects.create(
        round=round_, judge=judge, submission=a.submission, assignment=a, state=ScoreState.SUBMITTED,
        submitted_at=a.created_at, total=5.0, values={},
    )  # fmt: skip

    client.post("/admin/judging/score/", {"action": "reopen", "_selected_action": [score.pk]})

    score.refresh_from_db()
    assert score.state == ScoreState.DRAFT
    assert list(AuditEvent.objects.filter(target_type="judging.score").values_list("action", "actor")) == [
        ("score.reopened", organizer.pk)  # type: ignore[attr-defined]
    ]


def test_a_manual_assignment_of_a_conflicted_judge_is_refused_on_the_form() -> None:
    round_ = rubric_round()
    client, _ = organizer_client(round_)
    judge = judge_of(round_.edition)
    own = submitted_entry(round_.edition, entrant=judge.user)
    from judging.models import RoundEntry

    RoundEntry.objects.create(round=round_, submission=own)
    other_edition_entry = submitted_entry(EditionFactory.create())

    refused = client.post(
        "/admin/judging/assignment/add/", {"round": round_.pk, "judge": judge.pk, "submission": own.pk}
    )
    foreign = client.post(
        "/admin/judging/assignment/add/",
        {"round": round_.pk, "judge": judge.pk, "submission": other_edition_entry.pk},
    )

    assert refused.status_code == 200
    assert "Conflict of interest: The judge entered this film." in refused.content.decode()
    assert foreign.status_code == 200  # not offered: the form says the choice is invalid
    assert Assignment.objects.count() == 0
    assert not Assignment.objects.filter(state=AssignmentState.ACTIVE).exists()


def test_the_panel_editor_offers_only_the_organizers_own_judges() -> None:
    round_ = rubric_round()
    client, _ = organizer_client(round_)
    judge_of(round_.edition, name="Our Judge")
    judge_of(EditionFactory.create(), name="Their Judge")

    page = client.get(f"/admin/judging/round/{round_.pk}/change/").content.decode()
    found = client.get(
        "/admin/autocomplete/", {"app_label": "judging", "model_name": "panel", "field_name": "judges", "term": "judge"}
    ).json()

    assert "Their Judge" not in page  # judges are picked through the autocomplete, never a full select
    assert [r["text"] for r in found["results"]] == [f"Our Judge judges {round_.edition}"]


def test_the_score_page_in_the_admin_shows_its_audit_history() -> None:
    from judging.scoring.services import save_score

    round_ = rubric_round()
    client, _ = organizer_client(round_)
    judge = judge_of(round_.edition)
    a = assign(round_, judge, submitted_entry(round_.edition))
    score = save_score(assignment=a, expected_version=0, values={}, comment_to_organizers="Hmm", actor=judge.user)

    body = client.get(f"/admin/judging/score/{score.pk}/change/").content.decode()

    assert "score.draft_saved" in body
    assert "&quot;comment_to_organizers&quot;: &quot;Hmm&quot;" in body
