"""What a pull or a push did: the paths it moved, the bytes, what it skipped and the conflicts it kept."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Direction = Literal["pull", "push"]


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Conflict:
    path: str
    reason: str  # says what happened on each side and which copy was kept


@dataclass
class SyncReport:
    direction: Direction
    downloaded: list[str] = field(default_factory=list)
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # local files on a pull, S3 objects on a push
    downloaded_bytes: int = 0
    uploaded_bytes: int = 0
    deleted_bytes: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    duration_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.downloaded or self.uploaded or self.deleted)

    def skip(self, path: str, reason: str) -> None:
        self.skipped.append(Skipped(path, reason))

    def conflict(self, path: str, reason: str) -> None:
        self.conflicts.append(Conflict(path, reason))

    def summary(self) -> dict[str, Any]:
        """Counts, bytes, skips and conflicts: what a job logs and returns."""
        return {
            "direction": self.direction,
            "downloaded": len(self.downloaded),
            "uploaded": len(self.uploaded),
            "deleted": len(self.deleted),
            "downloaded_bytes": self.downloaded_bytes,
            "uploaded_bytes": self.uploaded_bytes,
            "deleted_bytes": self.deleted_bytes,
            "skipped": [asdict(item) for item in self.skipped],
            "conflicts": [asdict(item) for item in self.conflicts],
            "duration_seconds": round(self.duration_seconds, 3),
        }
