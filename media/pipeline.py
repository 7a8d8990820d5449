"""One processing attempt of a film: probe → transcode (one decode) → analyse → ready | failed.

The attempt works in a folder of its own on the worker's local disk (the source is copied
there from storage, never opened in place) and publishes results only through the storage
API. An output is published by uploading its files and then recording its row (the commit
marker); players and re-runs only ever see outputs with a row. A re-run therefore produces
only the outputs without a row, first deleting whatever files a killed attempt left under
their names, and the HLS master playlist (which names the rungs) is written last.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError

from media import services
from media.analysis import AnalysisInputs
from media.assets import storage_name
from media.errors import JobLost, PermanentError, TransientError
from media.models import Film, FilmOutput, JobState, OutputKind, QCReport
from media.pictures import choose_poster, poster_files, storyboard
from media.probe import SourceInfo, check_timestamps, format_runtime, probe_source
from media.qc import Measurements, eligibility_findings, measure, metrics_of, technical_findings
from media.renditions import (
    SEGMENT_SECONDS,
    Plan,
    Rung,
    ladder_for,
    master_playlist,
    output_folders,
    plan_for,
    transcode_argv,
)
from media.rules import FilmRules
from media.runner import Limits, RunFailed, RunTimedOut, hit_memory_cap, run, transcode_timeout

logger = logging.getLogger(__name__)

# Share of the progress bar for each stage (the transcode dominates the wall time).
PROGRESS_PROBED = 5
PROGRESS_TRANSCODED = 85
PROGRESS_UPLOADED = 92
PROGRESS_WRITE_EVERY = 1.0  # seconds between progress writes
MASTER_KEY = "hls/master"
MASTER_ASSET = "hls/master.m3u8"


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    with contextlib.suppress(ImportError):
        from botocore.exceptions import BotoCoreError, ClientError

        errors += [BotoCoreError, ClientError]
    return tuple(errors)


@contextlib.contextmanager
def _storage_step(what: str) -> Iterator[None]:
    """Storage trouble is transient (the attempt is retried); anything else propagates."""
    try:
        yield
    except (PermanentError, JobLost, TransientError):
        raise
    except _storage_errors() as exc:
        raise TransientError(f"storage error while {what}: {exc}") from exc


def work_root() -> Path:
    return Path(settings.LAUREL_MEDIA_WORK_DIR)


def film_workdir(film_id: int) -> Path:
    return work_root() / f"film-{film_id}"


def _fresh_workdir(film_id: int, attempt: int) -> Path:
    """A new folder for this attempt; what earlier attempts on this host left is removed."""
    parent = film_workdir(film_id)
    if parent.exists():
        shutil.rmtree(parent, ignore_errors=True)
    workdir = parent / f"attempt-{attempt}"
    workdir.mkdir(parents=True)
    return workdir


class _Beat:
    """The attempt's heartbeat: at most one write every LAUREL_MEDIA_HEARTBEAT_SECONDS, however
    often it is called (between copied chunks, uploaded files, ffmpeg ticks and progress).

    JobLost from the write means another worker took the job over: the caller stops.
    """

    def __init__(self, claim: services.Claim) -> None:
        self.claim = claim
        self.every = float(settings.LAUREL_MEDIA_HEARTBEAT_SECONDS)
        self.last = time.monotonic()

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self.last >= self.every:
            services.touch_job(claim=self.claim)
            self.last = now

    def written(self) -> None:
        """Another write of this attempt stored the heartbeat (progress, a state change)."""
        self.last = time.monotonic()


# The beat of each running attempt in this process (uploads of many files beat through it).
_beats: dict[tuple[int, int], _Beat] = {}


def _download(name: str, target: Path, beat: _Beat) -> tuple[Path, str]:
    """Copy the upload into the attempt's folder; returns the copy and the file's SHA-256."""
    digest = hashlib.sha256()
    with _storage_step("copying the upload"):
        if not default_storage.exists(name):
            raise PermanentError("The uploaded file is missing from storage.")
        with default_storage.open(name, "rb") as source, target.open("wb") as copy:
            while chunk := source.read(1024 * 1024):
                copy.write(chunk)
                digest.update(chunk)
                beat()
    return target, digest.hexdigest()


def _upload(claim: services.Claim, local: Path, asset: str) -> int:
    """Store one file under its final name (replacing a leftover of a killed attempt)."""
    _beats[(claim.film_id, claim.attempt)]()
    name = storage_name(claim.film_id, asset)
    with _storage_step(f"storing {asset}"):
        if default_storage.exists(name):
            default_storage.delete(name)
        with local.open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=local.name))
        if saved != name:
            # Someone else wrote that name in between: another attempt is running.
            default_storage.delete(saved)
            raise JobLost(f"film {claim.film_id}: {asset} was written concurrently")
    return local.stat().st_size


def _upload_folder(claim: services.Claim, folder: Path, prefix: str) -> tuple[list[str], int]:
    """Upload every file of a local folder as ``prefix/<file>``; playlists last (they name the rest)."""
    files = sorted(folder.iterdir(), key=lambda p: (p.suffix == ".m3u8", p.name))
    names, total = [], 0
    for path in files:
        if path.is_file():
            total += _upload(claim, path, f"{prefix}/{path.name}")
            names.append(f"{prefix}/{path.name}")
    return names, total


class _Progress:
    """Turns ffmpeg -progress blocks into job progress (and heartbeats), at most once a second."""

    def __init__(self, claim: services.Claim, duration: float, *, low: int, high: int, beat: _Beat) -> None:
        self.claim, self.duration, self.low, self.high, self.beat = claim, duration, low, high, beat
        self.last_write = 0.0
        self.last_value = -1
        self.out_seconds = 0.0

    def __call__(self, block: dict[str, str]) -> None:
        with contextlib.suppress(ValueError):
            self.out_seconds = max(self.out_seconds, int(block.get("out_time_us", "0")) / 1e6)
        fraction = min(1.0, self.out_seconds / self.duration) if self.duration > 0 else 0.0
        value = self.low + int((self.high - self.low) * fraction)
        now = time.monotonic()
        if (value != self.last_value and now - self.last_write >= PROGRESS_WRITE_EVERY) or block.get(
            "progress"
        ) == "end":
            services.report_progress(claim=self.claim, progress=value)
            self.beat.written()
            self.last_write, self.last_value = now, value
        else:
            self.beat()  # progress that stays on one value (a long film) still beats


def _existing_outputs(film_id: int) -> dict[str, FilmOutput]:
    return {row.key: row for row in FilmOutput.objects.filter(film_id=film_id)}


def _numbered_frames(folder: Path, interval: float) -> list[tuple[float, Path]]:
    """Frames written as 00001.jpg, 00002.jpg ... by an fps filter: frame n is at (n-1)·interval."""
    if not folder.exists():
        return []
    return [(round((int(p.stem) - 1) * interval, 3), p) for p in sorted(folder.glob("*.jpg"))]


def _rung_stats(folder: Path, duration: float) -> dict[str, Any]:
    segments = sorted(folder.glob("*.m4s"))
    total = sum(p.stat().st_size for p in [*segments, *folder.glob("init.mp4")])
    average = int(total * 8 / duration) if duration > 0 else 0
    # Peak: the largest segment over the nominal segment length (a safe upper bound).
    peak = max((int(p.stat().st_size * 8 / SEGMENT_SECONDS) for p in segments), default=average)
    return {"average": max(average, 1), "bandwidth": max(peak, average, 1), "size": total}


def _publish_renditions(claim: services.Claim, plan: Plan, info: SourceInfo, existing: dict[str, FilmOutput]) -> None:
    for rung in plan.rungs:
        key = f"hls/{rung.name}"
        if key in existing:
            continue
        folder = plan.out / "hls" / rung.name
        stats = _rung_stats(folder, info.duration)
        files, size = _upload_folder(claim, folder, key)
        existing[key] = services.record_output(
            claim=claim,
            kind=OutputKind.HLS,
            key=key,
            files=files,
            width=rung.width,
            height=rung.height,
            size_bytes=size,
            meta={"bandwidth": stats["bandwidth"], "average": stats["average"], "fps": round(float(plan.fps), 3)},
        )
    if plan.mp4 is not None and "mp4" not in existing:
        rung = plan.mp4
        local = plan.out / "mp4" / f"{rung.name}.mp4"
        asset = f"mp4/{rung.name}.mp4"
        size = _upload(claim, local, asset)
        existing["mp4"] = services.record_output(
            claim=claim,
            kind=OutputKind.MP4,
            key="mp4",
            files=[asset],
            width=rung.width,
            height=rung.height,
            size_bytes=size,
        )
    _publish_master(claim, plan, info, existing)


def _publish_master(claim: services.Claim, plan: Plan, info: SourceInfo, existing: dict[str, FilmOutput]) -> None:
    ladder = ladder_for(info.width, info.height)
    rows = [existing.get(f"hls/{rung.name}") for rung in ladder]
    if any(row is None for row in rows):
        raise PermanentError("Some renditions are missing after transcoding.")
    if MASTER_KEY in existing and not plan.rungs:
        return
    variants = [
        {
            "name": row.key.split("/", 1)[1],
            "width": row.width,
            "height": row.height,
            "bandwidth": row.meta.get("bandwidth", 1),
            "average": row.meta.get("average", 1),
            "fps": float(row.meta.get("fps", 25.0)),
            "audio": info.has_audio,
        }
        for row in rows
        if row is not None
    ]
    local = plan.out / "master.m3u8"
    local.write_text(master_playlist(variants), encoding="utf-8")
    size = _upload(claim, local, MASTER_ASSET)
    top = max(ladder, key=lambda r: r.short_side)
    existing[MASTER_KEY] = services.record_output(
        claim=claim,
        kind=OutputKind.HLS_MASTER,
        key=MASTER_KEY,
        files=[MASTER_ASSET],
        width=top.width,
        height=top.height,
        size_bytes=size,
        meta={"duration": round(info.duration, 3), "rungs": [r.name for r in ladder]},
    )


def _publish_pictures(
    claim: services.Claim,
    plan: Plan,
    info: SourceInfo,
    existing: dict[str, FilmOutput],
    story_frames: list[tuple[float, Path]],
) -> None:
    pictures = plan.out / "pictures"
    if "poster" not in existing:
        candidates = _numbered_frames(plan.out / "frames" / "poster", plan.poster_interval)
        chosen = choose_poster(candidates, info.duration)
        if chosen is not None:
            written = poster_files(chosen.path, pictures / "poster")
            files = [f"poster/{p.name}" for p in written]
            size = sum(_upload(claim, p, f"poster/{p.name}") for p in written)
            existing["poster"] = services.record_output(
                claim=claim,
                kind=OutputKind.POSTER,
                key="poster",
                files=files,
                size_bytes=size,
                meta={"time": chosen.time, "sharpness": round(chosen.sharpness, 1)},
            )
    if "storyboard" not in existing and story_frames:
        written = storyboard(story_frames, pictures / "storyboard", duration=info.duration)
        files = [f"storyboard/{p.name}" for p in sorted(written, key=lambda p: p.suffix == ".vtt")]
        size = sum(_upload(claim, pictures / name, name) for name in files)
        existing["storyboard"] = services.record_output(
            claim=claim,
            kind=OutputKind.STORYBOARD,
            key="storyboard",
            files=files,
            size_bytes=size,
            meta={"interval": plan.storyboard_interval, "count": len(story_frames)},
        )


def _record_ai_usage(inputs: AnalysisInputs) -> None:
    """The AI-usage analyser, if installed. Provenance never fails a film: its errors become notes."""
    try:
        from media.ai_usage import record_ai_usage
    except ImportError:
        return
    try:
        record_ai_usage(inputs)
    except Exception as exc:  # any analyser failure is logged on the job, not fatal
        logger.exception("AI-usage analysis of film %s failed", inputs.film_id)
        services.add_job_note(film_id=inputs.film_id, note=f"AI-usage analysis failed: {type(exc).__name__}: {exc}")


def _reason(findings: list[dict[str, Any]]) -> str:
    errors = [str(f["message"]) for f in findings if f["severity"] == "error"]
    return "Does not meet the edition's rules: " + "; ".join(errors) + "."


def _transcode(claim: services.Claim, plan: Plan, info: SourceInfo, workdir: Path) -> None:
    for folder in output_folders(plan):
        folder.mkdir(parents=True, exist_ok=True)
    beat = _beats[(claim.film_id, claim.attempt)]
    progress = _Progress(claim, info.duration, low=PROGRESS_PROBED, high=PROGRESS_TRANSCODED, beat=beat)
    limits = Limits(
        timeout=transcode_timeout(info.duration),
        memory_mb=settings.LAUREL_MEDIA_MEMORY_LIMIT_MB,
        threads=settings.LAUREL_MEDIA_THREADS,
    )
    stderr_path = workdir / "transcode.stderr"
    try:
        result = run(transcode_argv(plan), limits=limits, stderr_path=stderr_path, on_progress=progress, on_tick=beat)
    except RunTimedOut as exc:
        raise PermanentError(
            f"Processing took longer than the {limits.timeout:.0f} s allowed for a film of "
            f"{format_runtime(info.duration)}; the file may be damaged.",
            stderr_tail=exc.stderr_tail,
        ) from exc
    except RunFailed as exc:
        if hit_memory_cap(stderr=_whole(stderr_path), peak_memory_mb=exc.peak_memory_mb, limits=limits):
            raise PermanentError(_out_of_memory(limits), stderr_tail=exc.stderr_tail) from exc
        if exc.returncode is not None and exc.returncode < 0:
            # Killed by a signal from outside (OOM killer, an operator): not the file's fault.
            raise TransientError(f"ffmpeg was killed by signal {-exc.returncode}") from exc
        reason = "The film could not be decoded; the file is damaged or uses an unsupported codec."
        raise PermanentError(reason, stderr_tail=exc.stderr_tail) from exc
    # ffmpeg may end "successfully" after an allocation failed (it takes ENOMEM on a read
    # for the end of the input): that is the memory cap, not a damaged file.
    if hit_memory_cap(stderr=_whole(stderr_path), peak_memory_mb=0, limits=limits):
        raise PermanentError(_out_of_memory(limits), stderr_tail=result.stderr_tail)
    # ffmpeg carries on past a damaged tail: a decode that stopped early is a damaged file.
    decoded = progress.out_seconds
    if info.duration > 0 and decoded < info.duration * 0.9 - 1.0:
        raise PermanentError(
            f"Decoding stopped at {format_runtime(decoded)} of {format_runtime(info.duration)}; "
            "the file is damaged or incomplete.",
            stderr_tail=result.stderr_tail,
        )


def _whole(path: Path) -> str:
    with contextlib.suppress(FileNotFoundError):
        return path.read_text(errors="replace")
    return ""


def _out_of_memory(limits: Limits) -> str:
    return (
        f"Processing the film needed more than the {limits.memory_mb:,} MB of memory a film may use "
        "(the memory cap); the file is damaged or unusually demanding to decode."
    )


def run_attempt(claim: services.Claim, *, on_stage: Callable[[str], None] | None = None) -> str:
    """The body of one attempt that owns the job; returns the final state (ready / failed)."""
    film = Film.objects.get(pk=claim.film_id)
    rules = FilmRules.from_dict(film.rules)
    workdir = _fresh_workdir(film.pk, claim.attempt)
    beat = _beats[(claim.film_id, claim.attempt)] = _Beat(claim)
    try:
        suffix = Path(film.source_name).suffix.lower()[:8] if Path(film.source_name).suffix.isascii() else ""
        source, sha256 = _download(film.source_name, workdir / f"source{suffix if suffix.isalnum() else ''}", beat)
        if not film.sha256:  # an upload of several PATCHes is hashed here, where it is read anyway
            services.record_source_sha256(claim=claim, sha256=sha256)
        info = probe_source(source, workdir=workdir, rules=rules, on_tick=beat)
        findings = eligibility_findings(info, rules, size_bytes=source.stat().st_size)
        if any(f["severity"] == "error" for f in findings):
            services.record_qc_report(claim=claim, findings=findings, metrics=metrics_of(info, None))
            services.mark_failed(claim=claim, reason=_reason(findings))
            return JobState.FAILED
        check_timestamps(source, info, workdir=workdir, on_tick=beat)
        services.report_progress(claim=claim, progress=PROGRESS_PROBED)
        services.advance_job(claim=claim, from_state=JobState.PROBING, to_state=JobState.TRANSCODING)
        if on_stage:
            on_stage(JobState.TRANSCODING)

        existing = _existing_outputs(film.pk)
        report = QCReport.objects.filter(film_id=film.pk).first()
        ladder: list[Rung] = ladder_for(info.width, info.height)
        need_analysis = report is None
        plan = plan_for(
            info,
            source=source,
            out=workdir / "out",
            missing_rungs={r.name for r in ladder if f"hls/{r.name}" not in existing},
            need_mp4="mp4" not in existing,
            need_frames=need_analysis or "poster" not in existing or "storyboard" not in existing,
            need_analysis=need_analysis,
            threads=settings.LAUREL_MEDIA_THREADS,
            preset=settings.LAUREL_MEDIA_X264_PRESET,
        )
        if not plan.is_empty:
            _transcode(claim, plan, info, workdir)
        _publish_renditions(claim, plan, info, existing)
        services.report_progress(claim=claim, progress=PROGRESS_UPLOADED)
        services.advance_job(claim=claim, from_state=JobState.TRANSCODING, to_state=JobState.ANALYSING)
        if on_stage:
            on_stage(JobState.ANALYSING)

        story_frames = _numbered_frames(plan.out / "frames" / "storyboard", plan.storyboard_interval)
        _publish_pictures(claim, plan, info, existing, story_frames)
        if report is None:
            measured: Measurements = measure(workdir / "transcode.stderr", plan.out / "scenes.txt", info.duration)
            _record_ai_usage(
                AnalysisInputs(
                    film_id=film.pk,
                    source=source,
                    probe=info.raw,
                    scene_cuts=measured.scene_cuts,
                    sampled_frames=story_frames,
                    workdir=workdir,
                )
            )
            findings += technical_findings(info, measured, rules)
            report = services.record_qc_report(claim=claim, findings=findings, metrics=metrics_of(info, measured))
        if report.blocking:
            services.mark_failed(claim=claim, reason=_reason(report.findings))
            return JobState.FAILED
        stderr_tail = ""
        with contextlib.suppress(FileNotFoundError):
            stderr_tail = (workdir / "transcode.stderr").read_text(errors="replace")[-4000:]
        if not services.mark_ready(claim=claim, stderr_tail=stderr_tail):
            raise JobLost(f"film {film.pk}: attempt {claim.attempt} lost the job before ready")
        return JobState.READY
    finally:
        _beats.pop((claim.film_id, claim.attempt), None)
        shutil.rmtree(workdir, ignore_errors=True)
        with contextlib.suppress(OSError):
            film_workdir(film.pk).rmdir()


def process_film(film_id: int) -> str:
    """Claim the film's job and run one attempt. Returns what happened (for logs and tests).

    Permanent errors end the job failed with their reason; TransientError puts the job back
    in the queue and propagates (the task retries with backoff); JobLost stops quietly.
    """
    claim = services.claim_job(film_id=film_id)
    if claim is None:
        logger.info("film %s: job missing or not queued; nothing to do", film_id)
        return "skipped"
    try:
        return run_attempt(claim)
    except PermanentError as exc:
        services.mark_failed(claim=claim, reason=exc.reason, stderr_tail=exc.stderr_tail)
        return JobState.FAILED
    except JobLost as exc:
        logger.warning("%s", exc)
        return "lost"
    except TransientError as exc:
        services.release_for_retry(claim=claim, reason=str(exc))
        raise
    except (OperationalError, InterfaceError) as exc:
        # The database went away mid-attempt: retry later (the reaper catches it if this write fails too).
        with contextlib.suppress(OperationalError, InterfaceError):
            services.release_for_retry(claim=claim, reason=f"database error: {exc}")
        raise TransientError(f"database error: {exc}") from exc
    except Exception as exc:
        logger.exception("processing film %s failed unexpectedly", film_id)
        services.mark_failed(
            claim=claim,
            reason=f"Processing failed unexpectedly ({type(exc).__name__}); an organizer can process the film again.",
        )
        return JobState.FAILED
