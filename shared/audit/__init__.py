"""The audit log (docs/audit.md): who did what to what, when and from where; append-only, kept for a set period.

    audit.record(Action.USER_CREATED, actor=caller, target=Target.user(account), context=context)

`service.record` writes one row and one `{"audit": {...}}` log line (CloudWatch Logs in the cloud) and never fails
the action it records; `service.search` answers the Admin screen's filters.
"""

from shared.audit.actions import Action
from shared.audit.domain import Actor, RequestContext, Target, account_summary
from shared.audit.service import account_events, changes, record

__all__ = ["Action", "Actor", "RequestContext", "Target", "account_events", "account_summary", "changes", "record"]
