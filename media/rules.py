"""The edition rules a film is checked against, as plain values.

``media`` knows films and jobs, not submissions or editions: whoever hands it a film
passes these values along, and they are stored on the film so a re-run checks against the
same rules the entrant was shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from festival.models import Edition


@dataclass(frozen=True)
class FilmRules:
    runtime_min_seconds: int
    runtime_max_seconds: int
    max_file_size_bytes: int
    allowed_containers: tuple[str, ...]  # short names: mp4, mov, webm, mkv, avi
    min_short_side_px: int
    # QC codes (media.qc) this edition treats as blocking errors rather than warnings,
    # e.g. ("no_audio", "loudness"); the rule checks above are always blocking.
    blocking_qc: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["allowed_containers"] = list(self.allowed_containers)
        data["blocking_qc"] = list(self.blocking_qc)
        return data

    @classmethod
    def for_edition(cls, edition: Edition) -> FilmRules:
        """The edition's rules as plain values, as whoever hands media a film passes them."""
        return cls(
            runtime_min_seconds=edition.runtime_min_seconds,
            runtime_max_seconds=edition.runtime_max_seconds,
            max_file_size_bytes=edition.max_file_size_bytes,
            allowed_containers=tuple(edition.allowed_containers or ()),
            min_short_side_px=edition.min_short_side_px,
            blocking_qc=tuple(edition.blocking_qc or ()),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FilmRules:
        return cls(
            **{
                **data,
                "allowed_containers": tuple(data["allowed_containers"]),
                "blocking_qc": tuple(data.get("blocking_qc", ())),
            }
        )


@dataclass(frozen=True)
class DeclaredAIUse:
    """What the entrant declared, for the consistency check against the evidence."""

    ai_video_declared: bool
    tools: tuple[str, ...] = field(default_factory=tuple)  # lower-case tool names, e.g. "runway"

    def to_dict(self) -> dict[str, Any]:
        return {"ai_video_declared": self.ai_video_declared, "tools": list(self.tools)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeclaredAIUse:
        return cls(ai_video_declared=bool(data["ai_video_declared"]), tools=tuple(data.get("tools", ())))
