"""media's tables, split by entity. Each module's models are re-exported here."""

from media.models.evidence import (
    AIEvidence,
    AIFlag,
    C2PAState,
    DuplicatePair,
    FlagSeverity,
    FrameHash,
    Shot,
    ShotLabel,
)
from media.models.films import Film, JobState, ProcessingJob
from media.models.outputs import FilmOutput, OutputKind, QCReport, Severity

__all__ = [
    "AIEvidence",
    "AIFlag",
    "C2PAState",
    "DuplicatePair",
    "Film",
    "FilmOutput",
    "FlagSeverity",
    "FrameHash",
    "JobState",
    "OutputKind",
    "ProcessingJob",
    "QCReport",
    "Severity",
    "Shot",
    "ShotLabel",
]
