"""Integration runs: start a prompt in a project (202 at once), poll it; the callback comes from the runner."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shared import integrations
from shared.api.deps import CurrentUser
from shared.integrations.views import RunIn, RunQueued, RunView

router = APIRouter(prefix="/integrations", tags=["integrations"])


@router.post("/runs", response_model=RunQueued, status_code=202, summary="Run a prompt in a project")
def start_run(body: RunIn, caller: CurrentUser, response: Response) -> RunQueued:
    run = integrations.start(caller, body)
    response.headers["Location"] = run.poll_url
    return RunQueued.model_validate(run)


@router.get("/runs/{run_id}", response_model=RunView, summary="A run's state, result and callback delivery")
def get_run(run_id: str, caller: CurrentUser) -> RunView:
    return integrations.get(caller, run_id)
