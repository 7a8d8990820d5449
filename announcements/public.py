"""What the public winners pages show: the announced ladder, consented films, AI-use labels, JSON-LD.

Only entries whose entrant gave ``PublicConsent`` are shown by title (poster and credits
only if they chose so); an award whose film is not public is listed as "title withheld".
Nothing is returned for an edition whose final is not announced (``public_edition``).

The AI-use label is drawn from the entrant's disclosure and the C2PA evidence; where it
applies it names the IPTC digital source type
(https://cv.iptc.org/newscodes/digitalsourcetype/): C2PA's own ``digitalSourceType`` when
the file carries a manifest, else the type the disclosure implies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from announcements.models import Announcement, Outcome, OutcomeKind, PublicConsent
from announcements.selectors import describe, final_round
from festival.models import Edition
from media.models import AIEvidence, C2PAState
from media.playback import playback_for
from submissions.models import AIUse, Credit, ProductionStage, Submission

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
IPTC_LABELS = {
    "trainedAlgorithmicMedia": "Created using generative AI",
    "compositeWithTrainedAlgorithmicMedia": "Combines generative AI with other material",
    "algorithmicallyEnhanced": "Enhanced by an algorithm (e.g. upscaled)",
    "digitalCapture": "Captured with a camera",
    "compositeSynthetic": "Composite including synthetic elements",
    "algorithmicMedia": "Created by an algorithm (not trained on examples)",
}
PICTURE_STAGES = {ProductionStage.VIDEO, ProductionStage.IMAGE}


@dataclass(frozen=True)
class AILabel:
    summary: str  # "Created using generative AI"
    stages: list[str]  # "Video generation (Runway Gen-4, 80 % of the runtime)"
    source_type: str  # IPTC code, "" when none applies
    evidence: str  # what the C2PA manifest says, in words

    @property
    def source_type_url(self) -> str:
        return IPTC + self.source_type if self.source_type else ""


def ai_label(uses: list[AIUse], evidence: AIEvidence | None) -> AILabel:
    stages = []
    for use in uses:
        detail = use.tool_name + (f" {use.model_version}" if use.model_version else "")
        stages.append(f"{use.get_stage_display()} ({detail}, {use.runtime_share_percent} % of the runtime)")
    c2pa_types = list((evidence.c2pa or {}).get("digital_source_types", [])) if evidence else []
    state = evidence.c2pa_state if evidence else C2PAState.NONE
    if state == C2PAState.NONE:
        words = "No C2PA manifest in the file (no evidence either way)."
    else:
        words = f"C2PA manifest: {C2PAState(state).label}"
        if c2pa_types:
            words += f"; digital source type {', '.join(c2pa_types)}"
        words += "."
    picture = [u for u in uses if u.stage in PICTURE_STAGES]
    picture_share = max((u.runtime_share_percent for u in picture), default=0)
    trusted_types = (
        [t for t in c2pa_types if t in IPTC_LABELS] if state in (C2PAState.TRUSTED, C2PAState.UNTRUSTED) else []
    )
    if trusted_types:
        source = "trainedAlgorithmicMedia" if "trainedAlgorithmicMedia" in trusted_types else trusted_types[0]
    elif picture_share >= 50:
        source = "trainedAlgorithmicMedia"
    elif picture:
        source = "compositeWithTrainedAlgorithmicMedia"
    elif any(u.stage == ProductionStage.UPSCALE for u in uses):
        source = "algorithmicallyEnhanced"
    else:
        source = ""
    if source:
        summary = IPTC_LABELS[source]
    elif uses:
        summary = "AI used in production (not in the pictures)"
    else:
        summary = "No AI use declared"
    return AILabel(summary=summary, stages=stages, source_type=source, evidence=words)


@dataclass
class PublicFilm:
    submission: Submission
    outcome: Outcome
    public: bool
    consent: PublicConsent | None
    credits: list[Credit] = field(default_factory=list)
    label: AILabel | None = None
    poster_url: str = ""

    @property
    def distinction(self) -> str:
        return describe(self.outcome)

    @property
    def is_award(self) -> bool:
        return self.outcome.kind == OutcomeKind.AWARD

    @property
    def url(self) -> str:
        edition = self.submission.edition
        return reverse(
            "announcements:public_film",
            kwargs={"festival": edition.festival.slug, "year": edition.year, "submission_id": self.submission.pk},
        )


def poster_base(edition: Edition, submission_id: int) -> str:
    return reverse(
        "announcements:public_poster",
        kwargs={"festival": edition.festival.slug, "year": edition.year, "submission_id": submission_id, "asset": "x"},
    )[:-1]


def public_films(edition: Edition, *, submission_id: int | None = None) -> list[PublicFilm]:
    """The final's announced outcomes (awards by rank, then finalists), with what may be shown (≈6 queries)."""
    final = final_round(edition)
    announcement = Announcement.objects.filter(round=final, announced_at__isnull=False).first() if final else None
    if announcement is None:
        return []
    outcomes = Outcome.objects.filter(announcement=announcement).select_related(
        "tier", "submission__edition__festival", "submission__public_consent"
    )
    if submission_id is not None:
        outcomes = outcomes.filter(submission_id=submission_id)
    rows = sorted(outcomes, key=lambda o: (o.kind != OutcomeKind.AWARD, o.rank or 10**6, o.submission.title))
    films = []
    for outcome in rows:
        consent = getattr(outcome.submission, "public_consent", None)
        films.append(PublicFilm(outcome.submission, outcome, consent is not None, consent))
    shown = {film.submission.pk: film for film in films if film.public}
    if not shown:
        return films
    credits: dict[int, list[Credit]] = {}
    for credit in Credit.objects.filter(submission_id__in=shown).order_by("position", "pk"):
        credits.setdefault(credit.submission_id, []).append(credit)
    uses: dict[int, list[AIUse]] = {}
    for use in AIUse.objects.filter(submission_id__in=shown).select_related("tool").order_by("stage"):
        uses.setdefault(use.submission_id, []).append(use)
    film_ids = {film.submission.film_id: film for film in shown.values() if film.submission.film_id}
    evidence = {e.film_id: e for e in AIEvidence.objects.filter(film_id__in=film_ids)}
    for pk, film in shown.items():
        consent = film.consent
        assert consent is not None
        film.credits = credits.get(pk, []) if consent.show_credits else []
        film.label = ai_label(uses.get(pk, []), evidence.get(film.submission.film_id or 0))
        if consent.show_poster and film.submission.film_id:
            playback = playback_for(film.submission.film_id, base_url=poster_base(edition, pk))
            film.poster_url = playback.poster_url if playback else ""
    return films


