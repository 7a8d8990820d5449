"""Outcomes under an embargo: nothing leaks before the announcement, each entrant sees exactly theirs after."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from announcements import selectors, services
from announcements.models import Announcement, FeedbackRelease, Outcome, OutcomeKind, SignedResults
from festival.models import AuditEvent
from judging.models import Round
from notifications.models import Message
from tests.announcements.factories import SECRET_COMMENT, JudgedEdition, judged_edition

pytestmark = pytest.mark.django_db

# Words that would give an outcome away on an entrant-facing or public page.
OUTCOME_WORDS = ("Grand Prix", "Gold", "Silver", "Honoree", "Merit", "Finalist", "Not advanced", "Official Selection")
PRIVATE_PREFIXES = ("healthz", "admin/", "organize/", "judge/", "api/schema", "api/docs", "accounts/")


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry))
    return found


def _fill(route: str, data: JudgedEdition, film_index: int) -> str | None:
    """A concrete URL for a route, with the film / edition / festival of this test (None: cannot fill)."""
    film = data.films[film_index]
    values = {
        "pk": film.pk,
        "submission_id": film.pk,
        "edition_id": data.edition.pk,
        "festival": data.edition.festival.slug,
        "year": data.edition.year,
        "color": "black",
        "fmt": "svg",
        "round_id": data.final.pk,
        "film_id": film.film_id or 0,
    }
    url = route.replace("^", "").replace("$", "")
    import re

    for name in re.findall(r"<(?:\w+:)?(\w+)>", url):
        if name not in values:
            return None
        url = re.sub(rf"<(?:\w+:)?{name}>", str(values[name]), url)
    if "(?P" in url or "\\" in url:
        return None
    return "/" + url


def entrant_and_public_urls(data: JudgedEdition, film_index: int) -> list[str]:
    urls = []
    for route, _ in _walk(get_resolver().url_patterns):
        if route.startswith(PRIVATE_PREFIXES):
            continue
        url = _fill(route, data, film_index)
        if url is not None:
            urls.append(url)
    return sorted(set(urls))


def _schedule(data: JudgedEdition, round_: Round, at: datetime | None, feedback: str) -> None:
    services.schedule_announcement(
        round_=round_, announce_at=at, feedback=feedback, official_selection=False, actor=data.organizer
    )


def _texts(client: Client, urls: list[str]) -> dict[str, str]:
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        pages[url] = body.decode("utf-8", errors="replace") + str(dict(response.headers))
    return pages


def _leaks(pages: dict[str, str]) -> list[tuple[str, str]]:
    return [(url, word) for url, text in pages.items() for word in OUTCOME_WORDS if word in text]


def test_nothing_reveals_an_outcome_before_the_announcement() -> None:
    data = judged_edition()
    later = timezone.now() + timedelta(days=1)
    for round in (data.screening, data.final):
        _schedule(data, round, later, FeedbackRelease.SCORES)
    winner = Client()
    winner.force_login(data.entrants[0])
    urls = entrant_and_public_urls(data, 0)
    assert {"/me/", f"/me/submissions/{data.films[0].pk}/", f"/me/submissions/{data.films[0].pk}/outcome/"} <= set(urls)
    assert "/festivals/lumen/2027/" in urls and "/festivals/lumen/2027/results.json" in urls
    assert len(urls) > 15
    assert _leaks(_texts(winner, urls)) == []
    assert _leaks(_texts(Client(), urls)) == []
    assert "Under review" in winner.get(f"/me/submissions/{data.films[0].pk}/outcome/").content.decode()
    assert winner.get("/festivals/lumen/2027/").status_code == 404
    assert winner.get(f"/me/submissions/{data.films[0].pk}/laurel/black.svg").status_code == 404
    # No message in anyone's outbox or inbox says it either.
    mails = {f"message {m.pk}": f"{m.subject} {m.text} {m.html}" for m in Message.objects.all()}
    assert _leaks(mails) == []
    # The same walk finds the outcome once announced: the check above can fail.
    services.announce(round_=data.screening, actor=data.organizer)
    services.announce(round_=data.final, actor=data.organizer)
    leaks = _leaks(_texts(winner, urls))
    assert ("/me/", "Grand Prix") in leaks and ("/festivals/lumen/2027/", "Grand Prix") in leaks


def test_the_beat_task_announces_when_the_time_passes_and_only_once() -> None:
    data = judged_edition()
    at = timezone.now() + timedelta(hours=2)
    _schedule(data, data.screening, at, FeedbackRelease.NONE)
    assert services.announce_due(now=at - timedelta(seconds=1)) == []
    assert services.announce_due(now=at) == [data.screening.pk]
    assert services.announce_due(now=at + timedelta(minutes=1)) == []
    assert Outcome.objects.filter(announcement__round=data.screening).count() == 6
    assert AuditEvent.objects.filter(action="announcement.made").count() == 1


def test_after_the_announcement_each_entrant_sees_exactly_their_outcome() -> None:
    data = judged_edition()
    services.announce(round_=data.screening, actor=data.organizer)
    services.announce(round_=data.final, actor=data.organizer)
    expected = ["Grand Prix", "Gold", "Silver", "Honoree", "Not advanced", "Not advanced"]
    for film, entrant, label in zip(data.films, data.entrants, expected, strict=True):
        client = Client()
        client.force_login(entrant)
        page = client.get(f"/me/submissions/{film.pk}/outcome/").content.decode()
        assert f'data-testid="outcome">{label}</p>' in page
        others = {w for w in expected if w != label and w != "Not advanced"}
        assert [w for w in others if f">{w}<" in page] == []
        dashboard = client.get("/me/").content.decode()
        assert f">{label}</a>" in dashboard
        detail = client.get(f"/me/submissions/{film.pk}/").content.decode()
        assert f">{label}</span>" in detail
        # Nobody else's outcome page.
        other = data.films[(data.films.index(film) + 1) % len(data.films)]
        assert client.get(f"/me/submissions/{other.pk}/outcome/").status_code == 404


def test_the_dashboard_reads_statuses_in_one_query(django_assert_max_num_queries: Any) -> None:
    data = judged_edition()
    services.announce(round_=data.screening, actor=data.organizer)
    statuses = selectors.entrant_statuses  # the template tag's read
    with django_assert_max_num_queries(1):
        found = statuses(data.films)
    assert [found[f.pk].label for f in data.films] == ["Finalist"] * 4 + ["Not advanced"] * 2


def test_outcome_kinds_follow_judging_advanced_official_selection_and_withdrawn() -> None:
    data = judged_edition()
    data.films[5].state = "withdrawn"
    data.films[5].save(update_fields=["state"])
    computed = selectors.compute_outcomes(data.screening, official_selection=False)
    assert {c.submission_id: c.kind for c in computed} == {
        **{f.pk: OutcomeKind.FINALIST for f in data.films[:4]},
        data.films[4].pk: OutcomeKind.NOT_ADVANCED,
    }
    final = {
        c.submission_id: (c.kind, c.rank) for c in selectors.compute_outcomes(data.final, official_selection=False)
    }
    assert final == {f.pk: (OutcomeKind.AWARD, rank) for rank, f in enumerate(data.films[:4], start=1)}


def test_a_correction_is_audited_and_re_signed() -> None:
    data = judged_edition()
    services.announce(round_=data.final, actor=data.organizer)
    outcome = Outcome.objects.get(announcement__round=data.final, submission=data.films[3])
    merit = data.edition.award_tiers.get(name="Merit")
    services.correct_outcome(
        outcome=outcome, kind=OutcomeKind.AWARD, tier=merit, rank=6, reason="Rank misread", actor=data.organizer
    )
    event = AuditEvent.objects.get(action="announcement.outcome_corrected")
    assert event.before == {"kind": "award", "tier": outcome.tier_id, "rank": 4, "advanced_to": None}
    assert event.after == {"kind": "award", "tier": merit.pk, "rank": 6, "advanced_to": None, "reason": "Rank misread"}
    assert SignedResults.objects.filter(edition=data.edition).count() == 2
    with pytest.raises(services.AnnouncementError, match="Say why"):
        services.correct_outcome(outcome=outcome, kind=OutcomeKind.FINALIST, reason=" ", actor=data.organizer)


def test_a_final_without_a_published_ladder_is_not_announced() -> None:
    data = judged_edition()
    data.final.awards.all().delete()
    with pytest.raises(services.AnnouncementError, match="Publish the final's award ladder"):
        services.announce(round_=data.final, actor=data.organizer)
    assert not Announcement.objects.filter(round=data.final, announced_at__isnull=False).exists()


def test_released_feedback_is_anonymous_and_never_the_organizers_comment() -> None:
    data = judged_edition()
    _schedule(data, data.screening, None, FeedbackRelease.SCORES)
    services.announce(round_=data.screening, actor=data.organizer)
    client = Client()
    client.force_login(data.entrants[4])
    page = client.get(f"/me/submissions/{data.films[4].pk}/outcome/").content.decode()
    for j in range(3):
        assert f"<h4>Judge {j + 1}</h4>" in page and f"Feedback {j} for Film E" in page
    assert '<th scope="row">Story</th><td>5</td><td>1–10</td>' in page
    assert SECRET_COMMENT not in page and "Zebulon" not in page
    for judge in data.judges:
        assert judge.user.email not in page


def test_text_only_feedback_has_no_scores_and_none_shows_nothing() -> None:
    data = judged_edition()
    _schedule(data, data.screening, None, FeedbackRelease.TEXT)
    services.announce(round_=data.screening, actor=data.organizer)
    released = selectors.released_feedback(data.films[4])
    assert [(i.judge_label, i.text, i.scores) for i in released[0].items] == [
        ("Judge 1", "Feedback 0 for Film E", []),
        ("Judge 2", "Feedback 1 for Film E", []),
        ("Judge 3", "Feedback 2 for Film E", []),
    ]
    Announcement.objects.filter(round=data.screening).update(feedback=FeedbackRelease.NONE)
    assert selectors.released_feedback(data.films[4]) == []


def test_organizers_see_a_countdown_and_announce_now() -> None:
    data = judged_edition()
    at = timezone.now() + timedelta(days=2, hours=3)
    _schedule(data, data.screening, at, FeedbackRelease.NONE)
    client = Client()
    client.force_login(data.organizer)
    page = client.get(f"/organize/editions/{data.edition.pk}/announcements/").content.decode()
    assert "Announced in <strong data-countdown-text>2 days, 2:59:" in page
    response = client.post(
        f"/organize/editions/{data.edition.pk}/announcements/do/", {"action": "announce", "round": data.screening.pk}
    )
    assert response.status_code == 302
    assert Announcement.objects.get(round=data.screening).announced_at is not None
    outsider = Client()
    outsider.force_login(data.entrants[0])
    assert outsider.get(f"/organize/editions/{data.edition.pk}/announcements/").status_code == 404


def test_a_round_is_not_announced_before_its_advancement() -> None:
    data = judged_edition()
    data.final.entries.all().delete()
    with pytest.raises(services.AnnouncementError, match="apply the advancement before announcing"):
        services.announce(round_=data.screening, actor=data.organizer)
    assert services.announce_due() == []
