"""Which queue a job goes to: the shared one, or the own queue of the runner that keeps its chat session warm.

    runner#<id>   the runner is alive until `until` (renewed every few seconds) and reads `queue_url`
    session#<id>  the runner keeping the session's Claude process, until its idle timeout (renewed by every turn)

A session's turn goes to its runner's queue only while both hold; otherwise to the shared queue, where any runner
takes it (and resumes the conversation from its transcript). A runner whose lease ran out is dead or stuck: the
live runners and the tick move what waits in its queue to the shared queue, so no turn is lost with it.
Reads are eventually consistent: a lease seen a moment late only costs a cold start.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import DeleteError, DoesNotExist

from shared import aws
from shared.db import Reads
from shared.kept import Kept
from shared.logs import logger
from shared.models.jobs import RunnerLease
from shared.settings import get_settings

# A runner renews its lease every RUNNER_RENEW_SECONDS; it counts as gone RUNNER_ALIVE_SECONDS after the last one.
RUNNER_RENEW_SECONDS = 5
RUNNER_ALIVE_SECONDS = 15
_KEEP_RECORDS_SECONDS = 24 * 60 * 60
_SQS_BATCH_LIMIT = 10
_GONE_QUEUE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def runner_queue_prefix(shared_queue_name: str) -> str:
    """How the names of the runners' own queues start (the CDK grants the runner and the API these queues)."""
    return f"{shared_queue_name.removesuffix('.fifo')[:40]}-r-"


def _runner_key(runner_id: str) -> str:
    return f"runner#{runner_id}"


def _session_key(session_id: str) -> str:
    return f"session#{session_id}"


def register_runner(runner_id: str, queue_url: str) -> None:
    """The runner is alive and reads `queue_url`; renew with the same call every RUNNER_RENEW_SECONDS."""
    now = time.time()
    RunnerLease(
        _runner_key(runner_id),
        runner_id=runner_id,
        queue_url=queue_url,
        until=int(now + RUNNER_ALIVE_SECONDS),
        expires_at=_expiry(now),
    ).save()


def forget_runner(runner_id: str) -> None:
    RunnerLease(_runner_key(runner_id)).delete()


def runner_alive(runner_id: str, *, now: float | None = None) -> bool:
    """Whether `runner_id` renewed its lease lately (only runners with their own queue keep one)."""
    now = time.time() if now is None else now
    try:
        return bool(RunnerLease.get(_runner_key(runner_id)).until > now)
    except DoesNotExist:
        return False


def lease_session(session_id: str, runner_id: str, seconds: float) -> None:
    """`runner_id` keeps the session's process for `seconds` more: its turns should go to that runner."""
    now = time.time()
    RunnerLease(_session_key(session_id), runner_id=runner_id, until=int(now + seconds), expires_at=_expiry(now)).save()


def release_session(session_id: str, runner_id: str) -> None:
    """The runner no longer keeps the session's process (unless another runner has leased it since)."""
    with contextlib.suppress(DeleteError):  # another runner's lease, or none: nothing of ours to release
        RunnerLease(_session_key(session_id)).delete(condition=RunnerLease.runner_id == runner_id)


def queue_for_session(session_id: str, *, now: float | None = None) -> str | None:
    """The own queue of the live runner keeping the session's process; None: the shared queue."""
    try:
        lease = RunnerLease.get(_session_key(session_id))
    except DoesNotExist:
        return None
    return _runner_queue(lease, now)


@dataclass(frozen=True, slots=True)
class Route:
    """A session's lease being read with others, and the lease of the runner this process last saw hold it."""

    session_id: str
    lease: Future[RunnerLease | None]
    guess: tuple[str, Future[RunnerLease | None]] | None = None


# The runner that held each session's lease when this process last looked: a warm session's turns keep going to
# the same runner, so its lease is read with the session's rather than after it (one call fewer per turn).
_LAST_RUNNER = Kept[str, str](entries=10_000)


def session_lease_in(reads: Reads, session_id: str) -> Route:
    """The session's lease, read with others (shared.db.Reads), for `queue_of` once they are read; with it, the
    lease of the runner that held it last time."""
    lease = reads.get(RunnerLease, _session_key(session_id))
    runner_id = _LAST_RUNNER.get(session_id)
    guess = (runner_id, reads.get(RunnerLease, _runner_key(runner_id))) if runner_id else None
    return Route(session_id, lease, guess)


