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
