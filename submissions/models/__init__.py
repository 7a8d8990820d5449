"""submissions' tables, split by entity. Each module's models are re-exported here."""

from submissions.models.disclosure import AITool, AIUse, AttestationRecord, ProductionStage
from submissions.models.entries import Credit, CreditRole, Submission, SubmissionState
from submissions.models.uploads import Upload, UploadState

__all__ = [
    "AITool",
    "AIUse",
    "AttestationRecord",
    "Credit",
    "CreditRole",
    "ProductionStage",
    "Submission",
    "SubmissionState",
    "Upload",
    "UploadState",
]
