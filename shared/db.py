"""What every domain's data access shares: transactions, failed conditions, batch deletes, reads of several tables
in one call, new items of several tables written in one call.

Only the domains' own modules use this (and PynamoDB): routes, WebSocket actions, the tick, ingest and the
runner call domain functions (import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

from pynamodb.connection import Connection as DynamoConnection
from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.models.base import StudioModel
from shared.settings import get_settings

CONDITION_FAILED = "ConditionalCheckFailedException"
_BATCH_GET = 100  # keys per BatchGetItem
_BATCH_WRITE = 25  # items per BatchWriteItem
# Keys DynamoDB leaves unread (throttled) are asked again, this many times, waiting a little longer each time.
_UNPROCESSED_TRIES, _UNPROCESSED_BACKOFF_SECONDS = 6, 0.02
M = TypeVar("M", bound=StudioModel)
# What a batch reads: (table, its key's values) -> (model, key, the futures of those who asked for it).
_Wanted = dict[tuple[str, tuple[str, ...]], tuple[type[StudioModel], dict[str, Any], list[Future[Any]]]]


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


def put_all(*items: StudioModel) -> None:
    """Put new items, of one table or several, in one BatchWriteItem (25 at most) instead of a PutItem each: the
    puts carry no condition, so this is for items made just now (a turn's record, its job's, the events announcing
    it). A versioned item is written at version 1, as its first save() would write it. Items DynamoDB leaves
    unwritten (throttled) are sent again, waiting a little longer each time; PutError if some still are (the others
    are written)."""
    if not items or len(items) > _BATCH_WRITE:
        raise ValueError(f"a batch writes 1 to {_BATCH_WRITE} items, not {len(items)}")
    client = items[0]._get_connection().connection.client
    request: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        attributes = item.serialize(null_check=True)
        item._handle_version_attribute(attributes=attributes)  # PynamoDB's own: the version save() would write
        request.setdefault(item.Meta.table_name, []).append({"PutRequest": {"Item": attributes}})
    for attempt in range(_UNPROCESSED_TRIES + 1):
        request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        if not request:
            break
        if attempt == _UNPROCESSED_TRIES:
            raise PutError("DynamoDB left items unwritten after several tries (throttled).")
        time.sleep(_UNPROCESSED_BACKOFF_SECONDS * 2**attempt)
    for item in items:
        item.update_local_version_attribute()


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


class Reads:
    """Items of several tables read in one BatchGetItem instead of a GetItem each: `get` gives a future of one item
    (None where there is none) and `send` reads them all (100 keys a call). A table is read strongly consistent
    when any of its reads asks for it. On the local AWS, where calls queue in one process, five keys in one call
    took 11 ms where five GetItems at once took 32; in the cloud, one round trip instead of five.

        reads = Reads()
        session, project = reads.get(Session, session_id), reads.get(Project, project_id)
        reads.send()  # or soon(reads.send): the futures come true when it is done
    """

    def __init__(self) -> None:
        self._wanted: _Wanted = {}
        self._consistent: set[str] = set()

    def get(
        self, model: type[M], hash_key: Any, range_key: Any = None, *, consistent_read: bool = False
    ) -> Future[M | None]:
        table = model.Meta.table_name
        key = _key_of(model, hash_key, range_key)
        future: Future[M | None] = Future()
        self._wanted.setdefault((table, _key_values(key)), (model, key, []))[2].append(future)
        if consistent_read:
            self._consistent.add(table)
        return future

    def send(self) -> None:
        """Read every item asked for; their futures come true (or fail with the call's error) before this returns,
        in the order they were asked for."""
        wanted = list(self._wanted.items())
        try:
            for start in range(0, len(wanted), _BATCH_GET):
                self._read(dict(wanted[start : start + _BATCH_GET]))
        except BaseException as exc:
            for _, _, futures in self._wanted.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            raise

    def _read(self, wanted: _Wanted) -> None:
        models = {table: model for (table, _), (model, _, _) in wanted.items()}
        client = next(iter(models.values()))._get_connection().connection.client
        request: dict[str, dict[str, Any]] = {}
        for (table, _), (_, key, _) in wanted.items():
            request.setdefault(table, {"Keys": [], "ConsistentRead": table in self._consistent})["Keys"].append(key)
        found: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
        for attempt in range(_UNPROCESSED_TRIES + 1):
            answer = client.batch_get_item(RequestItems=request)
            for table, items in answer.get("Responses", {}).items():
                for item in items:
                    found[(table, _key_values(_key_of_item(models[table], item)))] = item
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
            if attempt == _UNPROCESSED_TRIES:
                raise RuntimeError("DynamoDB left keys unread after several tries (throttled).")
            time.sleep(_UNPROCESSED_BACKOFF_SECONDS * 2**attempt)
        for place, (model, _, futures) in wanted.items():
            item = found.get(place)
            row = model.from_raw_data(item) if item is not None else None
            for future in futures:
                future.set_result(row)


def _key_of(model: type[StudioModel], hash_key: Any, range_key: Any) -> dict[str, Any]:
    """The item's key as DynamoDB takes it: {name: {type: value}}."""
    attributes = [(model._hash_key_attribute(), hash_key)]
    if range_key is not None:
        attributes.append((model._range_key_attribute(), range_key))
    return {attribute.attr_name: {attribute.attr_type: attribute.serialize(value)} for attribute, value in attributes}


def _key_of_item(model: type[StudioModel], item: dict[str, Any]) -> dict[str, Any]:
    names = [model._hash_key_attribute().attr_name]
    if model._range_key_attribute() is not None:
        names.append(model._range_key_attribute().attr_name)
    return {name: item[name] for name in names}


def _key_values(key: dict[str, Any]) -> tuple[str, ...]:
    return tuple(f"{name}={next(iter(value.values()))}" for name, value in sorted(key.items()))
