"""What a sync does with one path: the drive (remote) and the local folder, each compared with the last sync (base).

"same" / "changed" compare a side with its own recorded size and time ("changed" includes new); "gone" is a side
that had the file and no longer has it; "none" a side that never had it. A read-write mount, first match wins:

    Pull (drive → here)                                   Push (here → drive)
    remote    local       → action                        local     remote      → action
    none      any         → nothing (push's business)     same      any         → nothing (pull's business)
    gone      gone/none   → forget                        gone      gone/none   → forget
    gone      same        → delete here                   gone      same        → delete on the drive
    gone      changed     → keep ours, report conflict    gone      changed     → keep the drive's, report conflict
    any       gone/none   → download (new, or restore)    changed   same/none   → upload
    same      any         → nothing (push's business)     changed   gone        → upload again, report conflict
    changed   same        → download                      changed   changed     → compare: adopt or conflict
    changed   changed     → compare: adopt or conflict

A conflict keeps both: ours holds the name, the drive's version is written beside it as
'report (conflict 2026-12-06 0930 from drive).docx'; the push sends both, so both sides end with both. "compare"
first adopts a file whose two sides already agree (same size and time, or same bytes).

A read-only mount mirrors the drive: a pull downloads whatever differs from the drive (a local edit included:
refused, undone) and deletes what the drive does not have; a push sends nothing and lists local changes as refused.

A deletion reaches the drive only through the push of the job that made it; a file missing here at a pull is
restored, so a wiped or recreated folder can never read as "delete everything on the drive".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import PurePosixPath

from runner.drives.listing import Tree, parents
from runner.drives.state import Base, Stamp


class Action(StrEnum):
    NOTHING = "nothing"
    DOWNLOAD = "download"
    UPLOAD = "upload"
    DELETE_LOCAL = "delete_local"
    DELETE_REMOTE = "delete_remote"
    FORGET = "forget"  # gone on both sides: drop the recorded state
    COMPARE = "compare"  # both sides have it and both changed: adopt when they agree, else a conflict copy
    KEEP = "keep"  # one side deleted, the other changed: keep the changed one, report a conflict
    REFUSE = "refuse"  # read-only mount: a local change that is not sent


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    note: str | None = None  # the conflict or refusal, in words


NOTHING = Decision(Action.NOTHING)
FORGET = Decision(Action.FORGET)
KEPT_OURS = "deleted on the drive but changed here: kept, the next push sends it again"
KEPT_THEIRS = "deleted here but changed on the drive: kept the drive's, the next pull brings it back"


def decide_pull(base: Base | None, remote: Stamp | None, local: Stamp | None, *, read_only: bool) -> Decision:
    """What a pull does with one path."""
    base_remote, base_local = (base.remote, base.local) if base else (None, None)
    if read_only:
        return _mirror(base, remote, local)
    if remote is None:
        if base_remote is None:
            return FORGET if local is None and base else NOTHING
        if local is None:
            return FORGET
        return Decision(Action.DELETE_LOCAL) if local == base_local else Decision(Action.KEEP, KEPT_OURS)
    if local is None:
        return Decision(Action.DOWNLOAD)  # new on the drive, or deleted here by a job whose push never happened
    if remote == base_remote:
        return NOTHING
    if local == base_local:
        return Decision(Action.DOWNLOAD)
    return Decision(Action.COMPARE, "changed on the drive and here")


def decide_push(base: Base | None, remote: Stamp | None, local: Stamp | None, *, read_only: bool) -> Decision:
    """What a push does with one path."""
    base_remote, base_local = (base.remote, base.local) if base else (None, None)
    if local == base_local:
        return FORGET if base and local is None and remote is None else NOTHING
    if read_only:
        what = "deleted" if local is None else "added" if base_local is None else "changed"
        return Decision(Action.REFUSE, f"{what} here, but the mount is read-only: not sent, the next pull undoes it")
    if local is None:
        if remote is None:
            return FORGET
        return Decision(Action.DELETE_REMOTE) if remote == base_remote else Decision(Action.KEEP, KEPT_THEIRS)
    if remote == base_remote:
        return Decision(Action.UPLOAD)
    if remote is None:
        return Decision(Action.UPLOAD, "deleted on the drive but changed here: uploaded again")
    return Decision(Action.COMPARE, "changed here and on the drive")


def _mirror(base: Base | None, remote: Stamp | None, local: Stamp | None) -> Decision:
    """Read-only: the folder becomes what the drive has."""
    base_remote, base_local = (base.remote, base.local) if base else (None, None)
    if remote is None:
        if local is None:
            return FORGET if base else NOTHING
        if local == base_local:
            return Decision(Action.DELETE_LOCAL)
        return Decision(Action.DELETE_LOCAL, "added or changed here, but the mount is read-only: removed")
    if local is None:
        return Decision(Action.DOWNLOAD)
    if local == base_local:
        return NOTHING if remote == base_remote else Decision(Action.DOWNLOAD)
    if base_local is None:
        return Decision(Action.COMPARE)  # no record (first sync, lost state): adopt when it matches, else download
    return Decision(Action.DOWNLOAD, "changed here, but the mount is read-only: the drive's copy was restored")


def conflict_name(relative: str, taken: set[str], now: datetime | None = None) -> str:
    """A free sibling name for the drive's side of a conflict: 'report (conflict 2026-12-06 0930 from drive).docx'."""
    path = PurePosixPath(relative)
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H%M")
    number = 1
    while True:
        label = f"conflict {stamp} from drive" + (f" {number}" if number > 1 else "")
        candidate = str(path.with_name(f"{path.stem} ({label}){path.suffix}"))
        if candidate not in taken:
            return candidate
        number += 1


def blocked_by(path: str, remote: Tree, local: Tree) -> str | None:
    """Why a file cannot move between the two sides: a folder on one side where the other has a file, a link."""
    for folder in parents(path):
        if folder in local.files or folder in local.skipped:
            return f"'{folder}' here is a file or a link where the drive has a folder"
        if folder in remote.files:
            return f"'{folder}' on the drive is a file where this folder has a folder"
    if path in local.dirs and path in remote.files:
        return "a folder here, a file on the drive"
    if path in remote.dirs and path in local.files:
        return "a file here, a folder on the drive"
    return None
