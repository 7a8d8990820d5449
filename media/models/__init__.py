"""media's tables, split by entity. Each module's models are re-exported here."""

from media.models.films import Film, JobState, ProcessingJob
from media.models.outputs import FilmOutput, OutputKind, QCReport, Severity

__all__ = ["Film", "FilmOutput", "JobState", "OutputKind", "ProcessingJob", "QCReport", "Severity"]
