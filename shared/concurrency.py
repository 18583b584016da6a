"""Independent AWS calls at once: a small pool of threads per process (a Lambda container, the runner).

A chat message's path is a chain of small calls, each a network round trip; the ones that need nothing from each
other are started here and joined where their result is needed (shared.chat.turns, runner/jobs/chat.py).
Clients of botocore are safe to share between threads. Work started from the pool's own threads runs there and
then, so a task that waits for another can never wait for a thread the waiting tasks hold.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from functools import partial
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")

_WORKERS = 16  # a runner's jobs share them: a turn has up to five calls in flight
_PREFIX = "studio-io"
_pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix=_PREFIX)


def soon(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """Start `fn` on the pool; `.result()` where it is needed (it raises what `fn` raised). It runs in a copy of
    the caller's context: its log lines carry the caller's keys (the job's id, the request's correlation id)."""
    if not threading.current_thread().name.startswith(_PREFIX):
        return _pool.submit(partial(contextvars.copy_context().run, fn, *args, **kwargs))
    done: Future[T] = Future()
    try:
        done.set_result(fn(*args, **kwargs))
    except BaseException as exc:
        done.set_exception(exc)
    return done


def then(future: Future[T], fn: Callable[[T], R]) -> Future[R]:
    """A future of `fn` of `future`'s result, made by whichever thread completes `future` (so `fn` must be quick: a
    conversion, not a call); an error of either is the new future's. Nothing waits in a pool thread meanwhile."""
    made: Future[R] = Future()

    def done(source: Future[T]) -> None:
        try:
            made.set_result(fn(source.result()))
        except BaseException as exc:
            made.set_exception(exc)

    future.add_done_callback(done)
    return made


def gathered(*futures: Future[Any]) -> Future[tuple[Any, ...]]:
    """A future of every one of `futures`' results, in order, once all are done (an error of any is the new
    future's). For a conversion that needs several (`then(gathered(a, b), ...)`): waiting for one future inside
    another's conversion could wait for a result its own thread has yet to give."""
    made: Future[tuple[Any, ...]] = Future()
    left = [len(futures)]
    lock = threading.Lock()

    def done(_: Future[Any]) -> None:
        with lock:
            left[0] -= 1
            if left[0]:
                return
        try:
            made.set_result(tuple(future.result() for future in futures))
        except BaseException as exc:
            made.set_exception(exc)

    if not futures:
        made.set_result(())
    for future in futures:
        future.add_done_callback(done)
    return made


def failed(error: BaseException) -> Future[Any]:
    """A future that already failed with `error` (raised where its result is asked for, as a call's would be)."""
    made: Future[Any] = Future()
    made.set_exception(error)
    return made


class Together:
    """`soon`, keeping what it started (see `together`)."""

    def __init__(self) -> None:
        self.started: list[Future[Any]] = []

    def soon(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = soon(fn, *args, **kwargs)
        self.started.append(future)
        return future


@contextmanager
def together() -> Iterator[Together]:
    """Calls started with the yielded `soon` are all over when the block is left, however it is left (their errors
    stay with their futures): none outlives the request that started it, even one that failed early."""
    calls = Together()
    try:
        yield calls
    finally:
        wait(calls.started)
