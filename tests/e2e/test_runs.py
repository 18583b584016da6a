"""Scheduled prompts and skills end to end: the REST API, the queue, the runner driving the real Claude Code CLI
against a scripted fake Messages API, and what each run leaves behind (execution, output file, schedule, JSONL
log, usage) in the local stack's S3 and DynamoDB."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import requests

from shared.models.usage import UsageEvent
from tests.e2e.test_chat import _claude_processes
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack, bound_to, wait_until

WAIT = 90
BUCKET = "studio-workspace"
NEVER = "0 0 1 1 *"  # due once a year: these tests run schedules by hand
pytestmark = requires_claude

WORKFLOW = """---
name: weekly-digest
description: Gather, draft and polish the weekly digest
kind: workflow
steps:
  - name: gather
    prompt: List what changed this week.
  - name: draft
    prompt: Draft the digest from that list.
  - name: polish
    prompt: Polish the draft into the final digest.
---
The project is the company wiki.
"""


class Studio:
    """The REST API as the administrator, and the stack's S3."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {stack.admin_token()}"

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.stack.base_url}{path}", timeout=30, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def project(self) -> str:
        return str(self.call("POST", "/api/projects", 201, json={"name": f"runs {time.monotonic_ns()}"})["id"])

    def schedule(self, project: str, **fields: Any) -> dict[str, Any]:
        body = {"name": "Morning digest", "projectId": project, "cron": NEVER, "prompt": "Write the digest"} | fields
        return dict(self.call("POST", "/api/schedules", 201, json=body))

    def finished(self, accepted: dict[str, Any]) -> dict[str, Any]:
        """Poll the run until it leaves `running` (bounded)."""

        def done() -> dict[str, Any] | None:
            run = self.call("GET", accepted["pollUrl"], 200)
            return run if run["status"] != "running" else None

        return dict(wait_until(done, timeout=WAIT, interval=0.2, what="the run to finish"))

    def file(self, project: str, path: str) -> str:
        s3 = self.stack.client("s3")
        return str(s3.get_object(Bucket=BUCKET, Key=f"projects/{project}/files/{path}")["Body"].read().decode())

    def log(self, project: str, schedule_id: str) -> list[dict[str, Any]]:
        text = self.file(project, f".sasha/schedules/{schedule_id}.jsonl")
        return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def studio(stack: LocalStack, api: FakeAnthropic) -> Studio:
    api.script()  # nothing left over from another test
    return Studio(stack)


def test_run_now_of_a_scheduled_prompt_records_everything(studio: Studio, stack: LocalStack, api: FakeAnthropic):
    # Given a scheduled prompt
    api.script(Reply.text(["Today: ", "three notes ", "changed."]))
    project = studio.project()
    schedule = studio.schedule(project)

    # When it is run now
    accepted = studio.call("POST", f"/api/schedules/{schedule['id']}/run", 202)
    run = studio.finished(accepted)

    # Then the run completed with its usage, and its output is a file in the project
    assert run["status"] == "completed", run
    assert (run["trigger"], run["kind"], run["error"]) == ("manual", "prompt", None)
    assert run["tokensIn"] > 0 and run["tokensOut"] > 0 and run["costUsd"] > 0 and run["durationMs"] > 0
    assert re.fullmatch(r"outputs/morning-digest/\d{8}T\d{6}Z\.md", run["outputFile"]), run["outputFile"]
    assert studio.file(project, run["outputFile"]) == "Today: three notes changed.\n"
    # And the CLI got the prompt, headless and told nobody is there
    request = api.message_requests[-1]
    assert "Write the digest" in request.last_user_text
    assert "unattended run" in request.system_text
    # And the schedule, its JSONL log and the usage say so too
    after = studio.call("GET", f"/api/schedules/{schedule['id']}", 200)
    assert after["lastStatus"] == "completed" and after["lastRunAt"]
    [line] = studio.log(project, schedule["id"])
    assert line["executionId"] == run["id"] and line["status"] == "completed"
    assert (line["outputFile"], line["tokensOut"]) == (run["outputFile"], run["tokensOut"])
    with bound_to(stack):
        # the model gateway records a usage row per model request of the run (priced from its own list)
        rows = wait_until(
            lambda: [u for u in UsageEvent.scan() if u.execution_id == run["id"]], timeout=WAIT, what="the usage rows"
        )
    assert {u.kind for u in rows} == {"scheduled_prompt"} and all(u.cost_usd > 0 for u in rows)
    assert (sum(u.tokens_in for u in rows), sum(u.tokens_out for u in rows)) == (run["tokensIn"], run["tokensOut"])


def test_a_skill_run_completes_and_may_edit_files(studio: Studio, api: FakeAnthropic):
    # Given a skill that writes a file
    api.script(Reply.write("hello.md", "# Hello\n"), Reply.text("Wrote hello.md."))
    project = studio.project()
    skill = "---\nname: greet\ndescription: Say hello in a file\n---\nWrite hello.md with a greeting.\n"
    studio.call("PUT", "/api/skills/greet", 201, params={"projectId": project}, json={"content": skill})
    requests_before = len(api.message_requests)

    # When it is run
    accepted = studio.call("POST", "/api/skills/greet/run", 202, json={"projectId": project})
    run = studio.finished(accepted)

    # Then the skill's body was the prompt, the edit was allowed without asking, and the run is recorded
    assert run["status"] == "completed", run
    assert (run["kind"], run["skillName"], run["trigger"]) == ("skill", "greet", "manual")
    assert "Write hello.md with a greeting." in api.message_requests[requests_before].last_user_text
    assert studio.file(project, "hello.md") == "# Hello\n"
    assert studio.file(project, run["outputFile"]) == "Wrote hello.md.\n"
    assert run["outputFile"].startswith("outputs/greet/")
    schedule = studio.call("GET", f"/api/schedules/{accepted['scheduleId']}", 200)
    assert (schedule["kind"], schedule["lastStatus"]) == ("on_demand", "completed")
    assert [line["executionId"] for line in studio.log(project, accepted["scheduleId"])] == [run["id"]]


