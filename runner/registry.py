"""Job handlers: plain functions in a registry, each with its timeout, retries and never-retried errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.errors import JobFailedError
from shared.jobs.types import JobTypeSpec, spec_for


@dataclass(frozen=True, slots=True)
class JobHandler:
    spec: JobTypeSpec
    run: Callable[[Any], Any]
    never_retry: tuple[type[BaseException], ...]
    # Called when the job is failed without running (its runner died mid-job): close the domain records too.
    on_interrupted: Callable[[Any], None] | None = None
    # Called with the payload its message carries (runner/worker.py) while the job is being started: it starts
    # the job's reads, and what it returns is the job's `ctx.ahead`.
    ahead: Callable[[dict[str, Any], Any], Any] | None = None
    # Called with the payload its message carries before the job is taken: seconds to wait for a job it must follow
    # that has not ended (its message then goes back behind that job's), or None to go on.
    waits: Callable[[dict[str, Any]], float | None] | None = None


_HANDLERS: dict[str, JobHandler] = {}


def job_handler(
    job_type: str,
    *,
    never_retry: tuple[type[BaseException], ...] = (),
    on_interrupted: Callable[[Any], None] | None = None,
    ahead: Callable[[dict[str, Any], Any], Any] | None = None,
    waits: Callable[[dict[str, Any]], float | None] | None = None,
) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register `fn(ctx) -> result` as the handler of `job_type` (its limits come from shared.jobs.types)."""

    def register(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        assert job_type not in _HANDLERS, f"job type {job_type!r} registered twice"
        never: tuple[type[BaseException], ...] = (JobFailedError, *never_retry)
        _HANDLERS[job_type] = JobHandler(spec_for(job_type), fn, never, on_interrupted, ahead, waits)
        return fn

    return register


def handler_for(job_type: str) -> JobHandler | None:
    """The registered handler (the worker imports runner.jobs, which registers them all)."""
    return _HANDLERS.get(job_type)
