"""judging's tables, split by entity. Each module's models are re-exported here."""

from judging.models.exports import ExportFile
from judging.models.final import (
    AggregationMethod,
    AwardDecision,
    Ballot,
    BallotMethod,
    BallotPair,
    BallotRanking,
    TieDecision,
)
from judging.models.rounds import (
    AdvancementMode,
    CategoryPreference,
    ConflictKind,
    ConflictWaiver,
    Criterion,
    DeclaredConflict,
    Panel,
    Round,
    RoundEntry,
    RoundKind,
)
from judging.models.runs import AssignmentRun, RunState
from judging.models.scores import (
    Assignment,
    AssignmentSource,
    AssignmentState,
    Score,
    ScoreState,
    WatchSession,
)
from judging.models.snapshots import RankingRow, RankingSnapshot, RoundRevision

__all__ = [
    "AdvancementMode",
    "AggregationMethod",
    "Assignment",
    "AssignmentRun",
    "AssignmentSource",
    "AssignmentState",
    "AwardDecision",
    "Ballot",
    "BallotMethod",
    "BallotPair",
    "BallotRanking",
    "CategoryPreference",
    "ConflictKind",
    "ConflictWaiver",
    "Criterion",
    "DeclaredConflict",
    "ExportFile",
    "Panel",
    "RankingRow",
    "RankingSnapshot",
    "Round",
    "RoundEntry",
    "RoundKind",
    "RoundRevision",
    "RunState",
    "Score",
    "ScoreState",
    "TieDecision",
    "WatchSession",
]
