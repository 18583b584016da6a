"""Standard 5-field cron expressions evaluated in an IANA time zone, with a DST policy that holds.

croniter walks the schedule's wall clock (naive local times); each wall-clock slot is then placed on the
UTC timeline:

* a wall-clock time that exists once is that instant;
* a time that exists twice (the hour repeated when clocks go back) runs once, at its first occurrence;
* a time that does not exist (the hour skipped when clocks go forward) runs when the gap ends: a daily
  02:30 in Europe/Paris runs at 03:00 CEST on the last Sunday of March, and several skipped slots
  collapse into that one run.

That placement never goes backwards in time, so "the first slot after t" and "the latest slot at or
before t" are found by walking croniter forwards or backwards from t's wall-clock time.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, CroniterError, croniter

from shared.errors import ValidationError

MAX_EXPRESSION_LENGTH = 200
# Walking past this many wall-clock slots without reaching the target means the expression is broken.
_MAX_STEPS = 2000


class _Field(NamedTuple):
    name: str
    lowest: int
    highest: int
    names: tuple[str, ...] = ()  # names that may stand for numbers, the first one being `lowest`


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    _Field("day-of-week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)
_TOKEN = re.compile(r"^[0-9A-Za-z]+$")


def zone(tz: str) -> ZoneInfo:
    """The IANA time zone named `tz`, or a ValidationError that says why it is not one."""
    if not isinstance(tz, str) or not tz.strip():
        raise ValidationError("A time zone is required, for example 'Europe/Paris' or 'UTC'.")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValidationError(f"{tz!r} is not an IANA time zone; use a name such as 'Europe/Paris' or 'UTC'.") from exc


def validate(cron: str, tz: str) -> None:
    """Raise ValidationError unless `cron` is a standard 5-field expression that fires, in zone `tz`."""
    _parse(cron, tz)


def next_after(cron: str, tz: str, after: datetime) -> datetime:
    """The first slot strictly after `after`, as an aware UTC datetime."""
    expression, where = _parse(cron, tz)
    after = _as_utc(after, "after")
    walk = croniter(expression, _wall(after, where))
    for _ in range(_MAX_STEPS):
        # In the second pass of a repeated hour the first few wall-clock slots ran in the first pass.
        slot = _instant(walk.get_next(datetime), where)
        if slot > after:
            return slot
    raise ValidationError(f"The cron expression {cron!r} found no slot after {after.isoformat()}.")


def latest_at_or_before(cron: str, tz: str, now: datetime) -> datetime:
    """The latest slot at or before `now`, as an aware UTC datetime."""
    expression, where = _parse(cron, tz)
    now = _as_utc(now, "now")
    local = now.astimezone(where)
    # In the second pass of a repeated hour, wall-clock times up to the repeated length ahead already ran.
    repeated = local.replace(fold=0).utcoffset() - local.utcoffset() if local.fold else timedelta(0)  # type: ignore[operator]
    start = local.replace(tzinfo=None, second=0, microsecond=0) + max(repeated, timedelta(0)) + timedelta(minutes=1)
    walk = croniter(expression, start)  # get_prev() is strictly before start, so at or before now's minute
    for _ in range(_MAX_STEPS):
        slot = _instant(walk.get_prev(datetime), where)
        if slot <= now:
            return slot
    raise ValidationError(f"The cron expression {cron!r} found no slot before {now.isoformat()}.")


def upcoming(cron: str, tz: str, after: datetime, n: int) -> list[datetime]:
    """The next `n` slots after `after` (aware UTC datetimes), for previews."""
    slots: list[datetime] = []
    moment = after
    for _ in range(max(n, 0)):
        moment = next_after(cron, tz, moment)
        slots.append(moment)
    return slots


@functools.lru_cache(maxsize=1024)
def _parse(cron: str, tz: str) -> tuple[str, ZoneInfo]:
    """The normalised expression and its zone; a ValidationError explains what is wrong."""
    where = zone(tz)
    if not isinstance(cron, str) or not cron.strip():
        raise ValidationError("A cron expression is required, for example '0 9 * * 1-5' (09:00 on weekdays).")
    if len(cron) > MAX_EXPRESSION_LENGTH:
        raise ValidationError(f"A cron expression is at most {MAX_EXPRESSION_LENGTH} characters long.")
    fields = cron.split()
    if len(fields) != len(_FIELDS):
        raise ValidationError(
            f"{cron!r} has {len(fields)} field(s); a cron expression has exactly 5: "
            "minute hour day-of-month month day-of-week (for example '*/15 * * * *')."
        )
    for text, spec in zip(fields, _FIELDS, strict=True):
        _check_field(text, spec)
    expression = " ".join(fields)
    try:
        croniter(expression, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError as exc:
        raise ValidationError(f"{cron!r} never matches a real date (for example 30 February).") from exc
    except (CroniterError, ValueError, KeyError) as exc:
        raise ValidationError(f"{cron!r} is not a valid cron expression: {exc}") from exc
    return expression, where


def _check_field(text: str, spec: _Field) -> None:
    for item in text.split(","):
        if not item:
            raise ValidationError(f"The {spec.name} field {text!r} has an empty list item.")
        base, slash, step = item.partition("/")
        if slash and not (step.isdigit() and int(step) > 0):
            raise ValidationError(f"The step {step!r} in the {spec.name} field must be a whole number above 0.")
        if base == "*":
            continue
        start, dash, end = base.partition("-")
        low = _value(start, spec)
        if dash and _value(end, spec) < low:
            raise ValidationError(f"The range {base!r} in the {spec.name} field runs backwards.")


def _value(token: str, spec: _Field) -> int:
    if not _TOKEN.match(token):
        raise ValidationError(
            f"{token!r} is not allowed in the {spec.name} field; "
            "use numbers, '*', ranges (1-5), lists (1,3) and steps (*/15)."
        )
    if token.isdigit():
        number = int(token)
        if not spec.lowest <= number <= spec.highest:
            raise ValidationError(f"{number} is out of range for the {spec.name} field ({spec.lowest}-{spec.highest}).")
        return number
    if token.lower() in spec.names:
        return spec.names.index(token.lower()) + spec.lowest
    allowed = f"numbers {spec.lowest}-{spec.highest}" + (
        f" or names such as {spec.names[0].upper()}" if spec.names else ""
    )
    raise ValidationError(f"{token!r} is not valid in the {spec.name} field; use {allowed}.")


def _as_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return moment.astimezone(UTC)


def _wall(moment: datetime, where: ZoneInfo) -> datetime:
    return moment.astimezone(where).replace(tzinfo=None)


def _instant(wall: datetime, where: ZoneInfo) -> datetime:
    """Place a wall-clock slot on the UTC timeline (see the module docstring for the DST policy)."""
    first = wall.replace(tzinfo=where).astimezone(UTC)  # fold=0: the first occurrence of a repeated time
    if _wall(first, where) == wall:
        return first
    return _gap_end(wall, where)


def _gap_end(wall: datetime, where: ZoneInfo) -> datetime:
    """The instant a DST gap containing `wall` ends (the clocks' jump), found by bisection on seconds."""
    # PEP 495: inside a gap fold=1 uses the offset after the jump (an instant before it), fold=0 the
    # offset before the jump (an instant after it); the jump lies between the two.
    low = int(wall.replace(tzinfo=where, fold=1).astimezone(UTC).timestamp())
    high = int(wall.replace(tzinfo=where, fold=0).astimezone(UTC).timestamp())
    after_jump = datetime.fromtimestamp(high, UTC).astimezone(where).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(where).utcoffset() == after_jump:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)
