"""Budgets run by calendar month in UTC: "2026-03" is 1 March 00:00 UTC up to 1 April 00:00 UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def start_of(moment: datetime) -> datetime:
    """The first instant of the UTC month holding `moment`."""
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_start(moment: datetime) -> datetime:
    """When the month holding `moment` ends (and its budgets reset)."""
    start = start_of(moment)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def name(moment: datetime) -> str:
    """The UTC month holding `moment`, as "YYYY-MM"."""
    return f"{start_of(moment):%Y-%m}"
