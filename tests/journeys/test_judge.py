"""A judge's journey in Chromium: the queue, watching, half a rubric, away and back to the
draft, completing and submitting, moving on with the keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from judging.models import Score, ScoreState
from submissions.models import Submission
from tests.journeys.conftest import playable_film
from tests.judging.factories import assign, judge_of, rubric_round, submitted_entry
from tests.judging.test_browser import _tiny_clip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_judge_watches_scores_half_comes_back_to_the_draft_and_submits(
    journey: Any, film_storage: Path, ffmpeg: str, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    _tiny_clip(clip)
    round_ = rubric_round(name="Screening", required_watch_share=0.5)
    judge = judge_of(round_.edition, name="Jo Judge")
    entries = [submitted_entry(round_.edition, title=f"Film {n}") for n in range(1, 4)]
    assignments = [assign(round_, judge, entry, position=n) for n, entry in enumerate(entries, start=1)]
    for entry in entries[:2]:
        Submission.objects.filter(pk=entry.pk).update(film=playable_film(clip))
    criteria = list(round_.criteria.order_by("position", "pk"))
    first, second = assignments[0], assignments[1]
    me = journey("judge", user=judge.user)
    page = me.page

    me.goto("/judge/", "queue")
    assert page.locator(f'[data-live="round-{round_.pk}-summary"]').inner_text() == "0 of 3"
    page.get_by_role("link", name="Continue with entry 1").click()
    page.wait_for_url(f"**/entries/{first.pk}/")
    page.wait_for_selector("video.laurel-player-video")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').ended", timeout=20_000)
    page.wait_for_function(
        "() => /Watched: (5\\d|[6-9]\\d|100) %/.test(document.getElementById('watch-status').textContent)"
    )
    me.step("watched")

    # Half the rubric, then away with "j" and back with "k": the draft is there.
    for criterion, value in zip(criteria[:2], (8, 6), strict=True):
        page.fill(f"#criterion-{criterion.pk}", str(value))
    me.step("half a rubric")
    page.locator("h1").click()
    page.keyboard.press("j")
    page.wait_for_url(f"**/entries/{second.pk}/")
    me.step("the next entry")
    page.locator("h1").click()
    page.keyboard.press("k")
    page.wait_for_url(f"**/entries/{first.pk}/")
    assert [page.input_value(f"#criterion-{c.pk}") for c in criteria] == ["8", "6", "", ""]
    me.step("back to the draft")

    # Complete and submit; the queue shows the progress; on with the keyboard.
    for criterion in criteria[2:]:
        page.fill(f"#criterion-{criterion.pk}", "7")
    page.fill("#feedback", "The tide scene stays with me.")
    page.wait_for_function("() => document.getElementById('save-status').textContent === 'Draft saved.'")
    page.click("#submit-score")
    page.wait_for_selector("text=Submitted")
    me.step("submitted")
    page.locator("h1").click()
    page.keyboard.press("j")
    page.wait_for_url(f"**/entries/{second.pk}/")
    me.step("moved on with the keyboard")
    page.locator("h1").click()
    page.keyboard.press("q")
    page.wait_for_url(me.url("/judge/"))
    assert page.locator(f'[data-live="round-{round_.pk}-summary"]').inner_text() == "1 of 3"
    me.step("queue with progress")

    score = Score.objects.get(assignment=first)
    assert score.state == ScoreState.SUBMITTED
    assert score.values == {str(criteria[0].pk): 8, str(criteria[1].pk): 6, **{str(c.pk): 7 for c in criteria[2:]}}
    assert score.feedback_to_filmmaker == "The tide scene stays with me."
