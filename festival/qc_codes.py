"""What a film is checked for, defined once: QC finding codes and container names.

Plain values with no model behind them, so ``media`` (which produces the findings and names
the containers it probes) and ``festival`` (whose editions choose which checks block and
which containers they accept) read the same lists. ``tests/media/test_qc_codes.py`` fails
if the pipeline produces a code that is not here, or stops producing one that is.
"""

from __future__ import annotations

from typing import Final

from django.db import models


class Eligibility(models.TextChoices):
    """Breaking an edition's rule: always an error (the job fails, naming the rule and the value)."""

    RUNTIME = "runtime", "Runtime outside the edition's range"
    CONTAINER = "container", "A container the edition does not accept"
    RESOLUTION = "resolution", "Picture smaller than the edition's minimum"
    FILE_SIZE = "file_size", "File larger than the edition allows"


class QCCheck(models.TextChoices):
    """Technical checks reported as warnings unless the edition makes them blocking."""

    NO_AUDIO = "no_audio", "The film has no audio track"
    FRAME_RATE = "frame_rate", "Frame rate below 15 fps"
    VARIABLE_FRAME_RATE = "variable_frame_rate", "Variable frame rate"
    LOUDNESS = "loudness", "Integrated loudness outside -27 to -13 LUFS"
    TRUE_PEAK = "true_peak", "True peak above -1 dBTP"
    BLACK_HEAD = "black_head", "Black at the start"
    BLACK_TAIL = "black_tail", "Black at the end"
    BLACK_RUN = "black_run", "A long run of black"
    SILENCE_HEAD = "silence_head", "Silence at the start"
    SILENCE_TAIL = "silence_tail", "Silence at the end"
    SILENCE_RUN = "silence_run", "A long run of silence"


ELIGIBILITY: Final[tuple[str, ...]] = tuple(Eligibility.values)
QC_CODES: Final[frozenset[str]] = frozenset(QCCheck.values) | frozenset(ELIGIBILITY)

# Short container names the probe reports and an edition may accept.
SUPPORTED_CONTAINERS: Final[tuple[str, ...]] = ("mp4", "mov", "webm", "mkv", "avi")
DEFAULT_CONTAINERS: Final[tuple[str, ...]] = ("mp4", "mov", "webm", "mkv")
