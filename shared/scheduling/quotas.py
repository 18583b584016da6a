"""The administrator's limits on schedules (docs/scheduling.md, "Quotas"), checked when one is made or edited.

    how often      the cron expression's shortest gap (`frequency`) >= minScheduleIntervalMinutes
                   checked on create, on a change of cron, and when a schedule is enabled        → 400
    how many       the owner's active (enabled, cron-driven) schedules < maxActiveSchedules
                   checked when a schedule becomes active: created enabled, or enabled           → 409

Administrators are held to both (they may raise the limits). Schedules already active when a limit is lowered
keep running until they are edited; on-demand schedules (skills run by hand) never run on their own and count
nowhere. The count is read before the write, so two creations at the same instant may both pass it: it bounds
what a user can set up, not a race to the last place.
"""

from __future__ import annotations

from datetime import timedelta

from shared.quotas import settings
from shared.quotas.errors import ScheduleTooFrequentError, TooManySchedulesError
from shared.scheduling import frequency, store
from shared.scheduling.schemas import ScheduleUpdate


def check(owner_id: str, wanted: ScheduleUpdate, *, previous: ScheduleUpdate | None) -> None:
    """Refuse `wanted` (validated, normalised) if it breaks a limit; `previous` is the schedule before an edit."""
    limits = settings.current()
    becomes_active = bool(wanted.enabled) and not (previous is not None and previous.enabled)
    if previous is None or becomes_active or wanted.cron != previous.cron:
        _check_interval(wanted.cron or "", limits.min_schedule_interval_minutes)
    if becomes_active:
        active = store.active_count(owner_id)
        if active >= limits.max_active_schedules:
            raise TooManySchedulesError(limits.max_active_schedules, active)


def _check_interval(cron: str, minimum_minutes: int) -> None:
    shortest = frequency.shortest_interval(cron)
    if shortest is not None and shortest < timedelta(minutes=minimum_minutes):
        raise ScheduleTooFrequentError(cron, shortest, minimum_minutes)