def queue_of(route: Route, *, now: float | None = None) -> str | None:
    """`queue_for_session`, from the session's lease read already (`session_lease_in`)."""
    lease = route.lease.result()
    guessed = route.guess is not None and lease is not None and route.guess[0] == lease.runner_id
    if lease is None:
        _LAST_RUNNER.pop(route.session_id)
    elif not guessed:
        _LAST_RUNNER.put(route.session_id, lease.runner_id)
    return _runner_queue(lease, now, runner=route.guess[1] if guessed and route.guess else None)


def _runner_queue(
    lease: RunnerLease | None, now: float | None, *, runner: Future[RunnerLease | None] | None = None
) -> str | None:
    """The queue of the lease's runner, while both leases hold (`runner`: its lease, read already)."""
    now = time.time() if now is None else now
    if lease is None or lease.until <= now:
        return None
    alive = runner.result() if runner is not None else _runner_lease(lease.runner_id)
    return alive.queue_url if alive is not None and alive.until > now and alive.queue_url else None


def _runner_lease(runner_id: str) -> RunnerLease | None:
    try:
        return RunnerLease.get(_runner_key(runner_id))
    except DoesNotExist:
        return None


def gone_runners(*, now: float | None = None) -> list[tuple[str, str]]:
    """(runner id, queue URL) of the runners whose lease ran out: their queues are to be emptied and deleted.

    A scan: the table holds a row per live runner and per warm session, a few hundred at most.
    """
    now = time.time() if now is None else now
    gone = []
    for item in RunnerLease.scan(RunnerLease.key.startswith("runner#") & (RunnerLease.until < int(now))):
        if item.queue_url:
            gone.append((item.runner_id, item.queue_url))
        else:
            logger.warning("a runner lease without a queue", extra={"runner_id": item.runner_id})
    return gone


def empty_gone_runners(*, except_runner: str | None = None) -> int:
    """Empty (and delete) the queues of the runners whose lease ran out; returns how many turns were moved.

    Every live runner does it every few seconds, and the tick every minute, so that a turn in the queue of a
    runner that died is taken even when no runner is left (the service scales on the shared queue only).
    """
    moved = 0
    for runner_id, queue_url in gone_runners():
        if runner_id != except_runner:
            moved += empty_runner_queue(queue_url, runner_id)
    return moved


def empty_runner_queue(queue_url: str, runner_id: str, *, forget: bool = True) -> int:
    """Move what waits in a runner's queue to the shared queue, in order, keeping each message's group and
    deduplication id (a turn moved twice is sent once); delete the queue, and the runner's lease unless `forget`
    is False, once nothing of it is left. Returns how many messages were moved."""
    sqs, moved = aws.client("sqs"), 0
    try:
        moved = _move_all(sqs, queue_url)
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if any(int(count) for count in attributes.values()):
            return moved  # messages in flight come back after their visibility timeout: next round
        sqs.delete_queue(QueueUrl=queue_url)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _GONE_QUEUE:
            logger.exception("could not empty a runner's queue", extra={"queue": queue_url})
            return moved
    except BotoCoreError:
        logger.exception("could not empty a runner's queue", extra={"queue": queue_url})
        return moved
    if forget:
        forget_runner(runner_id)
    logger.info("a runner's queue was emptied and deleted", extra={"queue": queue_url, "moved": moved})
    return moved


def _move_all(sqs: Any, queue_url: str) -> int:
    moved, shared = 0, get_settings().jobs_queue_url
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=_SQS_BATCH_LIMIT,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["MessageGroupId", "MessageDeduplicationId"],
        ).get("Messages", [])
        if not messages:
            return moved
        for message in messages:  # in order: one group's messages come in the order they were sent
            attributes = message.get("Attributes", {})
            sqs.send_message(
                QueueUrl=shared,
                MessageBody=message["Body"],
                MessageGroupId=attributes.get("MessageGroupId") or message["MessageId"],
                MessageDeduplicationId=attributes.get("MessageDeduplicationId") or message["MessageId"],
            )
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1


def _expiry(now: float) -> datetime:
    return datetime.fromtimestamp(now + _KEEP_RECORDS_SECONDS, tz=UTC)
