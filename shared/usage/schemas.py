"""What a client asks the usage dashboard for: a period of whole UTC days, a dimension, and whose usage."""

from __future__ import annotations

from enum import StrEnum

MAX_PERIOD_DAYS = 366
MAX_TOP_SESSIONS = 100


class GroupBy(StrEnum):
    DAY = "day"
    USER = "user"
    PROJECT = "project"
    KIND = "kind"
    MODEL = "model"
