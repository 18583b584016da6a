"""GET /api/health: liveness of the API function."""

from __future__ import annotations

from fastapi import APIRouter

from shared import about
from shared.about import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Is the API up?")
def health() -> Health:
    return about.health()
