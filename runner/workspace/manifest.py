"""The manifest: each file as it was at the last sync (S3 ETag, local size and mtime), kept as JSON."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from shared.logs import logger

VERSION = 1


@dataclass(frozen=True, slots=True)
class Entry:
    etag: str
    size: int
    mtime_ns: int


@dataclass
class Manifest:
    path: Path
    # Which bucket, prefix and folder the entries describe; a manifest for another pair is not ours to trust.
    identity: dict[str, str]
    entries: dict[str, Entry] = field(default_factory=dict)
    # The prefix's generation (a counter every change to it moves on) the entries were last in step with; None
    # when unknown. While the generation stays there, S3 holds exactly the entries: no listing needed.
    generation: int | None = None
    dirty: bool = False

    @classmethod
    def load(cls, path: Path, identity: dict[str, str]) -> Manifest:
        """The manifest at `path`, or an empty one when it is missing, unreadable or describes another pair."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION or data.get("identity") != identity:
                raise ValueError("written for another version, bucket, prefix or folder")
            entries = {relative: Entry(**entry) for relative, entry in data["files"].items()}
            generation = data.get("generation")
            if generation is not None and type(generation) is not int:
                raise ValueError("the generation is not a number")
        except FileNotFoundError:
            return cls(path, identity)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # Starting empty is safe: files present on both sides are then compared by content, not overwritten.
            logger.warning("workspace manifest ignored", extra={"manifest": str(path), "reason": str(exc)})
            return cls(path, identity)
        return cls(path, identity, entries, generation)

    def record(self, relative: str, entry: Entry) -> None:
        self.entries[relative] = entry
        self.dirty = True

    def forget(self, relative: str) -> None:
        if self.entries.pop(relative, None) is not None:
            self.dirty = True

    def in_step_with(self, generation: int | None) -> None:
        if generation != self.generation:
            self.generation = generation
            self.dirty = True

    def save(self) -> None:
        """Write atomically (temp file, then rename), so a crash leaves the old manifest or the new one."""
        if not self.dirty:
            return
        data = {
            "version": VERSION,
            "identity": self.identity,
            "files": {relative: asdict(entry) for relative, entry in sorted(self.entries.items())},
        }
        if self.generation is not None:
            data["generation"] = self.generation
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(temp, self.path)
        self.dirty = False
