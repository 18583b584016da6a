"""The scheduler tick.

(a) Tick duration with 1,000 and with 10,000 schedules, the same 100 due in both, against in-process moto
    (DynamoDB + SQS in this process: no network, so the figures are the tick's own work plus moto's). Ten ticks
    a minute apart each; each tick starts 100 runs (100 conditional puts, 100 jobs queued, 100 advances).
    The due-index Query is also timed on its own, with the number of items it returned.
(b) From a slot's start to its job running on the runner, through the local stack (moto server, the real
    runner, the real Claude CLI against a fake Messages API): a schedule is made due now, the tick is called
    as EventBridge would call it at the minute, and the clock stops at the job's `started_at` (the runner's
    own record). EventBridge Scheduler's own delay and a Lambda cold start are not part of it.
"""

from __future__ import annotations

import functools
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bench.moto import in_process_moto
from bench.stats import row, summary
from shared import aws
from shared.constants import Env
from shared.models.cloud import CloudConnection, CloudMount
from shared.models.jobs import Job, RunnerLease
from shared.models.meetings import Meeting
from shared.models.schedules import Execution, ExecutionStatus, Schedule, ScheduleKind
from shared.scheduling import cron, executions, store
from shared.scheduling.tick import run_tick
from shared.settings import get_settings
from tests.support.fake_anthropic import TEST_API_KEY, FakeAnthropic
from tests.support.stack import ROOT, LocalStack, bound_to, wait_until

DUE = 100
TICKS = 10
SIZES = (1_000, 10_000)
DELAY_SAMPLES = 10
CLAUDE = ROOT / "runner" / "node_modules" / ".bin" / "claude"
BASE = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # a Monday at 09:00 UTC


def _schedules(total: int) -> None:
    """`DUE` every-minute schedules due at BASE, and yearly ones (in the due index, never due here)."""
    with Schedule.batch_write() as batch:
        for number in range(total):
            due = number < DUE
            schedule_id = f"{number:032x}"
            expression = "* * * * *" if due else "0 0 1 1 *"
            shard, next_run = store.due_fields(
                schedule_id, kind=ScheduleKind.PROMPT.value, cron=expression, timezone="UTC", enabled=True, now=BASE
            )
            batch.save(
                Schedule(
                    schedule_id,
                    user_id=f"user{number % 50}",
                    project_id=f"{number % 200:032x}",
                    name=f"bench {number}",
                    cron=expression,
                    prompt="Summarise the notes",
                    due_shard=shard,
                    next_run_at=BASE if due else next_run,
                    created_at=BASE,
                    updated_at=BASE,
                )
            )


def tick_durations(total: int) -> dict[str, list[float]]:
    with in_process_moto(Schedule, Execution, Job, Meeting, CloudMount, CloudConnection, RunnerLease, jobs_queue=True):
        _schedules(total)
        ticks, queries, returned = [], [], []
        for minute in range(TICKS):
            now = BASE + timedelta(minutes=minute, seconds=1)
            started = time.perf_counter()
            due = [s for shard in store.due_shards() for s in store.due_schedules(shard, now)]
            queries.append((time.perf_counter() - started) * 1000)
            returned.append(float(len(due)))
            started = time.perf_counter()
            result = run_tick(now)
            ticks.append((time.perf_counter() - started) * 1000)
            assert (result.due, result.started, result.errors) == (DUE, DUE, 0), result
            _settle()
        return {"tick": ticks, "query": queries, "returned": returned}


def _settle() -> None:
    """Between ticks (untimed): the runner takes the messages and finishes the runs, as it would in a minute.

    moto's SQS send and its index queries cost more as messages and running executions pile up, which real
    SQS and DynamoDB do not; without this, each tick would be slower than the last for reasons of moto's own.
    """
    sqs, url = aws.client("sqs"), get_settings().jobs_queue_url
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    for execution in list(executions.overdue(BASE + timedelta(days=1))):
        executions.finish(execution, executions.Results(ExecutionStatus.COMPLETED), now=BASE)


