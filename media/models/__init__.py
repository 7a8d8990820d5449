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

__all__ = [
    "AIEvidence",
    "AIFlag",
    "C2PAState",
    "DuplicatePair",
    "Film",
    "FlagSeverity",
    "FrameHash",
    "JobState",
    "ProcessingJob",
    "Shot",
    "ShotLabel",
]
