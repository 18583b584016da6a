"""What this deployment is, for GET /api/health: its mode, stage and version, and that it answers."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.constants import VERSION
from shared.schema import Schema
from shared.settings import get_settings


class Health(Schema):
    status: str
    mode: str
    stage: str
    version: str
    time: datetime


def health() -> Health:
    settings = get_settings()
    return Health(status="ok", mode=settings.mode, stage=settings.stage, version=VERSION, time=datetime.now(UTC))
