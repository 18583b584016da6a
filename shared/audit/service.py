"""Recording audited actions, and finding them again.

`record` writes one entry: a row in audit_log (kept STUDIO_AUDIT_RETENTION_DAYS, then DynamoDB's TTL removes it)
and one log line `{"audit": {...}}`, which in the cloud is CloudWatch Logs' copy. Everything in it passes through
shared.audit.redaction first. A row that cannot be written is logged as an error and the action goes on: an
administrator is not locked out of their installation because the audit table throttled (docs/audit.md).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.audit import store
from shared.audit.actions import Action
from shared.audit.domain import AccountLike, Actor, Caller, RequestContext, Target, account_summary
from shared.audit.errors import AuditWriteError
from shared.audit.redaction import REDACTED, redact, redact_text
from shared.audit.schemas import DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS, AuditQuery
from shared.audit.views import AuditActions, AuditEntry, AuditPage, AuditTarget
from shared.errors import ValidationError
from shared.logs import logger
from shared.settings import get_settings

MAX_EXAMINED = 2_000  # entries one page reads at most; a narrow filter over a long period goes on with the cursor
MAX_USER_AGENT = 256


def record(
    action: Action,
    *,
    actor: Actor | Caller,
    target: Target,
    context: RequestContext | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    outcome: str = "ok",
) -> AuditEntry:
    """Write one audit entry (redacted) and its log line; a failed write is logged, never raised.

    `actor` is the caller (an accounts Principal) or, where no one is signed in yet, an `Actor` made for it.
    """
    at = datetime.now(UTC)
    actor = actor if isinstance(actor, Actor) else Actor.of(actor)
    context = context or RequestContext()
    entry = AuditEntry(
        id=uuid.uuid4().hex,
        at=at,
        actor_id=actor.id,
        actor_name=_text(actor.name),
        via=actor.via,
        action=Action(action).value,
        target=AuditTarget(type=target.type, id=_text(target.id), name=_text(target.name)),
        ip=context.ip,
        user_agent=_text(context.user_agent and context.user_agent[:MAX_USER_AGENT]),
        before=redact(dict(before)) if before else None,
        after=redact(dict(after)) if after else None,
        outcome=outcome,
    )
    logger.info("audit", extra={"audit": entry.model_dump(mode="json", by_alias=True)})
    try:
        store.append(entry, expires_at=at + timedelta(days=get_settings().audit_retention_days))
    except AuditWriteError:
        logger.exception("could not store an audit entry", extra={"audit_id": entry.id, "audit_action": entry.action})
    return entry


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only what differs: ({"isAdmin": False}, {"isAdmin": True}) of two larger summaries."""
    keys = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


def account_events(
    before: AccountLike, after: AccountLike, *, new_password: bool, by_owner: bool = False
) -> list[tuple[Action, dict[str, Any], dict[str, Any]]]:
    """What a change to an account is, as audit entries, each kind of change its own (so each can be filtered):
    (action, before, after) of its role, its being active, and its email or a password someone else set."""
    old, new = changes(account_summary(before), account_summary(after))
    events: list[tuple[Action, dict[str, Any], dict[str, Any]]] = []
    if "isAdmin" in new:
        events.append((Action.USER_ROLE_CHANGED, {"isAdmin": old["isAdmin"]}, {"isAdmin": new["isAdmin"]}))
    if "isActive" in new:
        action = Action.USER_ENABLED if new["isActive"] else Action.USER_DISABLED
        events.append((action, {"isActive": old["isActive"]}, {"isActive": new["isActive"]}))
    details = {key: value for key, value in new.items() if key not in ("isAdmin", "isActive")}
    if new_password and not by_owner:
        details["password"] = REDACTED  # that it changed; never what to
    if details:
        events.append((Action.USER_CHANGED, {key: old.get(key) for key in details if key in old}, details))
    if new_password and by_owner:
        events.append((Action.PASSWORD_CHANGED, {}, {}))
    return events


def actions() -> AuditActions:
    """The whole vocabulary, whether or not an entry of each action is in the table yet."""
    return AuditActions(actions=[action.value for action in Action])


def search(query: AuditQuery) -> AuditPage:
    """A page of the period's entries that match every filter, newest first."""
    first, last = _period(query)
    words = (query.q or "").casefold().split()
    entries: list[AuditEntry] = []
    rows = store.newest_first(
        first,
        last,
        below=_decoded(query.cursor),
        actor_id=query.actor_id,
        target_id=query.target_id,
        action=query.action.value if query.action else None,
    )
    sk = None
    for examined, (sk, entry) in enumerate(rows, start=1):
        if all(word in _haystack(entry) for word in words):
            entries.append(entry)
        if len(entries) == query.limit:
            return AuditPage(entries=entries, next_cursor=_encoded(sk) if next(rows, None) else None)
        if examined == MAX_EXAMINED:
            return AuditPage(entries=entries, next_cursor=_encoded(sk))
    return AuditPage(entries=entries, next_cursor=None)


def _period(query: AuditQuery) -> tuple[date, date]:
    """The days asked for: `to` today unless given, `from` 30 days back from it unless given."""
    last = query.end or datetime.now(UTC).date()
    first = query.start or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if first > last:
        raise ValidationError(f"'from' ({first}) is after 'to' ({last}).", code="invalid_period")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError(
            f"The period from {first} to {last} is {(last - first).days + 1} days; ask for {MAX_PERIOD_DAYS} at most.",
            code="period_too_long",
        )
    return first, last


def _haystack(entry: AuditEntry) -> str:
    parts = (entry.action, entry.actor_id, entry.actor_name, entry.via, entry.ip, entry.outcome)
    target = (entry.target.type, entry.target.id, entry.target.name)
    return " ".join(str(part) for part in (*parts, *target, entry.before, entry.after) if part).casefold()


def _text(value: str | None) -> str | None:
    return redact_text(value) if value else value


def _encoded(sk: str) -> str:
    return base64.urlsafe_b64encode(sk.encode()).decode().rstrip("=")


def _decoded(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        sk = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:  # not base64 (binascii.Error), not ASCII, or not UTF-8 (UnicodeDecodeError)
        sk = ""
    if len(sk) < 12 or sk[4] != "-" or "#" not in sk:
        raise ValidationError("The cursor is not one this list gave; start again without it.", code="invalid_cursor")
    return sk
