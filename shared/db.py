"""What every domain's data access shares: transactions, failed conditions, batch deletes.

Only the domains' own modules use this (and PynamoDB): routes, WebSocket actions, the tick, ingest and the
runner call domain functions (import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.connection import Connection as DynamoConnection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.models.base import StudioModel
from shared.settings import get_settings

CONDITION_FAILED = "ConditionalCheckFailedException"
_BATCH_GET = 100  # keys per BatchGetItem


@contextmanager
def transaction() -> Iterator[TransactWrite]:
    """A TransactWrite on the settings' endpoint; its writes happen together when the block ends, or none."""
    settings = get_settings()
    connection = DynamoConnection(region=settings.region, host=settings.aws_endpoint_url)
    with TransactWrite(connection=connection) as tx:
        yield tx


def condition_failed(exc: BaseException) -> bool:
    """Whether a write failed because its condition did not hold (not a throttle, not a network error)."""
    return isinstance(exc, PynamoDBException) and getattr(exc, "cause_response_code", None) == CONDITION_FAILED


def failed_steps(error: TransactWriteError) -> list[int]:
    """Indexes of the transaction's items whose condition failed."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return [index for index, reason in enumerate(reasons) if reason and reason.code == "ConditionalCheckFailed"]


def delete_all(model: type[StudioModel], items: Iterable[Any]) -> int:
    """Delete items by key in batches (no version checks: their owner is being removed); returns how many."""
    count = 0
    with model.batch_write() as batch:
        for item in items:
            batch.delete(item)
            count += 1
    return count


def one_attribute(model: type[StudioModel], keys: Iterable[str], attribute: str) -> dict[str, Any]:
    """One attribute of the items of these hash keys that exist, by key: BatchGetItem of that attribute alone,
    100 keys a call (what lists show for ids: a username, a project's name, a session's title)."""
    hash_key = model._hash_keyname
    assert hash_key is not None, f"{model.__name__} has a hash key"
    wanted = sorted({key for key in keys if key})
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), _BATCH_GET):
        for row in model.batch_get(wanted[start : start + _BATCH_GET], attributes_to_get=[hash_key, attribute]):
            found[getattr(row, hash_key)] = getattr(row, attribute)
    return found
