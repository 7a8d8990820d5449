"""Reads of AI-usage evidence for pages, admin and other apps (which get plain dataclasses)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from media.assets import film_prefix
from media.models import AIEvidence, AIFlag, C2PAState, DuplicatePair, FlagSeverity, Shot, ShotLabel


@dataclass(frozen=True)
class ShotRow:
    index: int
    start_seconds: float
    end_seconds: float
    label: str
    label_display: str
    thumbnail_url: str  # under the caller's permission-checked media mount; "" without one


@dataclass(frozen=True)
class FlagRow:
    film_id: int
    code: str
    severity: str
    message: str
    evidence: dict[str, Any]


@dataclass(frozen=True)
class DuplicateRow:
    film_id: int  # the other film
    matched_frames: int
    compared_frames: int


@dataclass(frozen=True)
class AIUsage:
    film_id: int
    recorded: bool  # False until the analysing stage has run
    c2pa_state: str
    c2pa_state_display: str
    c2pa: dict[str, Any]
    container_tags: dict[str, Any]
    tools_found: list[dict[str, str]]
    flags: list[FlagRow] = field(default_factory=list)
    duplicates: list[DuplicateRow] = field(default_factory=list)
    shots: list[ShotRow] = field(default_factory=list)

    @property
    def has_manifest(self) -> bool:
        return self.c2pa_state != C2PAState.NONE


def _thumbnail_url(film_id: int, name: str, asset_base_url: str) -> str:
    """A thumbnail's URL under the mount that checked who may see the film (never ``/media/``)."""
    prefix = film_prefix(film_id) + "/"
    if not name or not asset_base_url or not name.startswith(prefix):
        return ""
    return asset_base_url + name[len(prefix) :]


def shot_list(film_id: int, *, asset_base_url: str = "") -> list[ShotRow]:
    return [
        ShotRow(
            index=shot.index,
            start_seconds=shot.start_seconds,
            end_seconds=shot.end_seconds,
            label=shot.label,
            label_display=shot.get_label_display(),
            thumbnail_url=_thumbnail_url(film_id, shot.thumbnail, asset_base_url),
        )
        for shot in Shot.objects.filter(film_id=film_id).order_by("index")
    ]


def _flag_row(flag: AIFlag) -> FlagRow:
    return FlagRow(
        film_id=flag.film_id, code=flag.code, severity=flag.severity, message=flag.message, evidence=flag.evidence
    )


def duplicates_for(film_ids: Iterable[int]) -> dict[int, list[DuplicateRow]]:
    """Possible duplicates of each film (the other film of every pair it is in), in one query."""
    ids = list(film_ids)
    result: dict[int, list[DuplicateRow]] = defaultdict(list)
    pairs = DuplicatePair.objects.filter(Q(film_a_id__in=ids) | Q(film_b_id__in=ids)).order_by("film_a", "film_b")
    wanted = set(ids)
    for pair in pairs:
        for own, other in ((pair.film_a_id, pair.film_b_id), (pair.film_b_id, pair.film_a_id)):
            if own in wanted:
                result[own].append(DuplicateRow(other, pair.matched_frames, pair.compared_frames))
    return dict(result)


def ai_usage_for(film_id: int, *, asset_base_url: str = "") -> AIUsage:
    """Everything known about a film's AI use from the file: manifest, tags, flags, duplicates, shots."""
    evidence = AIEvidence.objects.filter(film_id=film_id).first()
    flags = [_flag_row(f) for f in AIFlag.objects.filter(film_id=film_id).order_by("severity", "code", "pk")]
    duplicates = duplicates_for([film_id]).get(film_id, [])
    shots = shot_list(film_id, asset_base_url=asset_base_url)
    if evidence is None:
        return AIUsage(
            recorded=False,
            c2pa_state=C2PAState.NONE,
            c2pa_state_display=C2PAState.NONE.label,
            c2pa={},
            container_tags={},
            tools_found=[],
            film_id=film_id,
            flags=flags,
            duplicates=duplicates,
            shots=shots,
        )
    return AIUsage(
        recorded=True,
        c2pa_state=evidence.c2pa_state,
        c2pa_state_display=evidence.get_c2pa_state_display(),
        c2pa=evidence.c2pa,
        container_tags=evidence.container_tags,
        tools_found=evidence.tools_found,
        film_id=film_id,
        flags=flags,
        duplicates=duplicates,
        shots=shots,
    )


def flags_for_group(group_key: str) -> dict[int, list[FlagRow]]:
    """Every flag of a group's films by film id (organizer review lists), in one query."""
    result: dict[int, list[FlagRow]] = defaultdict(list)
    rows = AIFlag.objects.filter(film__group_key=group_key).order_by("film_id", "severity", "code", "pk")
    for flag in rows:
        result[flag.film_id].append(_flag_row(flag))
    return dict(result)


def duplicate_pairs_for_group(group_key: str) -> list[tuple[int, int, int, int]]:
    """(film_a, film_b, matched frames, compared frames) for a group's possible duplicates."""
    return list(
        DuplicatePair.objects.filter(group_key=group_key)
        .order_by("film_a", "film_b")
        .values_list("film_a_id", "film_b_id", "matched_frames", "compared_frames")
    )


def ai_usage_context(
    film_id: int, *, show_flags: bool, label_form_action: str = "", asset_base_url: str = ""
) -> dict[str, Any]:
    """The context of ``templates/media/ai_usage.html`` (``{% include ... with ... %}`` or render it).

    ``show_flags`` is for organizers only; ``label_form_action`` makes the shot list a form
    for the entrant (the view behind it checks ownership and calls ``label_shots``);
    ``asset_base_url`` is the caller's permission-checked media mount (``serve_film_asset``),
    under which the shot thumbnails are served.
    """
    return {
        "usage": ai_usage_for(film_id, asset_base_url=asset_base_url),
        "show_flags": show_flags,
        "label_form_action": label_form_action,
        "shot_label_choices": ShotLabel.choices,
    }


@dataclass(frozen=True)
class FlagSummary:
    contradictions: int = 0  # warning flags
    notes: int = 0  # information flags
    duplicates: int = 0  # other films this one may duplicate

    @property
    def needs_review(self) -> bool:
        return bool(self.contradictions or self.duplicates)


def flag_summaries(film_ids: Iterable[int]) -> dict[int, FlagSummary]:
    """Counts of flags and possible duplicates per film, for organizer lists (two queries)."""
    ids = list(film_ids)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = AIFlag.objects.filter(film_id__in=ids).values("film_id", "severity").annotate(n=Count("pk"))
    for row in rows:
        key = "contradictions" if row["severity"] == FlagSeverity.WARNING else "notes"
        counts[row["film_id"]][key] = counts[row["film_id"]].get(key, 0) + row["n"]
    for film_id, others in duplicates_for(ids).items():
        counts[film_id]["duplicates"] = len(others)
    return {film_id: FlagSummary(**values) for film_id, values in counts.items()}
