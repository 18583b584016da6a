"""A mount's syncs: queued by hand or by the tick, reported by the runner (`cloud_mounts`' health and timing).

    unmounted ─ begin_sync ─► mounting ─ report_sync(ok) ─► mounted ─ begin_sync ─► mounted (stays, while it syncs)
                                 │                            ▲
                                 └─ report_sync(failed) ─► degraded ─ begin_sync ─► mounting

Every change is a versioned write (the admin may edit the mount while a runner reports on it): on a conflict the row
is read again and the change applied again. `next_sync_at` (the sparse `due-by-next-sync` index) moves to one
profile interval later whenever a sync is queued or reported, so the tick queues each mount once per interval.
Import-light: the tick imports this module, and the tick loads no pydantic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from shared import jobs
from shared.db import condition_failed
from shared.drives.errors import MountGoneError
from shared.drives.profiles import profile_of
from shared.errors import ConflictError
from shared.logs import logger
from shared.models.base import utcnow
from shared.models.cloud import CloudConnection, CloudMount, ConnectionStatus, MountHealth

SYNC_JOB_TYPE = "drive.sync"
DUE_SHARD = "due"
_ATTEMPTS = 5
MAX_REASON = 500
MAX_CONFLICTS = 200


@dataclass(frozen=True, slots=True)
class SyncSummary:
    """What a sync did: files pulled from the drive, pushed to it, deleted, and the paths left in conflict."""

    pulled: int = 0
    pushed: int = 0
    deleted: int = 0
    conflicts: list[str] = field(default_factory=list)


def row(mount_id: str) -> CloudMount:
    try:
        return CloudMount.get(mount_id, consistent_read=True)
    except DoesNotExist:
        raise MountGoneError("There is no such mount.") from None


def job_group(mount_id: str) -> str:
    """A mount's syncs share one FIFO message group: they run one at a time, in order."""
    return f"drive-{mount_id}"


def queue_sync(mount_id: str, project_id: str, *, owner_id: str | None = None) -> str:
    """Queue a `drive.sync` job for the mount, then push its next periodic sync back; the job's id.

    Queued first: if the queue is down nothing moves, and the mount stays due for the tick.
    """
    payload = {"mount_id": mount_id, "project_id": project_id}
    job = jobs.enqueue(SYNC_JOB_TYPE, payload, group_id=job_group(mount_id), owner_id=owner_id)
    change(mount_id, lambda mount: _schedule_next(mount, utcnow()))
    return job.job_id


def begin_sync(mount_id: str) -> None:
    """The runner starts syncing: mounting, unless a previous sync already mounted it."""

    def start(mount: CloudMount) -> None:
        if mount.health_status != MountHealth.MOUNTED.value:
            mount.health_status = MountHealth.MOUNTING.value

    change(mount_id, start)


def report_sync(
    mount_id: str, ok: bool, summary: SyncSummary | Mapping[str, Any] | None = None, reason: str | None = None
) -> None:
    """The runner's outcome: mounted with the summary, or degraded with the reason (a person reads it)."""
    now = utcnow()

    def finish(mount: CloudMount) -> None:
        _schedule_next(mount, now)
        if ok:
            mount.health_status, mount.last_error, mount.last_sync_at = MountHealth.MOUNTED.value, None, now
            mount.last_sync = _summary(summary)
        else:
            mount.health_status = MountHealth.DEGRADED.value
            mount.last_error = (reason or "The sync failed.")[:MAX_REASON]

    change(mount_id, finish)


def mounts_due_for_refresh(now: datetime) -> list[tuple[str, str]]:
    """(mount_id, project_id) of every mount whose periodic sync is due and whose connection is signed in."""
    return [(mount_id, project_id) for mount_id, project_id, _ in _due(now)]


def queue_due_syncs(now: datetime) -> int:
    """The tick's step: queue each due mount once (moving its `next_sync_at` on claims it); how many."""
    queued = 0
    for mount_id, project_id, seen in _due(now):
        try:
            if _claim(mount_id, seen, now):
                jobs.enqueue(
                    SYNC_JOB_TYPE, {"mount_id": mount_id, "project_id": project_id}, group_id=job_group(mount_id)
                )
                queued += 1
        except Exception:  # one mount never stops the tick
            logger.exception("could not queue a due mount sync", extra={"mount_id": mount_id})
    return queued


def _claim(mount_id: str, seen: datetime, now: datetime) -> bool:
    """Move the mount's next sync on if it is still the one the due query saw (a versioned write: once per tick)."""
    try:
        mount = row(mount_id)
    except MountGoneError:
        return False
    if mount.next_sync_at != seen:
        return False  # another tick, a report or a sync by hand moved it
    _schedule_next(mount, now)
    try:
        mount.save()
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _due(now: datetime) -> list[tuple[str, str, datetime]]:
    due = list(CloudMount.due_by_next_sync.query(DUE_SHARD, CloudMount.next_sync_at <= now))
    ids = list({mount.connection_id for mount in due})
    signed_in = {
        connection.connection_id
        for connection in (CloudConnection.batch_get(ids) if ids else [])
        if connection.status == ConnectionStatus.AUTHORIZED.value
    }
    return [
        (mount.mount_id, mount.project_id, mount.next_sync_at)
        for mount in due
        if mount.connection_id in signed_in and mount.next_sync_at is not None
    ]


def _schedule_next(mount: CloudMount, now: datetime) -> None:
    mount.due_shard = DUE_SHARD
    mount.next_sync_at = now + profile_of(mount.vfs_profile).refresh_interval


def _summary(summary: SyncSummary | Mapping[str, Any] | None) -> dict[str, Any]:
    values = asdict(summary) if isinstance(summary, SyncSummary) else dict(summary or {})
    # A conflict is a path, or (the runner's report) a mapping that names it under "path".
    conflicts = [
        str(item.get("path") if isinstance(item, Mapping) else item) for item in values.get("conflicts") or []
    ][:MAX_CONFLICTS]
    return {
        "pulled": int(values.get("pulled") or 0),
        "pushed": int(values.get("pushed") or 0),
        "deleted": int(values.get("deleted") or 0),
        "conflicts": conflicts,
    }


def change(mount_id: str, apply: Callable[[CloudMount], None]) -> CloudMount:
    """Read, change, save with the version read; again on a conflict (the admin or another runner wrote first)."""
    for _ in range(_ATTEMPTS):
        mount = row(mount_id)
        apply(mount)
        mount.updated_at = utcnow()
        try:
            mount.save()
        except PutError as exc:
            if condition_failed(exc):
                continue
            raise
        return mount
    raise ConflictError("The mount kept changing while it was updated; try again.", code="mount_busy")
