"""GET /api/health: liveness of the API function."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel

from shared.constants import VERSION
from shared.settings import get_settings

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    mode: str
    stage: str
    version: str
    time: datetime


@router.get("/health", response_model=Health, summary="Is the API up?")
def health() -> Health:
    settings = get_settings()
    return Health(status="ok", mode=settings.mode, stage=settings.stage, version=VERSION, time=datetime.now(UTC))
