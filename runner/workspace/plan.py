"""What to do with one path: a three-way comparison of the last sync (base), S3 (remote) and the disk (local).

Pull (S3 → disk)                                     Push (disk → S3)
remote   local       → action                        local      remote     → action
any      none        → download (restore)            same       any        → nothing (pull's business)
same     present     → nothing (push's business)     changed    same       → upload
changed  same        → download                      changed    changed    → compare: adopt or conflict copy
changed  changed     → compare: adopt or conflict    changed    gone       → upload again, report conflict
new      present     → compare: adopt or conflict    new        none       → upload
gone     same        → delete local                  new        present    → compare: adopt or conflict copy
gone     changed     → conflict, keep local          gone       same       → delete in S3
gone     none        → forget                        gone       changed    → conflict, keep S3's
                                                     gone       gone       → forget
"compare" adopts a file whose content already matches the object (its MD5 is the ETag) instead of moving it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from runner.workspace.local import Blocked, LocalState
from runner.workspace.manifest import Entry


@dataclass(frozen=True, slots=True)
class RemoteObject:
    key: str
    etag: str
    size: int


class Action(Enum):
    NOTHING = "nothing"
    DOWNLOAD = "download"
    DELETE_LOCAL = "delete_local"
    UPLOAD = "upload"
    DELETE_REMOTE = "delete_remote"
    FORGET = "forget"  # gone on both sides: drop the manifest entry
    COMPARE = "compare"  # both sides have it and both differ from the base: same content, or a conflict
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    conflict: str | None = None  # why this is a conflict (also set for an upload that recreates a file)


NOTHING = Decision(Action.NOTHING)


def decide_pull(base: Entry | None, remote: RemoteObject | None, local: LocalState) -> Decision:
    """What a pull does with one path."""
    if remote is None:
        if base is None:
            return NOTHING
        if local is None:
            return Decision(Action.FORGET)
        if not isinstance(local, Blocked) and local.matches(base):
            return Decision(Action.DELETE_LOCAL)
        return Decision(Action.CONFLICT, "removed from S3 but changed here; kept the local copy")
    if local is None:
        # Missing here while S3 has it: restore it. A deletion travels to S3 only by the push of the job that made it;
        # a wiped cache (or a folder recreated empty) must never read as "the user deleted every file".
        return Decision(Action.DOWNLOAD)
    if base is not None and remote.etag == base.etag:
        return NOTHING
    if not isinstance(local, Blocked) and local.matches(base):
        return Decision(Action.DOWNLOAD)
    if isinstance(local, Blocked):
        return Decision(Action.CONFLICT, f"S3 has a file here but this is {local.reason}; kept the local one")
    return Decision(Action.COMPARE, "changed in S3 and here; kept the local copy")


def decide_push(base: Entry | None, remote: RemoteObject | None, local: LocalState) -> Decision:
    """What a push does with one path (`local` is never Blocked here: the scan skips those)."""
    if isinstance(local, Blocked):
        return NOTHING
    if local is None:
        if base is None:
            return NOTHING
        if remote is None:
            return Decision(Action.FORGET)
        if remote.etag == base.etag:
            return Decision(Action.DELETE_REMOTE)
        return Decision(Action.CONFLICT, "deleted here but changed in S3; kept the S3 copy")
    if local.matches(base):
        return NOTHING
    if remote is None:
        if base is None:
            return Decision(Action.UPLOAD)
        return Decision(Action.UPLOAD, "removed from S3 but changed here; uploaded it again")
    if base is not None and remote.etag == base.etag:
        return Decision(Action.UPLOAD)
    return Decision(Action.COMPARE, "changed in S3 and here; kept the S3 copy and uploaded this one beside it")
