"""Every write of AI-usage evidence: recording it from the analysing stage, labels, duplicates."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Q
from numpy.typing import NDArray

from festival.models import User
from festival.services import record_audit
from media import audit_actions
from media.ai_usage.flags import Flag, consistency_flags
from media.ai_usage.manifest import ManifestEvidence, read_manifest
from media.ai_usage.phash import (
    BAND_BITS,
    BAND_SHIFTS,
    GroupMatch,
    as_uint64,
    band_fields,
    band_flip_masks,
    band_keys,
    frame_hash,
    is_duplicate,
    match_against_group,
)
from media.ai_usage.shots import ShotSpan, grab_frames, nearest_sampled_frame, save_thumbnail, shots_from_cuts
from media.ai_usage.signatures import tools_in
from media.ai_usage.tags import TagEvidence, container_tags
from media.analysis import AnalysisInputs
from media.models import AIEvidence, AIFlag, DuplicatePair, Film, FrameHash, Shot, ShotLabel
from media.rules import DeclaredAIUse

logger = logging.getLogger(__name__)

# Frames hashed per film for the duplicate check: enough to match a re-cut, few enough that
# one film against 6,000 stays a fraction of a second.
MAX_HASHED_FRAMES = 120


class ShotLabelError(ValueError):
    """A label or a shot index the film does not have (shown to the entrant as is)."""


def _duration(probe: dict[str, Any]) -> float | None:
    try:
        return float((probe.get("format") or {})["duration"])
    except (KeyError, TypeError, ValueError):
        return None


def record_ai_usage(inputs: AnalysisInputs) -> None:
    """Compute and store a film's AI-usage evidence, flags, shot list and frame hashes; then look for duplicates.

    Called by the pipeline's analysing stage, outside a transaction. Idempotent: a re-run
    replaces the film's evidence in one transaction (keeping shot labels whose cuts did not
    move), and old thumbnails are deleted only after that commits.
    """
    film = Film.objects.filter(pk=inputs.film_id).first()
    if film is None:
        logger.info("film %s is gone; no AI-usage evidence recorded", inputs.film_id)
        return
    format_name = str((inputs.probe.get("format") or {}).get("format_name", ""))
    manifest = read_manifest(inputs.source, format_name=format_name)
    tags = container_tags(inputs.probe)
    spans = shots_from_cuts(inputs.scene_cuts, _duration(inputs.probe))
    run = secrets.token_hex(4)
    thumbnails = _shot_thumbnails(inputs, spans, run=run)
    hashes = [
        (t, h) for t, path in _spread(inputs.sampled_frames, MAX_HASHED_FRAMES) if (h := _safe_hash(path)) is not None
    ]
    _replace_evidence(
        film=film,
        manifest=manifest,
        tags=tags,
        shots=[(span, thumbnails.get(span.index, "")) for span in spans],
        hashes=hashes,
        run=run,
    )
    detect_duplicates(film_id=film.pk)


def _spread(frames: list[tuple[float, Any]], limit: int) -> list[tuple[float, Any]]:
    """At most ``limit`` frames, evenly spread over the film (long films keep the comparison cheap)."""
    if len(frames) <= limit:
        return list(frames)
    step = len(frames) / limit
    return [frames[int(i * step)] for i in range(limit)]


def _safe_hash(path: Any) -> int | None:
    try:
        return frame_hash(path)
    except (OSError, ValueError) as exc:  # an unreadable sampled frame is skipped, not fatal
        logger.warning("could not hash sampled frame %s: %s", path, exc)
        return None


def _thumbnail_folder(film_id: int) -> str:
    return f"films/{film_id}/ai"


def _shot_thumbnails(inputs: AnalysisInputs, spans: list[ShotSpan], *, run: str) -> dict[int, str]:
    """Storage names of the shots' thumbnails, in a folder of this run's own so a re-run never overwrites."""
    frames: dict[int, Any] = {}
    missing: list[ShotSpan] = []
    for span in spans:
        frame = nearest_sampled_frame(span, inputs.sampled_frames)
        if frame is None:
            missing.append(span)
        else:
            frames[span.index] = frame
    if missing:
        grabbed = grab_frames(inputs.source, [span.middle for span in missing], inputs.workdir)
        frames.update({span.index: path for span, path in zip(missing, grabbed, strict=True) if path is not None})
    names: dict[int, str] = {}
    for index, frame in frames.items():
        try:
            names[index] = save_thumbnail(frame, f"{_thumbnail_folder(inputs.film_id)}/{run}/shot-{index:04d}.jpg")
        except (OSError, ValueError) as exc:
            logger.warning("no thumbnail for shot %s of film %s: %s", index, inputs.film_id, exc)
    return names


@transaction.atomic
def _replace_evidence(
    *,
    film: Film,
    manifest: ManifestEvidence,
    tags: TagEvidence,
    shots: list[tuple[ShotSpan, str]],
    hashes: list[tuple[float, int]],
    run: str,
) -> None:
    # Lock the film so two runs of the same film (a retry racing a late worker) serialise, and
    # read the declaration under the lock so a concurrent update_declaration is not undone.
    locked = Film.objects.select_for_update().only("pk", "declared_ai").get(pk=film.pk)
    declared = DeclaredAIUse.from_dict(locked.declared_ai) if locked.declared_ai else None
    tools_found = [
        {"tool": tool, "source": "c2pa", "where": where, "value": text}
        for where, text in manifest.generator_texts
        for tool in tools_in(text)
    ] + [{"tool": tool, "source": "tags", "where": where, "value": value} for tool, where, value in tags.tools]
    old_shots = list(Shot.objects.filter(film=film).values_list("start_seconds", "end_seconds", "label"))
    kept_labels = {(round(a, 3), round(b, 3)): label for a, b, label in old_shots}

    AIEvidence.objects.update_or_create(
        film=film,
        defaults={
            "c2pa_state": manifest.state,
            "c2pa": manifest.summary,
            "container_tags": tags.tags,
            "tools_found": tools_found,
        },
    )
    Shot.objects.filter(film=film).delete()
    new_shots = Shot.objects.bulk_create(
        Shot(
            film=film,
            index=span.index,
            start_seconds=span.start,
            end_seconds=span.end,
            thumbnail=thumbnail,
            label=kept_labels.get((round(span.start, 3), round(span.end, 3)), ShotLabel.UNLABELLED),
        )
        for span, thumbnail in shots
    )
    flags = consistency_flags(
        declared=declared, manifest=manifest, tags=tags, shot_labels=[shot.label for shot in new_shots]
    )
    _store_flags(film, flags)
    FrameHash.objects.filter(film=film).delete()
    FrameHash.objects.bulk_create(
        (FrameHash(film=film, group_key=film.group_key, at_seconds=t, phash=h, **band_fields(h)) for t, h in hashes),
        batch_size=500,
    )
    record_audit(
        actor=None,
        action=audit_actions.MEDIA_AI_USAGE_RECORDED,
        target=film,
        after={"c2pa_state": manifest.state, "flags": [f.code for f in flags], "shots": len(shots)},
    )
    film_id = film.pk
    transaction.on_commit(lambda: _prune_thumbnails(film_id=film_id, keep_run=run))


def _store_flags(film: Film, flags: list[Flag]) -> list[AIFlag]:
    AIFlag.objects.filter(film=film).delete()
    return AIFlag.objects.bulk_create(
        AIFlag(film=film, code=f.code, severity=f.severity, message=f.message, evidence=f.evidence) for f in flags
    )


def _refresh_flags(film: Film, declared: DeclaredAIUse | None) -> list[AIFlag]:
    """Recompute a film's flags from its stored evidence and labels (the file is not read again).

    What the flags need of the evidence is stored: the texts that named a tool, the digital
    source types, the validation failures. Does nothing before the film is analysed.
    """
    evidence = AIEvidence.objects.filter(film=film).first()
    if evidence is None:
        return []
    found = evidence.tools_found
    manifest = ManifestEvidence(
        state=evidence.c2pa_state,
        summary=evidence.c2pa,
        generator_texts=tuple((f["where"], f["value"]) for f in found if f.get("source") == "c2pa"),
        digital_source_types=tuple(evidence.c2pa.get("digital_source_types", [])),
    )
    tags = TagEvidence(
        tags=evidence.container_tags,
        tools=tuple((f["tool"], f["where"], f["value"]) for f in found if f.get("source") == "tags"),
    )
    labels = list(Shot.objects.filter(film=film).values_list("label", flat=True))
    return _store_flags(film, consistency_flags(declared=declared, manifest=manifest, tags=tags, shot_labels=labels))


def _prune_thumbnails(*, film_id: int, keep_run: str) -> None:
    """Delete the thumbnails of earlier runs (replaced, or orphaned by a run that died before committing)."""
    folder = _thumbnail_folder(film_id)
    try:
        runs, _ = default_storage.listdir(folder)
        for old_run in runs:
            if old_run == keep_run:
                continue
            _, files = default_storage.listdir(f"{folder}/{old_run}")
            for name in files:
                default_storage.delete(f"{folder}/{old_run}/{name}")
    except OSError as exc:  # a leftover thumbnail is harmless; a failed re-run is not
        logger.warning("could not prune old thumbnails of film %s: %s", film_id, exc)


# Band values per indexed look-up where a query takes a list of parameters (SQLite).
BAND_KEYS_PER_QUERY = 5000


def _array_literal(values: NDArray[np.int64]) -> str:
    """An array parameter as one literal ("{1,2,3}"), built by numpy, not adapted value by value."""
    return "{" + ",".join(values.astype(str)) + "}"


def _near_matches_postgresql(*, group_key: str, own: list[int], exclude_film_id: int) -> list[GroupMatch]:
    """The group's films with frames near ``own``, counted exactly by PostgreSQL in one query.

    PostgreSQL makes the look-ups itself from the film's hashes and the flip masks of
    :func:`band_flip_masks` (a few hundred numbers in all): per band, every (band value,
    frame) within the radius. Each band's distinct values are looked up in one index-only
    scan of its covering index (``= ANY``), every hit is compared with the frames it was
    looked up for (XOR + ``bit_count``) beside the index, and only the near frames are
    grouped per film: what comes back is a row per matching film, whatever the size of the
    edition, and the candidates never travel to Python.
    """
    max_distance = settings.LAUREL_DUPLICATE_MAX_DISTANCE
    table = FrameHash._meta.db_table
    probes = ", ".join(
        # Only module constants and ints are formatted in; every value is a parameter.
        f"probe{index} AS MATERIALIZED (SELECT own.position, own.phash, "  # noqa: S608
        f"((own.phash >> {shift}) & {(1 << bits) - 1})::int # m.mask AS key FROM own, unnest(%s::int[]) AS m(mask))"
        for index, (shift, bits) in enumerate(zip(BAND_SHIFTS, BAND_BITS, strict=True))
    )
    arms = " UNION ALL ".join(
        f"SELECT f.id, f.film_id, p.position FROM {table} f JOIN probe{index} p ON f.band{index} = p.key "  # noqa: S608
        # ARRAY(SELECT ...): one index scan for the band's ~14,000 distinct values, planned
        # as a parameter (the planner does not estimate a literal list value by value).
        f"WHERE f.group_key = %s AND f.band{index} = ANY(ARRAY(SELECT DISTINCT key FROM probe{index})) "
        "AND f.film_id <> %s AND bit_count((f.phash # p.phash)::bit(64)) <= %s"
        for index in range(len(BAND_BITS))
    )
    # A pair near in two bands is found twice: DISTINCT counts it once.
    sql = (
        "WITH own AS MATERIALIZED (SELECT o.phash, o.position FROM unnest(%s::bigint[]) "  # noqa: S608
        f"WITH ORDINALITY AS o(phash, position)), {probes} "
        "SELECT near.film_id, count(DISTINCT near.position), "
        f"(SELECT count(*) FROM {table} c WHERE c.film_id = near.film_id), count(DISTINCT near.id) "
        f"FROM ({arms}) AS near GROUP BY near.film_id ORDER BY near.film_id"
    )
    radius = max_distance // len(BAND_BITS)
    params: list[str | int] = [_array_literal(np.asarray(own, dtype=np.int64))]
    params += [_array_literal(band_flip_masks(bits, radius)) for bits in BAND_BITS]
    params += [group_key, exclude_film_id, max_distance] * len(BAND_BITS)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        GroupMatch(film_id=film, matched_frames=matched, other_frames=frames, other_matched=hit)
        for film, matched, frames, hit in rows
    ]


def _candidates(*, group_key: str, own: list[int], exclude_film_id: int) -> NDArray[np.int64]:
    """(row id, film id, hash) of the group's frames that may be near one of ``own``, as an (n, 3) array.

    Indexed band look-ups only (see ``media.ai_usage.phash``), one IN list at a time: every
    frame within the duplicate distance of one of ``own`` is among them, and few others;
    the rest of the edition is never read.
    """
    keys = band_keys(own, max_distance=settings.LAUREL_DUPLICATE_MAX_DISTANCE)
    rows: list[tuple[int, int, int]] = []
    for index, values in enumerate(keys):
        ordered = values.tolist()
        for start in range(0, len(ordered), BAND_KEYS_PER_QUERY):
            chunk = ordered[start : start + BAND_KEYS_PER_QUERY]
            rows += (
                FrameHash.objects.filter(group_key=group_key, **{f"band{index}__in": chunk})
                .exclude(film_id=exclude_film_id)
                .values_list("pk", "film_id", "phash")
            )
    found = np.array(rows, dtype=np.int64).reshape(-1, 3)
    # A frame near in two bands is found twice: keep each row once.
    _, first = np.unique(found[:, 0], return_index=True)
    return found[first]


def _frame_counts(film_ids: list[int]) -> dict[int, int]:
    counts = FrameHash.objects.filter(film_id__in=film_ids).values("film_id").annotate(frames=Count("pk"))
    return {row["film_id"]: row["frames"] for row in counts}


def _near_matches(*, group_key: str, own: list[int], exclude_film_id: int) -> list[GroupMatch]:
    """The group's other films with a frame within the duplicate distance of one of ``own``, with exact counts.

    The same answer as comparing every stored frame of the group (the band look-ups miss no
    near frame), from a bounded number of queries: one on PostgreSQL, where the comparison
    runs beside the index; on other databases (SQLite, the embedded default) the candidates'
    hashes are compared with numpy.
    """
    if connection.vendor == "postgresql":
        return _near_matches_postgresql(group_key=group_key, own=own, exclude_film_id=exclude_film_id)
    data = _candidates(group_key=group_key, own=own, exclude_film_id=exclude_film_id)
    near = match_against_group(
        as_uint64(own), data[:, 2].view(np.uint64), data[:, 1], max_distance=settings.LAUREL_DUPLICATE_MAX_DISTANCE
    )
    # The candidates are only the other films' near frames: their frame counts come from the index.
    frames = _frame_counts([m.film_id for m in near])
    return [replace(m, other_frames=frames.get(m.film_id, m.other_frames)) for m in near]


@transaction.atomic
def detect_duplicates(*, film_id: int) -> list[DuplicatePair]:
    """Compare a film's frame hashes with its group's and store the possible duplicates (both films linked).

    Runs after the film's hashes are committed, so of two films processed at the same time
    the later comparison always sees the other. Replaces the film's earlier pairs.
    """
    film = Film.objects.filter(pk=film_id).only("pk", "group_key").first()
    if film is None:
        return []
    own = list(FrameHash.objects.filter(film_id=film_id).values_list("phash", flat=True))
    DuplicatePair.objects.filter(Q(film_a_id=film_id) | Q(film_b_id=film_id)).delete()
    if not own:
        return []
    matches = _near_matches(group_key=film.group_key, own=own, exclude_film_id=film_id)
    pairs = [
        DuplicatePair(
            film_a_id=min(film_id, m.film_id),
            film_b_id=max(film_id, m.film_id),
            group_key=film.group_key,
            matched_frames=m.matched_frames,
            compared_frames=len(own),
        )
        for m in matches
        if is_duplicate(
            m,
            new_frames=len(own),
            min_frames=settings.LAUREL_DUPLICATE_MIN_FRAMES,
            min_ratio=settings.LAUREL_DUPLICATE_MIN_RATIO,
        )
    ]
    DuplicatePair.objects.bulk_create(pairs, ignore_conflicts=True)
    if pairs:
        record_audit(
            actor=None,
            action=audit_actions.MEDIA_DUPLICATES_DETECTED,
            target=film,
            after={"films": sorted(m.film_a_id if m.film_b_id == film_id else m.film_b_id for m in pairs)},
        )
    return pairs


@transaction.atomic
def update_declaration(*, film_id: int, declared: DeclaredAIUse, actor: User | None) -> list[AIFlag]:
    """Store a changed declaration on the film and recompute its flags from the stored evidence.

    For when the entrant edits their AI disclosure after the upload: the file is not read
    again, since the flags need only what the evidence already recorded.
    """
    film = Film.objects.select_for_update().get(pk=film_id)
    before = film.declared_ai
    film.declared_ai = declared.to_dict()
    film.save(update_fields=["declared_ai"])
    flags = _refresh_flags(film, declared)
    record_audit(
        actor=actor,
        action=audit_actions.MEDIA_DECLARATION_UPDATED,
        target=film,
        before={"declared_ai": before},
        after={"declared_ai": film.declared_ai, "flags": [f.code for f in flags]},
    )
    return flags


def shot_labels_from_post(data: Mapping[str, str]) -> dict[int, str]:
    """``{"shot-3": "ai", ...}`` from a posted form as ``{3: "ai"}``; other fields are ignored."""
    labels: dict[int, str] = {}
    for key, value in data.items():
        if not key.startswith("shot-"):
            continue
        try:
            labels[int(key.removeprefix("shot-"))] = str(value)
        except ValueError:
            raise ShotLabelError(f"Not a shot: {key[:40]}.") from None
    return labels


@transaction.atomic
def label_shots(*, film_id: int, labels: dict[int, str], user: User) -> list[Shot]:
    """The entrant's labels (AI / hybrid / live action / unlabelled) for shots by index.

    The caller checks that ``user`` may label this film (media does not know entrants).
    """
    valid = set(ShotLabel.values)
    bad = sorted(str(label) for label in labels.values() if label not in valid)
    if bad:
        raise ShotLabelError(f"Unknown shot label: {', '.join(bad)}. Use one of: {', '.join(sorted(valid))}.")
    # The film lock serialises labels with a re-run replacing the shots (whose labels it carries over).
    Film.objects.select_for_update().filter(pk=film_id).first()
    shots = {shot.index: shot for shot in Shot.objects.filter(film_id=film_id)}
    unknown = sorted(index for index in labels if index not in shots)
    if unknown:
        raise ShotLabelError(f"This film has no shot {', '.join(str(i) for i in unknown)}.")
    changed = [shot for index, shot in shots.items() if shot.label != labels.get(index, shot.label)]
    before = {str(shot.index): shot.label for shot in changed}
    for shot in changed:
        shot.label = labels[shot.index]
    Shot.objects.bulk_update(changed, ["label"])
    if changed:
        film = Film.objects.get(pk=film_id)
        # Labels can contradict the declaration (AI shots, no AI video declared): flags follow them.
        _refresh_flags(film, DeclaredAIUse.from_dict(film.declared_ai) if film.declared_ai else None)
        record_audit(
            actor=user,
            action=audit_actions.MEDIA_SHOTS_LABELLED,
            target=film,
            before=before,
            after={str(shot.index): shot.label for shot in changed},
        )
    return sorted(shots.values(), key=lambda shot: shot.index)
