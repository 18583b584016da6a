"""The quotas' values: an administrator's choice (the global setting "quotas"), each one its default until set."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from pydantic import Field, StrictInt

from shared import preferences
from shared.concurrency import then
from shared.db import Reads
from shared.errors import ValidationError
from shared.schema import Schema

SETTING = "quotas"
# field: (default, lowest, highest)
RANGES: dict[str, tuple[int, int, int]] = {
    "max_active_schedules": (20, 1, 1000),
    "min_schedule_interval_minutes": (15, 1, 24 * 60),
    "uploads_per_hour": (200, 1, 100_000),
    "turns_per_day": (500, 1, 100_000),
    "tokens_per_day": (5_000_000, 1_000, 10_000_000_000),
}


def _documented(field: str, what: str) -> Any:
    """The field's description and range for the document; `change` enforces the range, with a clear message."""
    default, lowest, highest = RANGES[field]
    return Field(description=f"{what} (default {default})", json_schema_extra={"minimum": lowest, "maximum": highest})


class QuotaSettings(Schema):
    """Per-user limits (GET and PUT /api/admin/settings/quotas); administrators are held to them too."""

    max_active_schedules: StrictInt = _documented("max_active_schedules", "Enabled cron schedules per user")
    min_schedule_interval_minutes: StrictInt = _documented(
        "min_schedule_interval_minutes", "The shortest time between two runs of a schedule, in minutes"
    )
    uploads_per_hour: StrictInt = _documented("uploads_per_hour", "Presigned upload links per user per clock hour")
    turns_per_day: StrictInt = _documented("turns_per_day", "Chat turns a user may start per UTC day")
    tokens_per_day: StrictInt = _documented(
        "tokens_per_day", "Input and output tokens of a user's model calls per UTC day (checked at the model gateway)"
    )


DEFAULTS = QuotaSettings(**{field: default for field, (default, _, _) in RANGES.items()})


def current() -> QuotaSettings:
    """The limits in force: each one the administrator's choice, or its default."""
    return _limits(preferences.get(preferences.GLOBAL_SCOPE, SETTING))


def current_in(reads: Reads) -> Future[QuotaSettings]:
    """`current()`, read with others (shared.db.Reads)."""
    return then(preferences.get_in(reads, preferences.GLOBAL_SCOPE, SETTING), _limits)


def _limits(stored: Any) -> QuotaSettings:
    chosen = {field: stored[field] for field in RANGES if isinstance(stored, dict) and field in stored}
    return DEFAULTS.model_copy(update=chosen)


def change(wanted: QuotaSettings, updated_by: str) -> QuotaSettings:
    """Store `wanted` once every value is in its range; otherwise a ValidationError naming the first that is not."""
    for field, (_, lowest, highest) in RANGES.items():
        value = getattr(wanted, field)
        if not lowest <= value <= highest:
            wire = QuotaSettings.model_fields[field].alias or field
            raise ValidationError(f"'{wire}' is a whole number from {lowest:,} to {highest:,}, not {value:,}.")
    preferences.put(preferences.GLOBAL_SCOPE, SETTING, wanted.model_dump(), updated_by=updated_by)
    return wanted
