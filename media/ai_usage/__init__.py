"""AI-usage metadata of a film: C2PA manifest, container tags, shot list, consistency flags, duplicates.

The pipeline's analysing stage calls :func:`record_ai_usage`; pages and other apps read
through :func:`ai_usage_for`, :func:`shot_list` and :func:`flags_for_group`; entrants'
shot labels go through :func:`label_shots`, a changed disclosure through
:func:`update_declaration`.
"""

from media.ai_usage.selectors import (
    AIUsage,
    DuplicateRow,
    FlagRow,
    FlagSummary,
    ShotRow,
    ai_usage_context,
    ai_usage_for,
    duplicate_pairs_for_group,
    duplicates_for,
    flag_summaries,
    flags_for_group,
    shot_list,
)
from media.ai_usage.services import (
    ShotLabelError,
    detect_duplicates,
    label_shots,
    record_ai_usage,
    shot_labels_from_post,
    update_declaration,
)

__all__ = [
    "AIUsage",
    "DuplicateRow",
    "FlagRow",
    "FlagSummary",
    "ShotLabelError",
    "ShotRow",
    "ai_usage_context",
    "ai_usage_for",
    "detect_duplicates",
    "duplicate_pairs_for_group",
    "duplicates_for",
    "flag_summaries",
    "flags_for_group",
    "label_shots",
    "record_ai_usage",
    "shot_labels_from_post",
    "shot_list",
    "update_declaration",
]
