"""Integrations end to end: a run by API key on the local stack, the real Claude CLI against the fake Messages API,
polled until done, and its signed callback received on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from shared.integrations.signing import verify_signature
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack, wait_until
from tests.unit.test_integrations import CallbackReceiver

WAIT = 60
pytestmark = requires_claude
DONE = {"completed", "failed", "aborted"}


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    server = CallbackReceiver()
    yield server
    server.close()


@pytest.fixture
def integration(stack: LocalStack, api: FakeAnthropic) -> dict[str, Any]:
    """A project and an API key, both made through the REST API as a person would make them."""
    api.script()  # nothing left over from another test
    admin = {"Authorization": f"Bearer {stack.admin_token()}"}
    project = requests.post(
        f"{stack.base_url}/api/projects", json={"name": f"reports {time.monotonic_ns()}"}, headers=admin, timeout=30
    )
    key = requests.post(f"{stack.base_url}/api/api-keys", json={"name": "ci"}, headers=admin, timeout=30)
    project.raise_for_status()
    key.raise_for_status()
    return {"projectId": project.json()["id"], "key": key.json()["key"], "secret": key.json()["signingSecret"]}


def start(stack: LocalStack, integration: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = requests.post(
        f"{stack.base_url}/api/integrations/runs",
        json={"projectId": integration["projectId"], **body},
        headers={"X-API-Key": integration["key"]},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return dict(response.json())


def poll_until_done(url: str, key: str) -> dict[str, Any]:
    """Poll the run as an integration would, until it reaches a final state."""

    def done() -> dict[str, Any] | None:
        run = requests.get(url, headers={"X-API-Key": key}, timeout=10).json()
        return run if run["status"] in DONE else None

    return dict(wait_until(done, timeout=WAIT, interval=0.25, what="the run to finish"))


def test_a_run_by_api_key_completes_and_its_signed_callback_arrives(
    stack: LocalStack, api: FakeAnthropic, integration: dict[str, Any], receiver: CallbackReceiver
):
    # Given a scripted answer and a callback receiver on 127.0.0.1
    api.script(Reply.text(["The quarter ", "closed ", "up 4%."], delay=0.05))

    # When an integration starts a run with its key, then polls it
    started = start(
        stack, integration, prompt="How did the quarter close?", callbackUrl=f"{receiver.url}/hook", metadata={"n": 7}
    )
    run = poll_until_done(started["pollUrl"], integration["key"])

    # Then the run completed with the scripted answer and what it cost
    assert (run["status"], run["result"], run["error"]) == ("completed", "The quarter closed up 4%.", None)
    assert run["usage"]["outputTokens"] > 0 and run["costUsd"] > 0 and run["durationMs"] > 0
    assert "How did the quarter close?" in api.message_requests[-1].last_user_text
    # and its callback arrived, signed with the key's secret, with the same outcome
    [callback] = receiver.wait_for(1, timeout=WAIT)
    assert verify_signature(integration["secret"], callback.headers["x-studio-signature"], callback.body)
    assert callback.headers["x-studio-run-id"] == started["id"]
    body = callback.json()
    assert (body["id"], body["status"], body["result"]) == (started["id"], "completed", "The quarter closed up 4%.")
    assert (body["sessionId"], body["metadata"]) == (started["sessionId"], {"n": 7})
    # and the run records the delivery
    delivered = wait_until(
        lambda: (
            (r := requests.get(started["pollUrl"], headers={"X-API-Key": integration["key"]}, timeout=10).json())
            and r["callback"]["status"] == "delivered"
            and r
        ),
        timeout=10,
        interval=0.1,
        what="the delivery to be recorded",
    )
    assert delivered["callback"] == {"url": f"{receiver.url}/hook", "status": "delivered", "attempts": 1}


def test_a_run_edits_files_without_anyone_approving(stack: LocalStack, api: FakeAnthropic, integration: dict[str, Any]):
    # Given Claude scripted to write a file, then answer
    api.script(Reply.write("report.md", "# Q3\n"), Reply.text("Report written."))

    # When an integration runs the prompt (acceptEdits by default: nobody is there to approve)
    started = start(stack, integration, prompt="Write the report")
    run = poll_until_done(started["pollUrl"], integration["key"])

    # Then the run completed and the file is in the project's storage
    assert (run["status"], run["result"], run["callback"]) == ("completed", "Report written.", None)
    key = f"projects/{integration['projectId']}/files/report.md"
    assert stack.client("s3").get_object(Bucket="studio-workspace", Key=key)["Body"].read() == b"# Q3\n"
