"""What the Admin screen shows of the audit log: entries (already redacted when written) and a page of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from shared.models.audit import AuditEntry as AuditRow
from shared.schema import View


class AuditTarget(View):
    type: str
    id: str | None = None
    name: str | None = None


class AuditEntry(View):
    """One audited event: who (`actorId`, `actorName`, `via`), what (`action`, `target`), when, from where."""

    id: str
    at: datetime
    actor_id: str | None = None
    actor_name: str | None = None
    via: str
    action: str
    target: AuditTarget
    ip: str | None = None
    user_agent: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    outcome: str = "ok"

    @classmethod
    def of(cls, row: AuditRow) -> AuditEntry:
        return cls(
            id=row.entry_id,
            at=row.at,
            actor_id=row.actor_id,
            actor_name=row.actor_name,
            via=row.via,
            action=row.action,
            target=AuditTarget(type=row.target_type, id=row.target_id, name=row.target_name),
            ip=row.ip,
            user_agent=row.user_agent,
            before=row.before,
            after=row.after,
            outcome=row.outcome,
        )


class AuditActions(View):
    """Every action the log records, in the vocabulary's order (grouped by area): the Admin screen's action filter."""

    actions: list[str] = Field(description="auth.sign_in, user.created, ...: the values `action` accepts")


class AuditPage(View):
    """Newest first; pass `nextCursor` as `cursor` for the next page (null: the period has no more)."""

    entries: list[AuditEntry]
    next_cursor: str | None = Field(default=None, description="Where the next page starts; null at the end")
