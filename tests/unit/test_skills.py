"""Skills through the REST API: SKILL.md CRUD with validation, project access rules, and a run becoming an
execution of the caller's on-demand schedule plus a queued "skill.run" job."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared import aws
from shared.models.jobs import Job
from shared.models.projects import ProjectMember, ProjectRole
from shared.models.schedules import Execution, Schedule
from tests.support.accounts import AccountsStack, Person, Reply, call, create_key, create_user, register_first
from tests.support.aws import queued_messages

REPORT = """---
name: weekly-report
description: Summarise the week's changes
allowed-tools: Read, Write
---
Read the notes of this week and write a one-page summary.
"""

WORKFLOW = """---
name: digest
description: Gather, then write
kind: workflow
steps:
  - name: gather
    prompt: List what changed this week.
  - name: write
    prompt: |
      Write the digest from that list.
      Keep it short.
---
The project is a company wiki.
"""


def make_project(person: Person, name: str = "wiki") -> str:
    reply = call("POST", "/api/projects", json_body={"name": name}, token=person.token)
    assert reply.status == 201, reply.json
    return str(reply.json["id"])


def put_skill(person: Person, project: str, name: str, content: str, **auth: Any) -> Reply:
    auth = auth or {"token": person.token}
    return call("PUT", f"/api/skills/{name}", json_body={"content": content}, query={"projectId": project}, **auth)


def run_skill(person: Person, project: str, name: str, **fields: Any) -> Reply:
    auth = {"api_key": fields.pop("api_key")} if "api_key" in fields else {"token": person.token}
    return call("POST", f"/api/skills/{name}/run", json_body={"projectId": project, **fields}, **auth)


def skill_key(project: str, name: str) -> str:
    return f"projects/{project}/files/.claude/skills/{name}/SKILL.md"


def test_a_skill_is_created_listed_viewed_replaced_and_deleted(accounts: AccountsStack) -> None:
    # Given a project
    alice = register_first("alice")
    project = make_project(alice)

    # When a skill is written, listed, read, replaced and deleted
    created = put_skill(alice, project, "weekly-report", REPORT)
    listed = call("GET", "/api/skills", query={"projectId": project}, token=alice.token)
    shown = call("GET", "/api/skills/weekly-report", query={"projectId": project}, token=alice.token)
    replaced = put_skill(alice, project, "weekly-report", REPORT.replace("one-page", "two-page"))
    deleted = call("DELETE", "/api/skills/weekly-report", query={"projectId": project}, token=alice.token)
    gone = call("GET", "/api/skills/weekly-report", query={"projectId": project}, token=alice.token)

    # Then each answers as documented, and the file lives where the CLI looks for skills
    assert created.status == 201 and replaced.status == 200
    assert listed.status == 200
    assert listed.json == [
        {
            "name": "weekly-report",
            "title": None,
            "description": "Summarise the week's changes",
            "kind": "skill",
            "stepCount": 0,
            "updatedAt": listed.json[0]["updatedAt"],
            "error": None,
        }
    ]
    assert shown.json["path"] == ".claude/skills/weekly-report/SKILL.md"
    assert shown.json["body"] == "Read the notes of this week and write a one-page summary."
    assert shown.json["frontMatter"]["allowed-tools"] == "Read, Write"
    assert shown.json["content"] == REPORT and shown.json["error"] is None
    assert "two-page" in replaced.json["body"]
    assert deleted.status == 204
    assert (gone.status, gone.code) == (404, "skill_not_found")
    listing = aws.client("s3").list_objects_v2(Bucket=accounts.settings.workspace_bucket, Prefix=f"projects/{project}/")
    assert "Contents" not in listing


def test_the_file_is_stored_under_dot_claude_skills(accounts: AccountsStack) -> None:
    alice = register_first("alice")
    project = make_project(alice)

    put_skill(alice, project, "weekly-report", REPORT)

    body = aws.client("s3").get_object(
        Bucket=accounts.settings.workspace_bucket, Key=skill_key(project, "weekly-report")
    )
    assert body["Body"].read().decode() == REPORT


def test_a_workflow_skill_shows_its_steps(accounts: AccountsStack) -> None:
    alice = register_first("alice")
    project = make_project(alice)

    reply = put_skill(alice, project, "digest", WORKFLOW)

    assert reply.status == 201, reply.json
    assert reply.json["kind"] == "workflow"
    assert reply.json["steps"] == [
        {"name": "gather", "prompt": "List what changed this week."},
        {"name": "write", "prompt": "Write the digest from that list.\nKeep it short."},
    ]
    assert reply.json["body"] == "The project is a company wiki."


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("no front matter here", "must start with YAML front matter"),
        ("---\nname: x\n", "not closed"),
        ("---\nname: weekly-report\ndescription: a: b\n---\nbody", "not valid YAML (line 3): mapping values"),
        ("---\n- a\n- b\n---\nbody", "must be YAML fields"),
        ("---\ndescription: d\n---\nbody", "needs 'name: weekly-report'"),
        ("---\nname: other\ndescription: d\n---\nbody", "'name: other', but the skill's folder is 'weekly-report'"),
        ("---\nname: weekly-report\n---\nbody", "needs a 'description'"),
        ("---\nname: weekly-report\ndescription: d\n---\n\n  \n", "no instructions after its front matter"),
        ("---\nname: weekly-report\ndescription: d\nkind: pipeline\n---\nbody", "'kind: pipeline' is not known"),
        ("---\nname: weekly-report\ndescription: d\nsteps: []\n---\nbody", "only apply to workflows"),
        ("---\nname: weekly-report\ndescription: d\nkind: workflow\n---\nbody", "A workflow needs 'steps'"),
        (
            "---\nname: weekly-report\ndescription: d\nkind: workflow\nsteps:\n  - name: a\n    prompt: p\n"
            "  - name: a\n    prompt: q\n---\n",
            "Two steps are named 'a'",
        ),
        (
            "---\nname: weekly-report\ndescription: d\nkind: agent-flow\nsteps:\n  - name: Gather Data\n"
            "    prompt: p\n---\n",
            "Step 1 needs a 'name' of lower-case letters",
        ),
        (
            "---\nname: weekly-report\ndescription: d\nkind: workflow\nsteps:\n  - name: a\n---\n",
            "Step 1 ('a') needs a 'prompt'",
        ),
        ("---\nname: weekly-report\ndescription: &d x\nx: *d\n---\nbody", "aliases"),
    ],
)
def test_an_invalid_skill_file_is_refused_with_the_reason(accounts: AccountsStack, content: str, says: str) -> None:
    alice = register_first("alice")
    project = make_project(alice)

    reply = put_skill(alice, project, "weekly-report", content)

    assert (reply.status, reply.code) == (400, "invalid_skill")
    assert says in reply.json["error"]["message"]


@pytest.mark.parametrize("name", ["Weekly", "week_report", "-report", "a" * 65, "rapport-été"])
def test_skill_names_are_checked(accounts: AccountsStack, name: str) -> None:
    alice = register_first("alice")
    project = make_project(alice)

    reply = put_skill(alice, project, name, REPORT.replace("weekly-report", name))

    assert (reply.status, reply.code) == (400, "invalid_skill_name")
    assert "lower-case letters" in reply.json["error"]["message"]


def test_a_hand_written_broken_skill_is_listed_with_its_problem(accounts: AccountsStack) -> None:
    alice = register_first("alice")
    project = make_project(alice)
    aws.client("s3").put_object(
        Bucket=accounts.settings.workspace_bucket, Key=skill_key(project, "broken"), Body=b"just text"
    )

    listed = call("GET", "/api/skills", query={"projectId": project}, token=alice.token)
    shown = call("GET", "/api/skills/broken", query={"projectId": project}, token=alice.token)
    run = run_skill(alice, project, "broken")

    assert listed.json[0]["name"] == "broken" and "front matter" in listed.json[0]["error"]
    assert shown.status == 200 and shown.json["content"] == "just text" and shown.json["error"]
    assert (run.status, run.code) == (400, "invalid_skill")


def test_others_cannot_see_or_touch_a_projects_skills(accounts: AccountsStack) -> None:
    # Given alice's project with a skill, bob (no access) and carol (a viewer)
    alice = register_first("alice")
    bob = create_user(alice, "bob")
    carol = create_user(alice, "carol")
    project = make_project(alice)
    put_skill(alice, project, "weekly-report", REPORT)
    ProjectMember(project, carol.id, role=ProjectRole.VIEWER.value).save()

    # Then bob is told the project does not exist, whatever he tries
    for method, path in [
        ("GET", "/api/skills"),
        ("GET", "/api/skills/weekly-report"),
        ("DELETE", "/api/skills/weekly-report"),
    ]:
        reply = call(method, path, query={"projectId": project}, token=bob.token)
        assert (reply.status, reply.code) == (404, "project_not_found"), (method, path)
    assert put_skill(bob, project, "weekly-report", REPORT).status == 404
    assert run_skill(bob, project, "weekly-report").status == 404
    # And carol may read but not change or run
    assert call("GET", "/api/skills", query={"projectId": project}, token=carol.token).status == 200
    assert put_skill(carol, project, "weekly-report", REPORT).code == "read_only_project"
    assert run_skill(carol, project, "weekly-report").code == "read_only_project"
    assert call("GET", "/api/skills", query={"projectId": project}).status == 401


def test_running_a_skill_creates_its_on_demand_schedule_an_execution_and_a_job(accounts: AccountsStack) -> None:
    # Given a project with a skill
    alice = register_first("alice")
    project = make_project(alice)
    put_skill(alice, project, "weekly-report", REPORT)

    # When it is run twice
    first = run_skill(alice, project, "weekly-report")
    second = run_skill(alice, project, "weekly-report")

    # Then each run is accepted at once with its own execution, on one on-demand schedule
    assert first.status == 202, first.json
    assert first.json["status"] == "running" and first.json["trigger"] == "manual" and first.json["started"]
    assert second.json["executionId"] != first.json["executionId"]
    assert second.json["scheduleId"] == first.json["scheduleId"]
    [schedule] = list(Schedule.scan())
    assert (schedule.kind, schedule.skill_name, schedule.cron) == ("on_demand", "weekly-report", None)
    assert schedule.next_run_at is None and schedule.due_shard is None  # never due
    execution = Execution.get(first.json["executionId"])
    assert (execution.kind, execution.status, execution.running) == ("skill", "running", "running")
    assert execution.skill_name == "weekly-report" and execution.project_id == project
    assert execution.deadline_at is not None and execution.deadline_at > execution.started_at
    assert first.json["pollUrl"] == f"/api/schedules/{schedule.schedule_id}/executions/{execution.execution_id}"
    # And a "skill.run" job per run, its id the execution's, with the schedule's timeout
    job = Job.get(execution.execution_id)
    assert (job.job_type, job.group_id, int(job.timeout_seconds)) == ("skill.run", schedule.schedule_id, 300)
    bodies = [json.loads(m["Body"]) for m in queued_messages(accounts.settings)]
    assert sorted(b["job_id"] for b in bodies) == sorted([first.json["executionId"], second.json["executionId"]])


def test_a_run_by_api_key_says_so_and_may_set_its_timeout(accounts: AccountsStack) -> None:
    alice = register_first("alice")
    project = make_project(alice)
    put_skill(alice, project, "weekly-report", REPORT)
    key = create_key(alice)["key"]

    reply = run_skill(alice, project, "weekly-report", api_key=key, timeoutSeconds=42)

    assert reply.status == 202, reply.json
    assert reply.json["trigger"] == "api_key"
    assert int(Job.get(reply.json["executionId"]).timeout_seconds) == 42
    assert run_skill(alice, project, "weekly-report", timeoutSeconds=3601).status == 400


def test_a_missing_skill_cannot_run(accounts: AccountsStack) -> None:
    alice = register_first("alice")
    project = make_project(alice)

    reply = run_skill(alice, project, "nothing-here")

    assert (reply.status, reply.code) == (404, "skill_not_found")
    assert not list(Schedule.scan()) and not list(Execution.scan())


def test_a_run_that_cannot_be_queued_is_recorded_failed(accounts: AccountsStack) -> None:
    alice = register_first("alice")
    project = make_project(alice)
    put_skill(alice, project, "weekly-report", REPORT)
    accounts.configure(STUDIO_JOBS_QUEUE_URL=accounts.settings.jobs_queue_url.replace("jobs.fifo", "gone.fifo"))

    reply = run_skill(alice, project, "weekly-report")

    assert (reply.status, reply.code) == (503, "unavailable")
    [execution] = list(Execution.scan())
    assert execution.status == "failed" and "could not be queued" in (execution.error or "")
    assert execution.running is None
    assert Schedule.get(execution.schedule_id).last_status == "failed"


def test_the_on_demand_schedule_only_takes_a_new_name_or_timeout(accounts: AccountsStack) -> None:
    alice = register_first("alice")
    project = make_project(alice)
    put_skill(alice, project, "weekly-report", REPORT)
    schedule_id = run_skill(alice, project, "weekly-report").json["scheduleId"]

    cron = call("PATCH", f"/api/schedules/{schedule_id}", json_body={"cron": "* * * * *"}, token=alice.token)
    timeout = call("PATCH", f"/api/schedules/{schedule_id}", json_body={"timeoutSeconds": 900}, token=alice.token)
    again = run_skill(alice, project, "weekly-report")

    assert (cron.status, cron.code) == (400, "on_demand_schedule")
    assert timeout.status == 200 and timeout.json["timeoutSeconds"] == 900 and timeout.json["nextRunAt"] is None
    assert int(Job.get(again.json["executionId"]).timeout_seconds) == 900
