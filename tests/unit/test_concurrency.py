"""Independent calls at once (shared.concurrency): results and errors come back where joined; nesting never stalls."""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from shared import concurrency
from shared.concurrency import soon
from shared.logs import logger

pytestmark = pytest.mark.unit


def test_a_result_and_an_error_come_back_where_they_are_joined() -> None:
    assert soon(sum, [1, 2, 3]).result(timeout=5) == 6
    with pytest.raises(ZeroDivisionError):
        soon(lambda: 1 / 0).result(timeout=5)


def test_tasks_that_wait_for_tasks_finish_even_when_they_fill_every_thread() -> None:
    # Given more tasks than the pool has threads, each waiting for work of its own started from the pool
    names: list[str] = []

    def outer(n: int) -> int:
        inner = soon(lambda: (names.append(threading.current_thread().name), n * 2)[1])
        return inner.result(timeout=5)

    # When they all run at once, then each gets its answer: the inner work runs on the thread that asked for it
    started = [soon(outer, n) for n in range(concurrency._WORKERS * 2)]
    assert [future.result(timeout=10) for future in started] == [n * 2 for n in range(concurrency._WORKERS * 2)]
    assert all(name.startswith("studio-io") for name in names)


def test_calls_started_together_are_over_when_the_block_is_left_even_by_an_error() -> None:
    # Given a call still running when its block fails
    release = threading.Event()
    done: list[str] = []

    def slow() -> None:
        release.wait(5)
        done.append("slow")

    # When the block raises, then it is left only once the call is over, its result still with its future
    with pytest.raises(ValueError), concurrency.together() as calls:
        started = calls.soon(slow)
        threading.Timer(0.05, release.set).start()
        raise ValueError("the request failed early")
    assert done == ["slow"] and started.done()


def test_work_started_soon_logs_with_the_keys_of_whoever_started_it(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.setFormatter(logger.registered_formatter)  # formats as it is emitted, in the emitting thread

    def job(job_id: str) -> None:
        logger.thread_safe_append_keys(job_id=job_id)
        try:
            soon(logger.info, "read ahead").result()
        finally:
            logger.thread_safe_clear_keys()

    with ThreadPoolExecutor(2) as jobs:  # two jobs at once, as a runner's are: each line keeps its own job's id
        list(jobs.map(job, ["job-a", "job-b"]))

    lines = [json.loads(line) for line in caplog.text.splitlines() if "read ahead" in line]
    assert sorted(line.get("job_id") for line in lines) == ["job-a", "job-b"]


def test_a_future_made_from_another_carries_its_conversion_or_either_ones_error() -> None:
    source: Future[int] = Future()
    doubled = concurrency.then(source, lambda value: value * 2)
    assert not doubled.done()  # nothing is made before the source is
    source.set_result(21)
    assert doubled.result(timeout=1) == 42

    failed: Future[int] = Future()
    converted = concurrency.then(failed, lambda value: value * 2)
    failed.set_exception(LookupError("the read failed"))
    with pytest.raises(LookupError, match="the read failed"):
        converted.result(timeout=1)

    refused = concurrency.then(soon(lambda: 0), lambda value: 1 // value)
    with pytest.raises(ZeroDivisionError):
        refused.result(timeout=5)


def test_a_conversion_of_several_futures_waits_for_all_of_them_whatever_their_order() -> None:
    first: Future[int] = Future()
    second: Future[int] = Future()
    both = concurrency.then(concurrency.gathered(first, second), lambda pair: pair[0] * 10 + pair[1])
    second.set_result(2)
    assert not both.done()
    first.set_result(1)  # given by this same thread: nothing waited for it inside the other's conversion
    assert both.result(timeout=1) == 12

    done: Future[int] = Future()
    broken: Future[int] = Future()
    either = concurrency.gathered(done, broken)
    done.set_result(1)
    broken.set_exception(LookupError("the read failed"))
    with pytest.raises(LookupError, match="the read failed"):
        either.result(timeout=1)
    assert concurrency.gathered().result(timeout=1) == ()
