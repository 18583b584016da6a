"""The chat.quality job: a finished turn's response quality signals, computed after it (shared.chat.quality)."""

from __future__ import annotations

from typing import Any

from runner.context import JobContext
from runner.registry import job_handler
from shared.chat import quality


@job_handler("chat.quality")
def chat_quality(ctx: JobContext) -> dict[str, Any]:
    return quality.record(ctx.job.payload["session_id"], int(ctx.job.payload["turn"]))