def test_a_three_step_workflow_records_each_step(studio: Studio, api: FakeAnthropic):
    # Given a workflow skill of three steps
    api.script(
        Reply.text("Gathered: A, B.").when_last_user_contains("Step 1 of 3"),
        Reply.text("Draft: A then B.").when_last_user_contains("Step 2 of 3"),
        Reply.text("Final: A, then B.").when_last_user_contains("Step 3 of 3"),
    )
    project = studio.project()
    studio.call("PUT", "/api/skills/weekly-digest", 201, params={"projectId": project}, json={"content": WORKFLOW})

    # When it is run
    accepted = studio.call("POST", "/api/skills/weekly-digest/run", 202, json={"projectId": project})
    run = studio.finished(accepted)

    # Then every step ran in order, each with its own output file, and the run's file holds them all
    assert run["status"] == "completed", run
    assert [(s["name"], s["status"]) for s in run["steps"]] == [
        ("gather", "completed"), ("draft", "completed"), ("polish", "completed")
    ]  # fmt: skip
    files = [s["outputFile"] for s in run["steps"]]
    assert [studio.file(project, f) for f in files] == [
        "Gathered: A, B.\n",
        "Draft: A then B.\n",
        "Final: A, then B.\n",
    ]
    assert files[0].endswith("/01-gather.md") and files[0].startswith(run["outputFile"].removesuffix(".md"))
    report = studio.file(project, run["outputFile"])
    assert report.index("Gathered") < report.index("Draft:") < report.index("Final:")
    # And each step was told where the previous step's output is, with the skill's body as context
    prompts = [r.last_user_text for r in api.message_requests[-3:]]
    assert all("The project is the company wiki." in p for p in prompts)
    assert f"`{files[0]}`" in prompts[1] and f"`{files[1]}`" in prompts[2]
    assert api.unscripted == []
    [line] = studio.log(project, accepted["scheduleId"])
    assert [s["status"] for s in line["steps"]] == ["completed"] * 3


def test_a_failing_step_stops_the_plan(studio: Studio, api: FakeAnthropic):
    # Given a workflow whose second step meets an API error (the CLI does not retry: CLAUDE_CODE_MAX_RETRIES=0)
    api.script(
        Reply.text("Gathered.").when_last_user_contains("Step 1 of 3"),
        Reply.http_error(500).when_last_user_contains("Step 2 of 3"),
    )
    project = studio.project()
    studio.call("PUT", "/api/skills/weekly-digest", 201, params={"projectId": project}, json={"content": WORKFLOW})
    requests_before = len(api.message_requests)

    # When it is run
    accepted = studio.call("POST", "/api/skills/weekly-digest/run", 202, json={"projectId": project})
    run = studio.finished(accepted)

    # Then the run failed at step 2, step 3 never ran, and the error says where and why
    assert run["status"] == "failed", run
    assert [s["status"] for s in run["steps"]] == ["completed", "failed", "skipped"]
    assert "Step 2 of 3 (draft) did not complete" in run["error"] and "500" in run["error"]
    assert "500" in run["steps"][1]["error"]
    assert len(api.message_requests) - requests_before == 2
    assert studio.file(project, run["steps"][0]["outputFile"]) == "Gathered.\n"
    schedule = studio.call("GET", f"/api/schedules/{accepted['scheduleId']}", 200)
    assert schedule["lastStatus"] == "failed"
    [line] = studio.log(project, accepted["scheduleId"])
    assert line["status"] == "failed" and line["error"] == run["error"]


def test_a_run_past_its_timeout_is_killed_and_marked_timeout(studio: Studio, stack: LocalStack, api: FakeAnthropic):
    # Given a scheduled prompt with a 5 s timeout whose answer stalls
    api.script(Reply.stall(["Thinking about "]))
    project = studio.project()
    schedule = studio.schedule(project, timeoutSeconds=5)

    # When it is run now
    accepted = studio.call("POST", f"/api/schedules/{schedule['id']}/run", 202)
    run = studio.finished(accepted)

    # Then the CLI was stopped at the deadline and the run says it timed out
    assert run["status"] == "timeout", run
    assert run["error"] == "The run took longer than its timeout of 5 s and was stopped."
    assert 5000 <= run["durationMs"] < 25_000
    assert _claude_processes(stack) == []
    stalled = api.wait_until_hanging(timeout=1)
    api.wait_for(lambda: stalled.client_gone, timeout=10, what="the killed CLI to drop its connection")
    after = studio.call("GET", f"/api/schedules/{schedule['id']}", 200)
    assert after["lastStatus"] == "timeout"
    [line] = studio.log(project, schedule["id"])
    assert line["status"] == "timeout"