def slot_to_job_start(stack: LocalStack) -> tuple[list[float], list[float]]:
    token = stack.admin_token()
    headers = {"Authorization": f"Bearer {token}"}
    project = requests.post(f"{stack.base_url}/api/projects", json={"name": "bench"}, headers=headers, timeout=30)
    project.raise_for_status()
    # Every-minute schedules, one per sample: this stack's administrator allows them (the default minimum is 15 min).
    url = f"{stack.base_url}/api/admin/settings/quotas"
    current = requests.get(url, headers=headers, timeout=30)
    current.raise_for_status()  # a PUT names every quota: the others stay as they are
    quotas = {**current.json(), "maxActiveSchedules": 1000, "minScheduleIntervalMinutes": 1}
    allowed = requests.put(url, json=quotas, headers=headers, timeout=30)
    allowed.raise_for_status()
    delays, ticks = [], []
    with bound_to(stack):
        for number in range(DELAY_SAMPLES):
            body = {"name": f"bench {number}", "projectId": project.json()["id"], "cron": "* * * * *", "prompt": "hi"}
            made = requests.post(f"{stack.base_url}/api/schedules", json=body, headers=headers, timeout=30)
            made.raise_for_status()
            schedule = Schedule.get(made.json()["id"])
            now = datetime.now(UTC)
            schedule.update(actions=[Schedule.next_run_at.set(now - timedelta(milliseconds=1))])  # due now
            slot = cron.latest_at_or_before("* * * * *", "UTC", now)
            job_id = executions.execution_id_for(schedule.schedule_id, slot)
            called = time.time()
            result = run_tick(datetime.now(UTC))
            ticks.append((time.time() - called) * 1000)
            assert result.started == 1, result
            job = wait_until(functools.partial(_started, job_id), timeout=60, interval=0.02, what="the job to start")
            delays.append((job.started_at.timestamp() - called) * 1000)
            wait_until(functools.partial(_finished, job_id), timeout=60, interval=0.05, what="the run to finish")
    return delays, ticks


def _started(job_id: str) -> Job | None:
    job = Job.get(job_id, consistent_read=True)
    return job if job.started_at is not None else None


def _finished(job_id: str) -> bool:
    execution = Execution.get(job_id, consistent_read=True)
    return execution.status != executions.RUNNING


def run() -> None:
    figures = {total: tick_durations(total) for total in SIZES}
    small, large = (figures[total] for total in SIZES)
    print(f"Scheduler tick, in-process moto, {DUE} of N schedules due, {TICKS} ticks a minute apart:")
    for total in SIZES:
        returned = int(summary(figures[total]["returned"])["median"])
        print("  " + row(f"tick, N={total:,} ({DUE} started each)", figures[total]["tick"]))
        print("  " + row(f"due-index Query alone, N={total:,} ({returned} returned)", figures[total]["query"]))
    ratio = summary(large["tick"])["median"] / summary(small["tick"])["median"]
    query_ratio = summary(large["query"])["median"] / summary(small["query"])["median"]
    print(f"  ratio N=10,000 / N=1,000: tick {ratio:.2f}x, due Query {query_ratio:.2f}x (median)")
    print()
    if not CLAUDE.exists():
        print("Slot-to-job delay skipped: the pinned Claude CLI is not installed (make deps-runner).")
        return
    with FakeAnthropic() as api, tempfile.TemporaryDirectory() as data_dir:
        env = {
            "ANTHROPIC_BASE_URL": api.url,
            "ANTHROPIC_API_KEY": TEST_API_KEY,
            "CLAUDE_CODE_MAX_RETRIES": "0",
            Env.TICK_INTERVAL_SECONDS: "3600",  # the bench calls the tick itself
        }
        stack = LocalStack(Path(data_dir) / "stack", env=env).start()
        try:
            delays, ticks = slot_to_job_start(stack)
        finally:
            stack.stop()
    print("Slot start to job running, local stack (moto server, real runner):")
    print("  " + row("tick invoked -> job started on the runner", delays))
    print("  " + row("  of which the tick itself (1 due)", ticks))


if __name__ == "__main__":
    run()
