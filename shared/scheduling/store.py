"""The schedule repository: creation, the due index, and the tick's conditional writes.

A schedule is in the sparse `due-by-next-run` index only while it is enabled and cron-driven: then it
carries `due_shard` ("due#0".."due#3", a stable hash of its id) and `next_run_at`. The tick queries each
shard for `next_run_at <= now`, so disabled and on-demand schedules are never read.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from shared.db import condition_failed, delete_all
from shared.errors import ConflictError, ValidationError
from shared.models.base import utcnow
from shared.models.schedules import DUE_SHARDS, Execution, Schedule, ScheduleKind
from shared.scheduling import cron as cron_rules

DUE_SHARD_PREFIX = "due#"
DEFAULT_TIMEOUT_SECONDS = 300
MAX_TIMEOUT_SECONDS = 3600
# The fields an owner may change, and their attributes.
_EDITABLE: dict[str, Any] = {
    "name": Schedule.name,
    "cron": Schedule.cron,
    "timezone": Schedule.timezone,
    "prompt": Schedule.prompt,
    "skill_name": Schedule.skill_name,
    "timeout_seconds": Schedule.timeout_seconds,
    "enabled": Schedule.enabled,
}
# Another writer may bump the version between our read and our write; re-read this many times.
_OUTCOME_ATTEMPTS = 3


# Named conditions: the state each write starts from.
def _schedule_is_new() -> Any:
    return Schedule.schedule_id.does_not_exist()


def _next_run_unchanged(expected: datetime | None) -> Any:
    return Schedule.next_run_at == expected


def _no_later_run_recorded(run_at: datetime) -> Any:
    return Schedule.last_run_at.does_not_exist() | (Schedule.last_run_at <= run_at)


def due_shards() -> list[str]:
    return [f"{DUE_SHARD_PREFIX}{shard}" for shard in range(DUE_SHARDS)]


def due_shard_for(schedule_id: str) -> str:
    """A stable shard for `schedule_id` (Python's hash() differs per process, so sha256)."""
    digest = hashlib.sha256(schedule_id.encode("utf-8")).digest()
    return f"{DUE_SHARD_PREFIX}{int.from_bytes(digest[:4], 'big') % DUE_SHARDS}"


def due_fields(
    schedule_id: str, *, kind: str, cron: str | None, timezone: str, enabled: bool, now: datetime
) -> tuple[str | None, datetime | None]:
    """(due_shard, next_run_at) for a schedule; both None keeps it out of the due index."""
    if not enabled or kind == ScheduleKind.ON_DEMAND.value or not cron:
        return None, None
    return due_shard_for(schedule_id), cron_rules.next_after(cron, timezone, now)


def create_schedule(
    *,
    user_id: str,
    project_id: str,
    name: str,
    cron: str | None = None,
    timezone: str = "UTC",
    kind: str = ScheduleKind.PROMPT.value,
    prompt: str | None = None,
    skill_name: str | None = None,
    timeout_seconds: int | None = None,
    enabled: bool = True,
    schedule_id: str | None = None,
    now: datetime | None = None,
) -> Schedule:
    """Validate and store a schedule; its first run is the first cron slot after `now`."""
    now = now or utcnow()
    kind = _kind(kind)
    cron_rules.zone(timezone)
    if kind != ScheduleKind.ON_DEMAND.value:
        cron_rules.validate(cron or "", timezone)
    if not name.strip():
        raise ValidationError("A schedule needs a name.")
    if kind == ScheduleKind.PROMPT.value and not (prompt or "").strip():
        raise ValidationError("A scheduled prompt needs the prompt to run.")
    if kind == ScheduleKind.SKILL.value and not (skill_name or "").strip():
        raise ValidationError("A scheduled skill needs the name of the skill to run.")
    if timeout_seconds is not None:
        check_timeout(timeout_seconds)
    schedule_id = schedule_id or uuid.uuid4().hex
    due_shard, next_run_at = due_fields(schedule_id, kind=kind, cron=cron, timezone=timezone, enabled=enabled, now=now)
    schedule = Schedule(
        schedule_id,
        user_id=user_id,
        project_id=project_id,
        name=name.strip(),
        kind=kind,
        cron=" ".join(cron.split()) if cron else None,
        timezone=timezone,
        prompt=prompt,
        skill_name=skill_name,
        enabled=enabled,
        due_shard=due_shard,
        next_run_at=next_run_at,
        created_at=now,
        updated_at=now,
    )
    if timeout_seconds is not None:
        schedule.timeout_seconds = timeout_seconds
    try:
        schedule.save(condition=_schedule_is_new())
    except PutError as exc:
        if condition_failed(exc):
            raise ConflictError(f"A schedule with id {schedule_id} already exists.") from exc
        raise
    return schedule


def check_timeout(timeout_seconds: int) -> int:
    if not 0 < timeout_seconds <= MAX_TIMEOUT_SECONDS:
        raise ValidationError(
            f"The timeout is a number of seconds from 1 to {MAX_TIMEOUT_SECONDS} (an hour), not {timeout_seconds}.",
            code="invalid_timeout",
        )
    return timeout_seconds


def get(schedule_id: str) -> Schedule | None:
    try:
        return Schedule.get(schedule_id, consistent_read=True)
    except Schedule.DoesNotExist:
        return None


def for_user(user_id: str) -> list[Schedule]:
    """A user's schedules, newest first (a Query on `by-user`)."""
    return list(Schedule.by_user.query(user_id, scan_index_forward=False))


def active_count(user_id: str) -> int:
    """How many of a user's schedules are enabled and cron-driven (in the due index); a counted Query on `by-user`."""
    return Schedule.by_user.count(user_id, filter_condition=Schedule.due_shard.exists())


def edit(schedule: Schedule, wanted: dict[str, Any], *, now: datetime) -> bool:
    """Store `wanted` (every field an owner may change, validated); False when the schedule changed since it was read.

    A change of cron, time zone or enabled sets `next_run_at` to the first slot after now (so re-enabling never
    replays the time the schedule was off) and puts the schedule in or out of the due index.
    """
    actions: list[Any] = [Schedule.updated_at.set(now)]
    for field, attribute in _EDITABLE.items():
        value = wanted[field]
        if value != getattr(schedule, field):
            actions.append(attribute.remove() if value is None else attribute.set(value))
    kind = schedule.kind
    if kind != ScheduleKind.ON_DEMAND.value:
        kind = ScheduleKind.SKILL.value if wanted["skill_name"] else ScheduleKind.PROMPT.value
        if kind != schedule.kind:
            actions.append(Schedule.kind.set(kind))
    cron, timezone, enabled = wanted["cron"], wanted["timezone"], wanted["enabled"]
    if (cron, timezone, enabled) != (schedule.cron, schedule.timezone, schedule.enabled):
        shard, next_run_at = due_fields(
            schedule.schedule_id, kind=kind, cron=cron, timezone=timezone, enabled=enabled, now=now
        )
        actions.append(Schedule.due_shard.set(shard) if shard else Schedule.due_shard.remove())
        actions.append(Schedule.next_run_at.set(next_run_at) if next_run_at else Schedule.next_run_at.remove())
    try:
        schedule.update(actions=actions)  # conditional on the version read
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def delete(schedule: Schedule) -> None:
    schedule.delete(add_version_condition=False)


def due_schedules(shard: str, now: datetime) -> Iterator[Schedule]:
    """Schedules of one due shard whose next run is at or before `now` (a Query on the sparse index)."""
    return Schedule.due_index.query(shard, Schedule.next_run_at <= now)


def advance(schedule: Schedule, next_run_at: datetime, *, now: datetime) -> bool:
    """Move the next run on; False when another tick (or an edit) got there first."""
    try:
        schedule.update(
            actions=[Schedule.next_run_at.set(next_run_at), Schedule.updated_at.set(now)],
            condition=_next_run_unchanged(schedule.next_run_at),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def record_outcome(schedule_id: str, *, run_at: datetime, status: str, now: datetime) -> bool:
    """Set last_run_at / last_status unless a later run is already recorded; False when nothing changed."""
    for _ in range(_OUTCOME_ATTEMPTS):
        try:
            schedule = Schedule.get(schedule_id, consistent_read=True)
        except Schedule.DoesNotExist:
            return False
        if schedule.last_run_at is not None and schedule.last_run_at > run_at:
            return False
        try:
            schedule.update(
                actions=[
                    Schedule.last_run_at.set(run_at),
                    Schedule.last_status.set(status),
                    Schedule.updated_at.set(now),
                ],
                condition=_no_later_run_recorded(run_at),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            continue  # the version moved under us: read again
        return True
    return False


def _kind(kind: str) -> str:
    try:
        return ScheduleKind(kind).value
    except ValueError:
        allowed = ", ".join(k.value for k in ScheduleKind)
        raise ValidationError(f"{kind!r} is not a kind of schedule; use one of {allowed}.") from None


def delete_for_user(user_id: str) -> dict[str, int]:
    return {
        "schedules": delete_all(Schedule, Schedule.by_user.query(user_id)),
        "executions": delete_all(Execution, Execution.by_user.query(user_id)),
    }


def delete_for_project(project_id: str) -> dict[str, int]:
    """A project's schedules, whoever owns them, and every run in it (scheduled or run now)."""
    return {
        "executions": delete_all(Execution, list(Execution.by_project.query(project_id))),
        "schedules": delete_all(Schedule, list(Schedule.by_project.query(project_id))),
    }
