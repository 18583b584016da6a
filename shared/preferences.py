"""Named settings kept in the product (the `settings` table): the organisation's ("global") and each user's.

Not the environment's settings (shared/settings.py): these are what administrators and users choose in the app.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from pynamodb.exceptions import DoesNotExist

from shared.concurrency import then
from shared.db import Reads, delete_all
from shared.models.admin import GLOBAL_SCOPE, Setting, user_scope
from shared.models.base import utcnow

__all__ = ["GLOBAL_SCOPE", "delete_for_user", "get", "get_in", "put", "user_scope"]


def get(scope: str, name: str) -> Any:
    """The value of a setting, or None when nobody chose one."""
    try:
        return Setting.get(scope, name).value
    except DoesNotExist:
        return None


def get_in(reads: Reads, scope: str, name: str) -> Future[Any]:
    """`get`, read with others (shared.db.Reads)."""
    return then(reads.get(Setting, scope, name), lambda row: row.value if row is not None else None)


def put(scope: str, name: str, value: Any, *, updated_by: str) -> None:
    Setting(scope, name, value=value, updated_at=utcnow(), updated_by=updated_by).save()


def delete_for_user(user_id: str) -> int:
    return delete_all(Setting, Setting.query(user_scope(user_id)))
