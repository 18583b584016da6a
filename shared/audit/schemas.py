"""What the Admin screen asks of the audit log: a period of days and filters."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AliasChoices, Field

from shared.audit.actions import Action
from shared.schema import Schema

MAX_PERIOD_DAYS = 92
DEFAULT_PERIOD_DAYS = 30


class AuditQuery(Schema):
    """A period (`from`, `to`: UTC days, both included; at most 92 days) and filters that all apply."""

    start: date | None = Field(default=None, validation_alias=AliasChoices("start", "from"))
    end: date | None = Field(default=None, validation_alias=AliasChoices("end", "to"))
    actor_id: Annotated[str | None, Field(max_length=64)] = None
    action: Action | None = None
    target_id: Annotated[str | None, Field(max_length=200)] = None
    q: Annotated[str | None, Field(max_length=200, description="Words in the actor, target, action, IP or details")] = (
        None
    )
    cursor: Annotated[str | None, Field(max_length=400)] = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
