"""What a pull or a push did: the files it moved each way, the conflicts it kept, the bytes and the time."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from shared.drives.access import OAuthToken

Direction = Literal["pull", "push"]


@dataclass(frozen=True, slots=True)
class Conflict:
    path: str
    copy: str | None  # the drive's version, kept beside ours under this name (None: nothing was copied)
    reason: str  # what happened on each side and which copy holds the name


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


@dataclass
class SyncResult:
    direction: Direction
    read_only: bool
    pulled: list[str] = field(default_factory=list)  # files written here from the drive (conflict copies too)
    pushed: list[str] = field(default_factory=list)  # files written to the drive
    deleted_local: list[str] = field(default_factory=list)
    deleted_remote: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # read-only mount: local changes not sent, or undone by a pull
    skipped: list[Skipped] = field(default_factory=list)
    bytes_pulled: int = 0
    bytes_pushed: int = 0
    duration_seconds: float = 0.0
    # A token rclone refreshed during the sync: the domain stores it (it may carry a rotated refresh token).
    refreshed_token: OAuthToken | None = field(default=None, repr=False)

    @property
    def changed(self) -> bool:
        return bool(self.pulled or self.pushed or self.deleted_local or self.deleted_remote)

    def summary(self) -> dict[str, Any]:
        """Counts, bytes, conflicts and skips: what a job logs and what a mount's last sync shows."""
        return {
            "direction": self.direction,
            "read_only": self.read_only,
            "pulled": len(self.pulled),
            "pushed": len(self.pushed),
            "deleted": len(self.deleted_local) + len(self.deleted_remote),
            "conflicts": [asdict(conflict) for conflict in self.conflicts],
            "refused": len(self.refused),
            "skipped": [asdict(item) for item in self.skipped[:50]],
            "bytes_pulled": self.bytes_pulled,
            "bytes_pushed": self.bytes_pushed,
            "duration_seconds": round(self.duration_seconds, 3),
        }
