"""How often a cron expression runs: the shortest time between two of its runs, on its wall clock.

A day's runs are each of its minutes in each of its hours, alike on every day it matches, so the gaps are:

    within an hour             consecutive minutes                          "*/15 9 * * *": 15 min
    from one hour to the next  next hour's first minute - this hour's last  "50 9,10 * * *": 60 min
    across midnight            the first run of a day - the last of the day  "0,55 0,23 * * *": 5 min
                               before, when two consecutive days match      ("... 1,31 * *": 31 Jan → 1 Feb)

Whether two consecutive calendar days match is looked up over 28 years (2001-2028: every kind of year, leap
or not, starting on every weekday), with the day-of-month / day-of-week rule croniter applies: both restricted
means either matches (Vixie cron's OR), otherwise the restricted one decides. A time-zone change of the clocks
(DST) can bring two runs closer once a year; the wall clock is what a person writes and reads, so it is the
measure.
"""

from __future__ import annotations

import functools
import itertools
from datetime import date, timedelta

from croniter import croniter

from shared.scheduling import cron as cron_rules

DAY = timedelta(days=1)
_MINUTES_A_DAY = 24 * 60
_CYCLE_START, _CYCLE_END = date(2001, 1, 1), date(2029, 1, 1)


def shortest_interval(expression: str) -> timedelta | None:
    """The shortest wall-clock time between two consecutive runs, or None when no two runs are under a day apart."""
    return _shortest(" ".join(expression.split()))


@functools.lru_cache(maxsize=1024)
def _shortest(expression: str) -> timedelta | None:
    cron_rules.validate(expression, "UTC")
    minutes, hours, days, months, weekdays = croniter.expand(expression)[0]
    day = sorted(hour * 60 + minute for hour in _every(hours, 24) for minute in _every(minutes, 60))
    gaps = [later - earlier for earlier, later in itertools.pairwise(day)]
    if _runs_on_consecutive_days(days, months, weekdays):
        gaps.append(_MINUTES_A_DAY - day[-1] + day[0])
    shortest = min((gap for gap in gaps if gap < _MINUTES_A_DAY), default=None)
    return None if shortest is None else timedelta(minutes=shortest)


def _every(values: list[int | str], count: int) -> list[int]:
    return list(range(count)) if values == ["*"] else [int(value) for value in values]


def _runs_on_consecutive_days(days: list[int | str], months: list[int | str], weekdays: list[int | str]) -> bool:
    if days == ["*"] and months == ["*"] and weekdays == ["*"]:
        return True
    day_set = None if days == ["*"] else {int(value) for value in days}
    month_set = None if months == ["*"] else {int(value) for value in months}
    weekday_set = None if weekdays == ["*"] else {int(value) % 7 for value in weekdays}  # 7 is Sunday too

    def matches(moment: date) -> bool:
        if month_set is not None and moment.month not in month_set:
            return False
        by_day = day_set is not None and moment.day in day_set
        by_weekday = weekday_set is not None and (moment.weekday() + 1) % 7 in weekday_set  # cron: Sunday is 0
        if day_set is None:
            return weekday_set is None or by_weekday
        return by_day or by_weekday  # a restricted day-of-week with it: either one (Vixie cron's OR)

    previous, moment = False, _CYCLE_START
    while moment < _CYCLE_END:
        current = matches(moment)
        if previous and current:
            return True
        previous, moment = current, moment + DAY
    return False
