"""What AWS calls cost: the call log the product's processes write (STUDIO_AWS_CALL_LOG), priced at list prices.

Each line of the log is one call (shared.aws.count_calls): service, operation, table, HTTP status, request and
response sizes, and for DynamoDB both JSON bodies. DynamoDB capacity is sized as DynamoDB bills it: a write one unit
per KB of the item (the new item of an UpdateItem, returned whole), plus the same for every index whose projection
the write changes (a new item with the index's key; an update that sets a projected attribute); a read one unit
per 4 KB of what it returns, half for an eventually consistent read (a read with a projection is billed for
the whole item, so those count at least one unit). Lambda is not priced.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from shared.models.base import IndexSpec, TableSpec, table_specs
from shared.settings import Settings

# us-east-1 list prices, in dollars per request or capacity unit.
DYNAMODB_WRITE_UNIT = 0.625e-6  # on-demand, per KB written
DYNAMODB_READ_UNIT = 0.125e-6  # on-demand, per 4 KB read strongly consistent
SQS_REQUEST = 0.40e-6  # per 64 KB
WEBSOCKET_MESSAGE = 1.00e-6  # per 32 KB, either way
S3_WRITE_OR_LIST = 0.005e-3
S3_READ = 0.0004e-3
KMS_REQUEST = 0.03e-4
SECRETS_REQUEST = 0.05e-4
S3_WRITES = {"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2", "CreateMultipartUpload"}
S3_FREE = {"DeleteObject", "DeleteObjects"}
LOCAL_POLL_SECONDS, CLOUD_POLL_SECONDS = 2, 20  # the runner's SQS long poll (runner/worker.py)
TABLES: dict[str, TableSpec] = {Settings().table_name(spec.logical_name): spec for spec in table_specs()}


def value_bytes(value: dict[str, Any]) -> int:
    """The size DynamoDB counts for one typed value ({"S": ...}, {"N": ...}, {"M": {...}}, ...)."""
    [(kind, content)] = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        return (len(content.strip("-").replace(".", "").lstrip("0")) + 1) // 2 + 1
    if kind == "B":
        return len(content) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_bytes(item) for item in content)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_bytes(item) for name, item in content.items())
    return sum(len(str(item).encode()) for item in content)  # SS, NS, BS


def item_bytes(item: dict[str, Any], names: set[str] | None = None) -> int:
    """The size of an item (or of the attributes of it named)."""
    kept = item.items() if names is None else [(name, value) for name, value in item.items() if name in names]
    return sum(len(name.encode()) + value_bytes(value) for name, value in kept)


class Call:
    """One line of the call log, with what it costs."""

    def __init__(self, line: str) -> None:
        fields = line.rstrip("\n").split("\t")
        self.service, self.operation, self.table, status, sent, received = fields[:6]
        self.status, self.sent, self.received = int(status), int(sent), int(received)
        self.started, self.ms, self.process = float(fields[6]), float(fields[7]), int(fields[8])
        self.request, self.response = (_json(fields[9]), _json(fields[10])) if len(fields) == 11 else ({}, {})

    @property
    def idle_poll(self) -> bool:
        """A receive that found no message: the runner's long poll, paid whether or not a turn runs."""
        return self.operation == "ReceiveMessage" and self.received < 64

    @property
    def label(self) -> str:
        return f"{self.service} {self.operation}" + (" (idle long poll)" if self.idle_poll else "")

    def dollars(self) -> float:
        if self.service == "DynamoDB":
            return self.write_units() * DYNAMODB_WRITE_UNIT + self.read_units() * DYNAMODB_READ_UNIT
        if self.service == "SQS":
            # An idle receive waits 2 s locally and 20 s in the cloud: a tenth as many in the cloud.
            return SQS_REQUEST * (LOCAL_POLL_SECONDS / CLOUD_POLL_SECONDS if self.idle_poll else 1)
        if self.service == "ApiGatewayManagementApi":
            return WEBSOCKET_MESSAGE * max(1, math.ceil(self.sent / 32_768))
        if self.service == "S3":
            return 0.0 if self.operation in S3_FREE else S3_WRITE_OR_LIST if self.operation in S3_WRITES else S3_READ
        return {"KMS": KMS_REQUEST, "Secrets Manager": SECRETS_REQUEST}.get(self.service, 0.0)

    def write_units(self, *, indexes: bool = True) -> float:
        """Write capacity units, with (or without) those of the table's indexes."""
        if self.operation == "PutItem":
            return _put_units(self.table, self.request["Item"], indexes)
        if self.operation == "UpdateItem":
            changed = set(self.request.get("ExpressionAttributeNames", {}).values())
            return _update_units(self.table, self.response.get("Attributes"), changed, indexes)
        if self.operation == "DeleteItem":
            return 1 + (len(TABLES[self.table].indexes) if indexes and self.table in TABLES else 0)
        if self.operation == "BatchWriteItem":
            return sum(
                _put_units(table, request["PutRequest"]["Item"], indexes) if "PutRequest" in request else 1
                for table, requests in self.request["RequestItems"].items()
                for request in requests
            )
        if self.operation == "TransactWriteItems":
            return 2 * len(self.request["TransactItems"])  # small items: one unit each, twice
        return 0.0

    def read_units(self) -> float:
        factor = 1.0 if self.request.get("ConsistentRead") else 0.5
        if self.operation == "GetItem":
            return factor * _units(item_bytes(self.response.get("Item", {})), 4096)
        if self.operation in ("Query", "Scan"):
            return factor * _units(sum(item_bytes(item) for item in self.response.get("Items", [])), 4096)
        if self.operation == "BatchGetItem":
            found = [item for items in self.response.get("Responses", {}).values() for item in items]
            return factor * sum(_units(item_bytes(item), 4096) for item in found)
        if self.operation == "TransactGetItems":
            return 2 * len(self.request.get("TransactItems", []))
        return 0.0


