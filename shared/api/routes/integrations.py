"""Integration runs: start a prompt in a project (202 at once), poll it; the callback comes from the runner."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from pydantic import Field

from shared import integrations
from shared.api.deps import CurrentUser
from shared.api.schemas import Schema
from shared.integrations.runs import RunView

router = APIRouter(prefix="/integrations", tags=["integrations"])


class RunIn(Schema):
    project_id: Annotated[str, Field(max_length=64)]
    prompt: str
    permission_mode: Literal["acceptEdits", "plan"] | None = Field(
        default=None, description="acceptEdits (the default: nobody is there to approve) or plan"
    )
    callback_url: Annotated[str | None, Field(default=None, max_length=2048)] = Field(
        default=None, description="Overrides the key's callback URL for this run"
    )
    metadata: dict[str, Any] | None = Field(default=None, description="A small JSON object echoed in the callback")


class RunAccepted(Schema):
    id: str
    status: str
    session_id: str
    poll_url: str


class UsageOut(Schema):
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int


class CallbackOut(Schema):
    url: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int


class RunOut(Schema):
    id: str
    status: Literal["queued", "running", "completed", "failed", "aborted"]
    result: str | None = Field(description="The response text, once the run is done")
    error: str | None
    usage: UsageOut
    cost_usd: float
    duration_ms: int | None
    session_id: str | None
    project_id: str
    metadata: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None
    callback: CallbackOut | None = Field(description="None when the run has no callback URL")

    @classmethod
    def of(cls, run: RunView) -> RunOut:
        return cls(
            id=run.run_id,
            status=run.status,  # type: ignore[arg-type]  # the turn's statuses are exactly these
            result=run.result,
            error=run.error,
            usage=UsageOut.model_validate(run.usage),
            cost_usd=run.cost_usd,
            duration_ms=run.duration_ms,
            session_id=run.session_id,
            project_id=run.project_id,
            metadata=run.metadata,
            created_at=run.created_at,
            finished_at=run.finished_at,
            callback=CallbackOut.model_validate(asdict(run.callback)) if run.callback else None,
        )


@router.post("/runs", response_model=RunAccepted, status_code=202, summary="Run a prompt in a project")
def start_run(body: RunIn, caller: CurrentUser, response: Response) -> RunAccepted:
    run = integrations.start(
        caller,
        project_id=body.project_id,
        prompt=body.prompt,
        permission_mode=body.permission_mode,
        callback_url=body.callback_url,
        metadata=body.metadata,
    )
    response.headers["Location"] = run.poll_url
    return RunAccepted(id=run.run_id, status=run.status, session_id=str(run.session_id), poll_url=run.poll_url)


@router.get("/runs/{run_id}", response_model=RunOut, summary="A run's state, result and callback delivery")
def get_run(run_id: str, caller: CurrentUser) -> RunOut:
    return RunOut.of(integrations.get(caller, run_id))
