"""The audit log: an append-only record of administrative and security events (shared.audit, docs/audit.md)."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shared.models.base import StudioModel


class AuditByActorIndex(GlobalSecondaryIndex["AuditEntry"]):
    """Sparse: what one account did, newest first (a failed sign-in has no actor id and is absent)."""

    class Meta:
        index_name = "by-actor"
        projection = AllProjection()

    actor_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class AuditByTargetIndex(GlobalSecondaryIndex["AuditEntry"]):
    """What was done to one thing (an account, a key, a provider, a remote), newest first."""

    class Meta:
        index_name = "by-target"
        projection = AllProjection()

    target_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class AuditEntry(StudioModel):
    """One event, written once and never changed; a period is one Query per UTC day."""

    class Meta:
        logical_name = "audit_log"

    day = UnicodeAttribute(hash_key=True)  # "YYYY-MM-DD" (UTC) of `at`
    sk = UnicodeAttribute(range_key=True)  # time_sort_key(at, entry_id): "<ISO-8601 UTC>#<id>"
    entry_id = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    action = UnicodeAttribute()  # shared.audit.actions.Action
    actor_id = UnicodeAttribute(null=True)
    actor_name = UnicodeAttribute(null=True)
    via = UnicodeAttribute()  # "session", "api_key:<id>", "password", "reset_link", "oauth", "setup", "anonymous"
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute(null=True)
    target_name = UnicodeAttribute(null=True)
    ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    before = JSONAttribute(null=True)  # redacted (shared.audit.redaction) before it is written
    after = JSONAttribute(null=True)
    outcome = UnicodeAttribute(default="ok")
    expires_at = TTLAttribute()  # at + STUDIO_AUDIT_RETENTION_DAYS

    by_actor = AuditByActorIndex()
    by_target = AuditByTargetIndex()
