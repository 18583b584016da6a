"""The research job's ends that need no CLI (moto in-process): not configured, replaced, and a runner that stopped.

The run with the real CLI is tests/e2e/test_onboarding_research.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from runner.context import JobContext
from runner.jobs.research import research_company
from runner.worker import Worker
from shared.jobs import JobStatus
from shared.jobs import store as job_store
from shared.onboarding import research
from shared.settings import Settings
from tests.support.accounts import AccountsStack, Person, call, register_first
from tests.support.aws import drain_queue, queued_messages

PROFILE = "/api/profile/organization"


@pytest.fixture
def stack(accounts: AccountsStack) -> Iterator[Settings]:
    drain_queue(accounts.settings)
    # No provider: neither a key in the environment nor one stored by an administrator.
    accounts.configure(ANTHROPIC_API_KEY=None, ANTHROPIC_AUTH_TOKEN=None, CLAUDE_CODE_USE_BEDROCK=None)
    yield accounts.settings
    drain_queue(accounts.settings)


@pytest.fixture
def admin(stack: Settings) -> Person:
    return register_first("alice")


def started(admin: Person) -> tuple[str, str]:
    project_id = call("POST", f"{PROFILE}/initialize", json_body={"name": "Acme"}, token=admin.token).json["projectId"]
    reply = call("POST", f"{PROFILE}/research/{project_id}", token=admin.token)
    assert reply.status == 202, reply.json
    return project_id, reply.json["researchJobId"]


def run_job(job_id: str) -> dict[str, object]:
    job = job_store.get(job_id)
    assert job is not None
    return research_company(JobContext(job=job, runner_id="unit", deadline=time.monotonic() + 30))


def test_without_a_provider_the_research_fails_saying_how_to_fix_it(admin: Person) -> None:
    # Given a research started while Claude is not configured
    project_id, job_id = started(admin)
    # When the runner takes the job
    outcome = run_job(job_id)
    # Then the research failed with the not-configured message, and its stream ends with it
    assert outcome == {"status": "failed"}
    profile = call("GET", PROFILE, token=admin.token).json
    assert profile["researchStatus"] == "failed" and "not configured" in profile["researchError"]
    page = call("GET", f"{PROFILE}/research/{project_id}/stream", query={"wait": "0"}, token=admin.token).json
    assert [e["type"] for e in page["events"]] == ["research.started", "research.failed"]
    assert page["done"] is True


def test_a_job_whose_research_was_replaced_does_nothing(admin: Person) -> None:
    # Given a research that failed and was started again
    project_id, first = started(admin)
    research.fail(first, "boom")
    call("POST", f"{PROFILE}/research/{project_id}", token=admin.token)
    # When the first job is delivered (late, or again)
    outcome = run_job(first)
    # Then it is skipped and the new run is untouched
    assert outcome == {"skipped": "this research is no longer the one running"}
    assert call("GET", PROFILE, token=admin.token).json["researchStatus"] == "researching"


def test_a_runner_that_stopped_mid_research_leaves_it_failed(admin: Person, stack: Settings) -> None:
    # Given a research whose runner took the job and died (the job has no attempt left)
    _, job_id = started(admin)
    job = job_store.get(job_id)
    assert job is not None
    job_store.start(job, "runner-that-died")
    [message] = queued_messages(stack)
    # When the message comes back to another runner
    outcome = Worker(stack, runner_id="unit", wait_seconds=0).handle(message)
    # Then the job is closed as failed, and so is the research, telling the admin to start it again
    assert outcome.delete
    closed = job_store.get(job_id)
    assert closed is not None and closed.status == JobStatus.FAILED
    profile = call("GET", PROFILE, token=admin.token).json
    assert (profile["researchStatus"], profile["researchError"]) == ("failed", research.INTERRUPTED)
