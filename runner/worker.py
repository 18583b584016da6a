"""The SQS consumer: receives job messages, runs them concurrently under a deadline, records their state.

A message is deleted only once its job reached a terminal state; until then the heartbeat keeps it
invisible. If the runner dies, the message reappears and the next runner reclaims the job (or marks it
failed when it has no attempts left), so no job is silently dropped.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

import runner.jobs  # noqa: F401  # registers every job handler
from runner.context import JobContext
from runner.errors import JobTimeoutError
from runner.heartbeat import VisibilityHeartbeat
from runner.protection import ScaleInProtection
from runner.queues import OwnQueue
from runner.registry import JobHandler, handler_for
from runner.services import Services
from shared import aws
from shared.jobs import Job, JobStatus, routing, store
from shared.jobs.store import JobStateError
from shared.logs import logger
from shared.settings import Settings, get_settings

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

# The supervisor waits this much longer than a job's own timeout before giving up on its thread.
SUPERVISOR_GRACE_SECONDS = 10.0
SQS_MAX_MESSAGES = 10


@dataclass(frozen=True, slots=True)
class Lane:
    """A queue the worker takes jobs from: the heartbeat that keeps its running jobs' messages invisible, and the
    slots and threads its jobs run on. The own queue's lane has slots of its own: its turns mostly reuse a kept
    Claude process (whose memory the warm pool already counts), and they must not wait for the shared lane's
    long poll to give its slots back."""

    url: str
    heartbeat: VisibilityHeartbeat
    slots: threading.BoundedSemaphore
    executor: ThreadPoolExecutor

    @classmethod
    def of(cls, sqs: Any, url: str, concurrency: int, name: str) -> Lane:
        return cls(
            url,
            VisibilityHeartbeat(sqs, url),
            threading.BoundedSemaphore(concurrency),
            ThreadPoolExecutor(concurrency, thread_name_prefix=name),
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    delete: bool
    retry_after: int | None = None
    # Wait this long, then send the message again, behind what its group holds now (a job that must follow another
    # whose message is elsewhere: a FIFO group would deliver this one first again and again).
    behind: float | None = None


DELETE = Outcome(delete=True)
KEEP = Outcome(delete=False)
# A message of a job another runner has is dropped once the runner looked alive at this many receives, this far
# apart: longer than a runner's lease outlives it, so a runner that died shows as gone by then.
ELSEWHERE_LOOKS = 3
ELSEWHERE_LOOK_AGAIN_SECONDS = routing.RUNNER_ALIVE_SECONDS + routing.RUNNER_RENEW_SECONDS


def _receives(message: MessageTypeDef) -> int:
    try:
        return int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
    except ValueError:
        return 1


class Worker:
    def __init__(
        self,
        settings: Settings,
        *,
        sqs: Any | None = None,
        runner_id: str | None = None,
        wait_seconds: int = 20,
        services: Services | None = None,
    ) -> None:
        self.settings = settings
        self.services = services or Services(settings)
        self.sqs = sqs or aws.client("sqs")
        self.queue_url = settings.jobs_queue_url
        self.runner_id = runner_id or settings.runner_id or f"{socket.gethostname()}-{os.getpid()}"
        self.wait_seconds = wait_seconds
        self.stopping = threading.Event()
        self._shared = Lane.of(self.sqs, self.queue_url, settings.runner_concurrency, "job")
        self._heartbeat, self._slots, self._pool = self._shared.heartbeat, self._shared.slots, self._shared.executor
        # With warm sessions, a queue of its own for the turns of the sessions it keeps (runner/queues.py).
        self.own_queue: OwnQueue | None = None
        self._protection = ScaleInProtection(settings.ecs_agent_uri)

    # The loop

    def run(self) -> None:
        logger.info("runner started", extra={"runner_id": self.runner_id, "queue": self.queue_url})
        self._heartbeat.start()
        own = self._open_own_queue()
        try:
            while not self.stopping.is_set():
                self.poll_once()
        finally:
            if own is not None:
                own[1].join(timeout=self.wait_seconds + 5)
                own[0].executor.shutdown(wait=True)
            self._pool.shutdown(wait=True)
            if own is not None:
                own[0].heartbeat.stop()
            self._heartbeat.stop()
            self.services.close()
            if self.own_queue is not None:
                self.own_queue.close()  # after the jobs: what waits there still goes to the shared queue
            logger.info("runner stopped", extra={"runner_id": self.runner_id})

    def _open_own_queue(self) -> tuple[Lane, threading.Thread] | None:
        """The own queue and the thread taking jobs from it, when this runner keeps warm sessions."""
        if self.settings.warm_sessions <= 0:
            return None
        own = OwnQueue(self.sqs, self.queue_url, self.runner_id)
        try:
            url = own.open()
        except (BotoCoreError, ClientError):
            logger.exception("could not create the runner's own queue: every turn comes from the shared queue")
            return None
        self.own_queue = own
        lane = Lane.of(self.sqs, url, self.settings.runner_concurrency, "warm-job")
        lane.heartbeat.start()

        def take() -> None:
            while not self.stopping.is_set():
                self.poll_once(lane)

        thread = threading.Thread(target=take, name="own-queue-poller", daemon=True)
        thread.start()
        return lane, thread

    def stop(self) -> None:
        self.stopping.set()

    def poll_once(self, lane: Lane | None = None) -> int:
        """Receive as many messages as there are free slots and start them; returns how many started."""
        lane = lane or self._shared
        if not lane.slots.acquire(timeout=1):
            return 0
        free = 1
        while free < SQS_MAX_MESSAGES and lane.slots.acquire(blocking=False):
            free += 1
        try:
            response = self.sqs.receive_message(
                QueueUrl=lane.url,
                MaxNumberOfMessages=free,
                WaitTimeSeconds=self.wait_seconds,
                MessageSystemAttributeNames=["ApproximateReceiveCount", "MessageGroupId"],
            )
        except (BotoCoreError, ClientError):
            logger.exception("could not receive from the jobs queue", extra={"queue": lane.url})
            self._release(lane, free)
            self.stopping.wait(2)
            return 0
        messages = response.get("Messages", [])
        self._release(lane, free - len(messages))
        # A FIFO batch may hold several messages of one group: they run one after another, in order.
        groups: dict[str, list[MessageTypeDef]] = {}
        for message in messages:
            lane.heartbeat.track(message["MessageId"], message["ReceiptHandle"])
            group = message.get("Attributes", {}).get("MessageGroupId") or message["MessageId"]
            groups.setdefault(group, []).append(message)
        for group_messages in groups.values():
            lane.executor.submit(self._process_in_order, group_messages, lane)
        return len(messages)

    def _process_in_order(self, messages: list[MessageTypeDef], lane: Lane) -> None:
        for message in messages:
            self._process(message, lane)

    @staticmethod
    def _release(lane: Lane, count: int) -> None:
        for _ in range(count):
            lane.slots.release()

    # One message

    def _process(self, message: MessageTypeDef, lane: Lane) -> None:
        try:
            outcome = self.handle(message)
        except Exception:
            # Storage trouble while supervising: leave the message; it comes back and is decided again.
            logger.exception("job supervision failed; the message will be redelivered")
            outcome = KEEP
        finally:
            lane.heartbeat.untrack(message["MessageId"])
            logger.thread_safe_clear_keys()
        try:
            if outcome.behind is not None:
                self.stopping.wait(outcome.behind)
                self._send_behind(message, lane)
            if outcome.delete:
                self.sqs.delete_message(QueueUrl=lane.url, ReceiptHandle=message["ReceiptHandle"])
            elif outcome.retry_after is not None:
                self.sqs.change_message_visibility(
                    QueueUrl=lane.url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=outcome.retry_after,
                )
        except (BotoCoreError, ClientError):
            logger.exception("could not settle the job message")
        finally:
            lane.slots.release()

    def _send_behind(self, message: MessageTypeDef, lane: Lane) -> None:
        """The message again, at the end of its group (a new deduplication id: the job's take keeps it once)."""
        self.sqs.send_message(
            QueueUrl=lane.url,
            MessageBody=message["Body"],
            MessageGroupId=message.get("Attributes", {}).get("MessageGroupId") or message["MessageId"],
            MessageDeduplicationId=f"{message['MessageId']}-behind-{time.time_ns()}",
        )

    def handle(self, message: MessageTypeDef) -> Outcome:
        """Decide, run and record one job; returns what to do with its message."""
        try:
            body = json.loads(message["Body"])
            job_id = str(body["job_id"])
        except (ValueError, KeyError, TypeError):
            logger.error("dropping a message that is not a job", extra={"body": message.get("Body", "")[:500]})
            return DELETE
        logger.thread_safe_append_keys(job_id=job_id, correlation_id=body.get("correlation_id"))
        wait = self._waits(body)
        if wait is not None:
            logger.info("the job waits for the one it follows; its message goes behind", extra={"wait": wait})
            return Outcome(delete=True, behind=wait)
        ahead = self._read_ahead(body)
        try:
            return self._decide(message, job_id, body, ahead)
        finally:
            if ahead is not None and not ahead.used:
                ahead.drop()  # the job did not start: what its handler did ahead for it is undone

    def _decide(self, message: MessageTypeDef, job_id: str, body: dict[str, Any], ahead: Ahead | None) -> Outcome:
        """Start the job if it is queued, or decide what its message is (a duplicate, a job another runner has,
        one whose runner died) and run it or not."""
        started = self._start_queued(job_id, body.get("timeout_seconds"), ahead)
        if started is not None:
            return started
        job = store.get(job_id)
        if job is None:
            logger.error("dropping a message whose job record does not exist")
            return DELETE
        status = JobStatus(job.status)
        if status.is_terminal:
            logger.info("job already finished; dropping the duplicate message", extra={"status": status.value})
            return DELETE
        if status is JobStatus.RUNNING and self._running_elsewhere(job):
            if _receives(message) >= ELSEWHERE_LOOKS:
                logger.info("a second message of a job another live runner is running; dropping it")
                return DELETE
            logger.info("the job's runner looks alive; looking again once a runner that died would not")
            return Outcome(delete=False, retry_after=ELSEWHERE_LOOK_AGAIN_SECONDS)
        handler = handler_for(job.job_type)
        if handler is None:
            store.finish(job, JobStatus.FAILED, error=f"This runner cannot run {job.job_type!r} jobs.")
            return DELETE
        if status is JobStatus.RUNNING and int(job.attempts) >= int(job.max_attempts):
            store.finish(job, JobStatus.FAILED, error="The runner stopped while this job was running.")
            logger.warning("job interrupted by a runner that stopped; marked failed")
            if handler.on_interrupted is not None:
                handler.on_interrupted(job)
            return DELETE
        try:
            store.start(job, self.runner_id)
        except JobStateError:
            logger.info("job changed state before it could start; deciding again on redelivery")
            return KEEP
        return self._run(handler, job, ahead)

    def _running_elsewhere(self, job: Job) -> bool:
        """Whether another runner, alive, has the job within its deadline: its message came twice (a tick sent one
        that looked lost again, or it was sent to two queues), and that runner finishes it with its own message.
        A runner killed a moment ago still looks alive until its lease runs out: the message is looked at again
        (ELSEWHERE_LOOK_AGAIN_SECONDS) before it is dropped."""
        if not job.runner_id or job.runner_id == self.runner_id:
            return False
        if job.deadline_at is not None and job.deadline_at <= datetime.now(UTC):
            return False
        try:
            return routing.runner_alive(job.runner_id)
        except Exception:
            logger.exception("could not tell whether the job's runner is alive; deciding as if it were gone")
            return False

    @staticmethod
    def _waits(body: dict[str, Any]) -> float | None:
        """Seconds the job must wait for one it follows (the handler's `waits`, from the payload its message
        carries), or None: it goes on (also when that cannot be told: the job's own checks still hold)."""
        handler = handler_for(str(body.get("job_type")))
        payload = body.get("payload")
        if handler is None or handler.waits is None or not isinstance(payload, dict):
            return None
        try:
            return handler.waits(payload)
        except Exception:
            logger.exception("could not tell whether the job must wait; it goes on")
            return None

    def _read_ahead(self, body: dict[str, Any]) -> Ahead | None:
        """Start the job's reads from the payload its message carries, while the job is being started: the
        handler's `ahead` (runner/registry.py). None when there is none, or it failed (the job reads as it goes)."""
        handler = handler_for(str(body.get("job_type")))
        payload = body.get("payload")
        if handler is None or handler.ahead is None or not isinstance(payload, dict):
            return None
        try:
            return Ahead(handler, handler.ahead(payload, self.services))
        except Exception:
            logger.exception("could not start a job's reads ahead; it reads them as it goes")
            return None

    def _start_queued(self, job_id: str, timeout_seconds: Any, ahead: Ahead | None = None) -> Outcome | None:
        """A queued job whose message says its timeout starts with one write, not a read and a write; None when it
        is not queued (or the message is older), for `handle` to read and decide."""
        if not isinstance(timeout_seconds, int) or isinstance(timeout_seconds, bool) or timeout_seconds <= 0:
            return None
        job = store.start_queued(job_id, self.runner_id, timeout_seconds)
        if job is None:
            return None
        handler = handler_for(job.job_type)
        if handler is None:
            store.finish(job, JobStatus.FAILED, error=f"This runner cannot run {job.job_type!r} jobs.")
            return DELETE
        return self._run(handler, job, ahead)

    def _run(self, handler: JobHandler, job: Job, ahead: Ahead | None = None) -> Outcome:
        if ahead is not None:
            ahead.used = handler is ahead.handler
        self._protection.job_started()
        try:
            return self._execute(handler, job, ahead.of(handler) if ahead is not None else None)
        finally:
            self._protection.job_finished()

    def _execute(self, handler: JobHandler, job: Job, ahead: Any = None) -> Outcome:
        timeout = float(job.timeout_seconds)
        ctx = JobContext(
            job=job, runner_id=self.runner_id, deadline=time.monotonic() + timeout, services=self.services, ahead=ahead
        )
        box: dict[str, Any] = {}
        keys = logger.thread_safe_get_current_keys()

        def run() -> None:
            logger.thread_safe_append_keys(**keys)
            try:
                box["result"] = handler.run(ctx)
            except BaseException as exc:
                box["error"] = exc

        started = time.monotonic()
        thread = threading.Thread(target=run, name=f"job-{job.job_id[:8]}", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            ctx.cancelled.set()
            thread.join(SUPERVISOR_GRACE_SECONDS)
            if thread.is_alive():
                logger.error("job thread did not stop after its deadline; abandoning it")
            box = {"error": JobTimeoutError(f"The job did not finish within {int(timeout)} seconds.")}
        elapsed_ms = int((time.monotonic() - started) * 1000)
        error = box.get("error")
        if error is None:
            store.finish(job, JobStatus.SUCCEEDED, result=box.get("result"))
            logger.info("job succeeded", extra={"job_type": job.job_type, "duration_ms": elapsed_ms})
            return DELETE
        return self._failed(handler, job, error, elapsed_ms)

    def _failed(self, handler: JobHandler, job: Job, error: BaseException, elapsed_ms: int) -> Outcome:
        reason = str(error) or type(error).__name__
        if isinstance(error, JobTimeoutError):
            store.finish(job, JobStatus.TIMEOUT, error=reason)
            logger.warning("job timed out", extra={"job_type": job.job_type, "duration_ms": elapsed_ms})
            return DELETE
        attempts = int(job.attempts)
        if isinstance(error, handler.never_retry) or attempts >= int(job.max_attempts):
            store.finish(job, JobStatus.FAILED, error=reason)
            logger.error("job failed", extra={"job_type": job.job_type, "error": reason, "attempts": attempts})
            return DELETE
        store.retry(job, reason)
        backoff = handler.spec.retry_backoff_seconds * 2 ** (attempts - 1)
        logger.warning("job failed; retrying", extra={"job_type": job.job_type, "error": reason, "in": backoff})
        return Outcome(delete=False, retry_after=min(backoff, 12 * 60 * 60))


@dataclass
class Ahead:
    """What a handler's `ahead` started from a job's message; it is the job's only if the job is of that handler.
    When the job does not run after all, what was started gets its `drop()`, if it has one."""

    handler: JobHandler
    started: Any
    used: bool = False

    def of(self, handler: JobHandler) -> Any:
        return self.started if handler is self.handler else None

    def drop(self) -> None:
        drop = getattr(self.started, "drop", None)
        if callable(drop):
            drop()


def main() -> None:
    settings = get_settings()
    worker = Worker(settings, wait_seconds=2 if settings.is_local else 20)
    worker.services.open()  # the sandbox and the model gateway: a setup that cannot work fails here, not per job

    def stop(signum: int, frame: object) -> None:
        logger.info("stopping: finishing the jobs in hand", extra={"signal": signum})
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()