# --- schema.org ------------------------------------------------------------------------------


def movie_ld(film: PublicFilm, *, site_url: str, edition: Edition) -> dict[str, Any]:
    """A schema.org Movie with its award and creators (only consented, public facts)."""
    submission = film.submission
    award = f"{film.distinction}, {edition.festival.name} {edition.year}"
    data: dict[str, Any] = {
        "@type": "Movie",
        "@id": site_url + film.url,
        "name": submission.title,
        "url": site_url + film.url,
        "award": award,
    }
    if submission.logline:
        data["description"] = submission.logline
    if film.poster_url:
        data["image"] = site_url + film.poster_url
    directors = [c for c in film.credits if c.role == "director"]
    creators = [c for c in film.credits if c.role != "director"]
    if directors:
        data["director"] = [{"@type": "Person", "name": c.name} for c in directors]
    if film.credits:
        data["creator"] = [
            {"@type": "Person", "name": c.name, "jobTitle": c.get_role_display()} for c in [*directors, *creators]
        ]
    if submission.declared_runtime_seconds:
        minutes, seconds = divmod(submission.declared_runtime_seconds, 60)
        data["duration"] = f"PT{minutes}M{seconds}S"
    if film.label is not None and film.label.source_type:
        # schema.org has no AI-use property; a DefinedTerm from the IPTC vocabulary as a keyword.
        data["keywords"] = [
            {
                "@type": "DefinedTerm",
                "name": film.label.summary,
                "termCode": film.label.source_type,
                "inDefinedTermSet": IPTC,
                "url": film.label.source_type_url,
            }
        ]
    return data


def edition_ld(edition: Edition, films: list[PublicFilm], *, site_url: str, page_url: str) -> dict[str, Any]:
    """The edition as a schema.org Festival event whose winners are listed as Movies."""
    public = [film for film in films if film.public]
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": f"{edition.festival.name} {edition.year}: winners and finalists",
        "url": site_url + page_url,
        "numberOfItems": len(public),
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": index,
                "item": movie_ld(film, site_url=site_url, edition=edition),
            }
            for index, film in enumerate(public, start=1)
        ],
    }
