"""Data-layer helpers shared by the account services: transactions and their failure reasons."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.connection import Connection as DynamoConnection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.models.base import StudioModel
from shared.settings import get_settings


@contextmanager
def transaction() -> Iterator[TransactWrite]:
    settings = get_settings()
    connection = DynamoConnection(region=settings.region, host=settings.aws_endpoint_url)
    with TransactWrite(connection=connection) as tx:
        yield tx


def failed_steps(error: TransactWriteError) -> list[int]:
    """Indexes of the transaction's items whose condition failed."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return [index for index, reason in enumerate(reasons) if reason and reason.code == "ConditionalCheckFailed"]


def delete_all(model: type[StudioModel], items: Iterable[Any]) -> int:
    """Delete items by key in batches (no version checks: the owner is being removed)."""
    count = 0
    with model.batch_write() as batch:
        for item in items:
            batch.delete(item)
            count += 1
    return count
