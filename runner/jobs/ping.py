"""The ping job: answer a WebSocket ping with a pong from the runner."""

from __future__ import annotations

import time
from typing import Any

from runner.context import JobContext
from runner.registry import job_handler
from shared.realtime.publisher import post_event


@job_handler("ping")
def ping(ctx: JobContext) -> dict[str, Any]:
    payload = ctx.job.payload
    received_at_ms = int(payload.get("received_at_ms") or 0)
    now_ms = int(time.time() * 1000)
    delivered = post_event(
        payload["connection_id"],
        {
            "type": "pong",
            "id": payload.get("ping_id"),
            "via": "runner",
            "jobId": ctx.job.job_id,
            "runnerId": ctx.runner_id,
            "queuedMs": max(0, now_ms - received_at_ms) if received_at_ms else None,
        },
    )
    return {"delivered": delivered}
