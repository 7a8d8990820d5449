"""media's tables, split by entity. Each module's models are re-exported here."""

from media.models.films import Film, JobState, ProcessingJob

__all__ = ["Film", "JobState", "ProcessingJob"]
