"""The run log of a schedule in the project's files: `.sasha/schedules/<schedule_id>.jsonl`, one line per run.

Appending is a read-modify-write made safe by S3 conditional writes: the put carries `If-Match` (the ETag read)
or `If-None-Match: *` (a new log), and a concurrent append makes it fail and start again, so no line is lost.
A log past 1 MiB is copied to `.sasha/schedules/<schedule_id>/<UTC timestamp>.jsonl` and starts afresh, which
keeps each append cheap even for a schedule that runs every minute.
"""

from __future__ import annotations

import json
import random
import time
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from shared import aws
from shared.constants import PROJECTS_PREFIX
from shared.files import generations
from shared.settings import get_settings

LOG_FOLDER = ".sasha/schedules/"
ROTATE_BYTES = 1024 * 1024
_ATTEMPTS = 20  # runs of one schedule are serialised by their FIFO group; a burst of manual runs may still race
_RACED = aws.S3_PRECONDITION_FAILED | {"409", "ConditionalRequestConflict"}


class RunLogError(RuntimeError):
    """The log kept changing under us; the line was not appended."""


def log_path(schedule_id: str) -> str:
    """The log's path relative to the project's files."""
    return f"{LOG_FOLDER}{schedule_id}.jsonl"


def append(project_prefix: str, schedule_id: str, record: dict[str, Any], *, now: datetime) -> None:
    """Append `record` as one JSON line to the schedule's log."""
    s3, bucket = aws.client("s3"), get_settings().workspace_bucket
    key = f"{project_prefix}files/{log_path(schedule_id)}"
    line = (json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str) + "\n").encode()
    for attempt in range(_ATTEMPTS):
        current, etag = _read(s3, bucket, key)
        if etag is not None and len(current) + len(line) > ROTATE_BYTES:
            archive = f"{project_prefix}files/{LOG_FOLDER}{schedule_id}/{_archive_name(current, etag, now)}"
            s3.copy_object(
                Bucket=bucket, Key=archive, CopySource={"Bucket": bucket, "Key": key}, CopySourceIfMatch=etag
            )
            current = b""
        body = current + line
        try:
            if etag is not None:  # only if nobody appended since the read
                s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/x-ndjson", IfMatch=etag)
            else:  # only if nobody created it since the read
                s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/x-ndjson", IfNoneMatch="*")
        except ClientError as exc:
            if aws.error_code(exc) in _RACED:
                time.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # noqa: S311  # jitter, not security
                continue  # another run appended meanwhile: read again
            raise
        # The Files screen's tree and the runners' copies of the files follow the project's generation.
        generations.invalidate(project_prefix.removeprefix(PROJECTS_PREFIX).strip("/"))
        return
    raise RunLogError(f"the run log {key} changed {_ATTEMPTS} times while a line was being appended")


def read(project_prefix: str, schedule_id: str) -> list[dict[str, Any]]:
    """Every line of the current log (tests and tools)."""
    current, _ = _read(
        aws.client("s3"), get_settings().workspace_bucket, f"{project_prefix}files/{log_path(schedule_id)}"
    )
    return [json.loads(line) for line in current.decode().splitlines() if line.strip()]


def _archive_name(current: bytes, etag: str, now: datetime) -> str:
    """Named after the archived log's first run and its ETag: two runs that rotate at once write the same copy."""
    try:
        first = datetime.fromisoformat(json.loads(current.split(b"\n", 1)[0])["startedAt"])
    except (ValueError, KeyError, TypeError):
        first = now
    return f"{first:%Y%m%dT%H%M%SZ}-{etag.strip(chr(34))[:8]}.jsonl"


def _read(s3: Any, bucket: str, key: str) -> tuple[bytes, str | None]:
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if aws.error_code(exc) in aws.S3_MISSING:
            return b"", None
        raise
    return response["Body"].read(), str(response["ETag"])
