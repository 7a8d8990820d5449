"""What the pipeline's analysing stage hands to analysers that live outside it.

The pipeline decodes the source once; analysers (the AI-usage metadata in
``media.ai_usage``) read what that pass produced instead of decoding again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class AnalysisInputs:
    film_id: int
    source: Path  # local copy of the source in the job's own temp dir
    probe: dict[str, Any]  # ffprobe -show_format -show_streams JSON
    scene_cuts: list[float]  # seconds, from the one-decode pass
    sampled_frames: list[tuple[float, Path]]  # (seconds, JPEG path) frames sampled for the storyboard
    workdir: Path  # the job's temp dir (analysers may write there)
