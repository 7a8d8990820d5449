"""Every write to submissions. Import from here: ``from submissions import services``."""

from submissions.services.entries import (
    DETAIL_FIELDS,
    AIUseInput,
    CreditInput,
    create_submission,
    record_attestations,
    set_ai_disclosure,
    set_credits,
    update_details,
)
from submissions.services.errors import (
    EditionClosed,
    EntryLimitReached,
    NotAllowed,
    StateConflict,
    SubmissionError,
    SubmissionIncomplete,
    SubmissionLocked,
)
from submissions.services.lifecycle import (
    attach_uploaded_film,
    declared_ai_for,
    disqualify_submission,
    mark_upload_started,
    submit_submission,
    withdraw_submission,
)

__all__ = [
    "DETAIL_FIELDS",
    "AIUseInput",
    "CreditInput",
    "EditionClosed",
    "EntryLimitReached",
    "NotAllowed",
    "StateConflict",
    "SubmissionError",
    "SubmissionIncomplete",
    "SubmissionLocked",
    "attach_uploaded_film",
    "create_submission",
    "declared_ai_for",
    "disqualify_submission",
    "mark_upload_started",
    "record_attestations",
    "set_ai_disclosure",
    "set_credits",
    "submit_submission",
    "update_details",
    "withdraw_submission",
]