def _json(text: str) -> dict[str, Any]:
    return json.loads(text) if text else {}


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


def _projected(table: TableSpec, index: IndexSpec) -> set[str] | None:
    """The attributes an index holds (None: all of them)."""
    if index.projection == "ALL":
        return None
    keys = {key.name for key in (table.hash_key, table.range_key, index.hash_key, index.range_key) if key}
    return keys | set(index.non_key_attributes)


def _put_units(table_name: str, item: dict[str, Any], indexes: bool) -> int:
    units = _units(item_bytes(item), 1024)
    table = TABLES.get(table_name)
    if indexes and table is not None:
        for index in table.indexes:
            if index.hash_key.name in item:  # a sparse index holds only the items with its key
                units += _units(item_bytes(item, _projected(table, index)), 1024)
    return units


def _update_units(table_name: str, item: dict[str, Any] | None, changed: set[str], indexes: bool) -> int:
    if item is None:  # not returned: assume a small item without indexes
        return 1
    units = _units(item_bytes(item), 1024)
    table = TABLES.get(table_name)
    if indexes and table is not None:
        for index in table.indexes:
            projected = _projected(table, index)
            if index.hash_key.name in item and (projected is None or changed & projected):
                units += _units(item_bytes(item, projected), 1024)
    return units


class CallLog:
    """The call log the stack's processes append to, read from a mark on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.touch()

    def mark(self) -> int:
        return self.path.stat().st_size

    def since(self, mark: int) -> list[Call]:
        with self.path.open(encoding="utf-8") as log:
            log.seek(mark)
            return [Call(line) for line in log if line.endswith("\n")]

    def wait_quiet(self, mark: int, *, quiet: float = 3.0, timeout: float = 60) -> None:
        """Wait until nothing but idle polls was logged for `quiet` seconds (the work a turn leaves ends)."""
        deadline, busy, last_at = time.monotonic() + timeout, -1, time.monotonic()
        while time.monotonic() < deadline:
            count = sum(1 for call in self.since(mark) if not call.idle_poll)
            if count != busy:
                busy, last_at = count, time.monotonic()
            elif time.monotonic() - last_at >= quiet:
                return
            time.sleep(0.1)
        raise AssertionError(f"the call log did not go quiet within {timeout} s")
