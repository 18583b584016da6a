"""Onboarding through the REST API (moto in-process): the profile and its project, research states and their
events, the long-poll, documents, skip and complete (resumable, skippable), and who may do what."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from shared.accounts import users
from shared.accounts.domain import Principal
from shared.jobs import JobStatus
from shared.jobs import store as job_store
from shared.models.base import utcnow
from shared.models.onboarding import COMPANY_PROFILE_ID, CompanyProfile, ResearchDocument
from shared.onboarding import research, service
from shared.onboarding.documents import INLINE_LIMIT_BYTES
from shared.onboarding.research import ResearchStateError, ResearchTask
from shared.projects import service as projects
from shared.realtime import connections
from shared.settings import Settings
from tests.support.accounts import AccountsStack, Person, Reply, call, create_user, register_first
from tests.support.aws import ACCOUNT_ID, drain_queue, posted_events, queued_messages

PROFILE = "/api/profile/organization"


@pytest.fixture
def stack(accounts: AccountsStack) -> Iterator[Settings]:
    """Every table empty, no job message queued, nothing posted to a connection yet."""
    apigatewaymanagementapi_backends[ACCOUNT_ID]["us-east-1"].connections.clear()
    drain_queue(accounts.settings)
    yield accounts.settings
    drain_queue(accounts.settings)


@pytest.fixture
def admin(stack: Settings) -> Person:
    return register_first("alice")


@pytest.fixture
def user(admin: Person) -> Person:
    return create_user(admin, "bob")


def initialize(person: Person, **body: Any) -> Reply:
    return call("POST", f"{PROFILE}/initialize", json_body=body, token=person.token)


def start(person: Person, project_id: str) -> Reply:
    return call("POST", f"{PROFILE}/research/{project_id}", token=person.token)


def stream(person: Person, project_id: str, after: int = 0, wait: float = 0) -> Reply:
    query = {"after": str(after), "wait": str(wait)}
    return call("GET", f"{PROFILE}/research/{project_id}/stream", query=query, token=person.token)


def started(admin: Person, name: str = "Acme") -> tuple[str, str]:
    """A company introduced and its research started: (project id, job id)."""
    project_id = initialize(admin, name=name).json["projectId"]
    reply = start(admin, project_id)
    assert reply.status == 202, reply.json
    return project_id, reply.json["researchJobId"]


def task_of(job_id: str) -> ResearchTask:
    task = research.open_task(job_id)
    assert task is not None
    return task


def test_before_onboarding_there_is_no_profile(admin: Person) -> None:
    # When the profile is read before anyone introduced the company
    reply = call("GET", PROFILE, token=admin.token)
    # Then it is a 404 in the house error shape, and the summary says nothing exists
    assert reply.status == 404
    assert reply.without_request_id() == {"error": {"code": "profile_not_found", "message": "No company profile yet."}}
    assert service.summary().model_dump() == {
        "profile_exists": False,
        "completed": False,
        "project_id": None,
        "research_status": None,
        "company_name": None,
    }


def test_initialize_makes_the_profile_and_the_companys_project(admin: Person, user: Person) -> None:
    # When the admin introduces the company by name
    reply = initialize(admin, name="  Acme   Corp ")
    # Then the profile exists, pending, with a project of the admin named after the company
    assert reply.status == 201, reply.json
    body = reply.json
    assert (body["name"], body["website"], body["researchStatus"], body["onboardingCompleted"]) == (
        "Acme Corp", None, "pending", False
    )  # fmt: skip
    assert (body["researchSkipped"], body["researchError"], body["researchCursor"]) == (False, None, 0)
    project = projects.get(body["projectId"])
    assert (project.name, project.owner_id) == ("Acme Corp", admin.id)
    # And any signed-in user reads it; the summary says so too
    assert call("GET", PROFILE, token=user.token).json == body
    summary = service.summary()
    assert (summary.profile_exists, summary.company_name, summary.project_id) == (True, "Acme Corp", project.project_id)
    assert (summary.research_status, summary.completed) == ("pending", False)


def test_a_website_alone_names_the_company_and_initialize_again_updates_it(admin: Person) -> None:
    # Given a company introduced by its website only (no scheme: https is assumed)
    first = initialize(admin, website="www.acme-corp.example/about")
    assert first.status == 201, first.json
    assert (first.json["name"], first.json["website"]) == ("Acme Corp", "https://www.acme-corp.example/about")
    # When onboarding is resumed and the company introduced again
    again = initialize(admin, name="ACME", website="https://acme.example")
    only_site = initialize(admin, website="https://acme.example/en")
    # Then the same profile and project are updated; a later website alone keeps the name given
    assert again.status == 201 and again.json["projectId"] == first.json["projectId"]
    assert (again.json["name"], again.json["website"]) == ("ACME", "https://acme.example")
    assert (only_site.json["name"], only_site.json["website"]) == ("ACME", "https://acme.example/en")
    assert CompanyProfile.count() == 1


def test_a_project_name_already_taken_gets_a_variant(admin: Person) -> None:
    # Given the admin already has a project named like the company
    call("POST", "/api/projects", json_body={"name": "Acme"}, token=admin.token)
    # When the company is introduced
    reply = initialize(admin, name="Acme")
    # Then its project is a new one with a variant of the name
    assert reply.status == 201, reply.json
    assert projects.get(reply.json["projectId"]).name == "Acme (company)"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "name_or_website_required"),
        ({"name": "   ", "website": ""}, "name_or_website_required"),
        ({"website": "ftp://acme.example"}, "invalid_url"),
        ({"website": "https://user:secret@acme.example"}, "invalid_url"),
        ({"website": "https://127.0.0.1:8443"}, "name_required"),
        ({"name": "x" * 101}, "invalid_request"),
        ({"name": "Acme\x07"}, "invalid_name"),
        ({"name": "Acme", "size": 12}, "invalid_request"),
        ({"name": 12}, "invalid_request"),
    ],
)
def test_initialize_refuses_bad_input_in_words(admin: Person, body: dict[str, Any], code: str) -> None:
    reply = initialize(admin, **body)
    assert (reply.status, reply.code) == (400, code), reply.json
    assert reply.json["error"]["message"]
    assert CompanyProfile.count() == 0


def test_only_administrators_write(admin: Person, user: Person) -> None:
    # Given a company introduced by the admin
    project_id = initialize(admin, name="Acme").json["projectId"]
    # When a non-admin calls each write route
    writes = [
        ("POST", f"{PROFILE}/initialize", {"name": "Evil"}),
        ("POST", f"{PROFILE}/detect", {"url": "https://acme.example"}),
        ("POST", f"{PROFILE}/research/{project_id}", None),
        ("POST", f"{PROFILE}/research/{project_id}/skip", None),
        ("POST", "/api/profile/onboarding/complete", None),
    ]
    replies = [call(method, path, json_body=body, token=user.token) for method, path, body in writes]
    # Then each is refused, and nothing changed; the research stream and documents of a project they cannot
    # open do not exist for them; without a token, nothing at all
    assert [(r.status, r.code) for r in replies] == [(403, "admin_only")] * len(writes)
    assert call("GET", PROFILE, token=admin.token).json["name"] == "Acme"
    assert stream(user, project_id).code == "project_not_found"
    reply = call("GET", f"{PROFILE}/research/{project_id}/documents", token=user.token)
    assert (reply.status, reply.code) == (404, "project_not_found")
    assert call("GET", PROFILE).status == 401


def test_starting_research_queues_the_job_and_announces_it(admin: Person, stack: Settings) -> None:
    # Given the admin has a WebSocket connection open, and the company is introduced
    connections.remember("conn-alice", user_id=admin.id)
    project_id = initialize(admin, name="Acme", website="https://acme.example").json["projectId"]
    # When the research is started
    reply = start(admin, project_id)
    # Then the profile is researching with the job queued (project and admin in its payload)
    assert reply.status == 202, reply.json
    body = reply.json
    assert (body["researchStatus"], body["researchCursor"]) == ("researching", 0)
    [message] = queued_messages(stack)
    job = job_store.get(body["researchJobId"])
    assert job is not None and json.loads(message["Body"])["job_id"] == job.job_id
    assert (job.job_type, job.payload) == ("onboarding.research", {"project_id": project_id, "user_id": admin.id})
    # And research.started is the first event, logged and posted to the admin's connection
    page = stream(admin, project_id).json
    expected = {
        "type": "research.started",
        "jobId": job.job_id,
        "company": "Acme",
        "website": "https://acme.example",
        "projectId": project_id,
        "seq": 1,
    }
    assert page == {"events": [expected], "cursor": 1, "status": "researching", "done": False}
    assert posted_events("conn-alice") == [expected]
    # And a second start while it runs is a conflict
    again = start(admin, project_id)
    assert (again.status, again.code) == (409, "research_running")


def test_research_needs_the_companys_own_project(admin: Person) -> None:
    other = call("POST", "/api/projects", json_body={"name": "Other"}, token=admin.token).json["id"]
    none_yet = start(admin, other)
    initialize(admin, name="Acme")
    wrong = start(admin, other)
    malformed = start(admin, "x" * 65)
    assert (none_yet.status, none_yet.code) == (404, "profile_not_found")
    assert (wrong.status, wrong.code) == (404, "not_company_project")
    assert malformed.status == 400


def test_a_run_relays_progress_records_documents_and_completes(admin: Person, stack: Settings) -> None:
    # Given a research started (the job's side is the domain's runner API)
    connections.remember("conn-alice", user_id=admin.id)
    project_id, job_id = started(admin)
    task = task_of(job_id)
    assert (task.company, task.project_id, task.user_id) == ("Acme", project_id, admin.id)
    # When the run relays progress, records two documents (one too large to keep inline) and completes
    task.progress({"text": "Looking at acme.example."})
    task.progress({"tool": "Write", "summary": "Write research/overview.md"})
    task.document("research/overview.md", "# Acme overview\n\nAcme makes anvils.\n")
    task.document("research/market.md", "Market notes\n" + "x" * INLINE_LIMIT_BYTES)
    task.complete(2)
    # Then the stream holds every event in order, strictly increasing, and says the research is done
    page = stream(admin, project_id).json
    types = [event["type"] for event in page["events"]]
    assert types == [
        "research.started", "research.progress", "research.progress", "research.document", "research.document",
        "research.completed",
    ]  # fmt: skip
    seqs = [event["seq"] for event in page["events"]]
    assert seqs == sorted(set(seqs)) and (page["cursor"], page["status"], page["done"]) == (seqs[-1], "completed", True)
    assert page["events"][1]["text"] == "Looking at acme.example."
    assert page["events"][3]["title"] == "Acme overview" and page["events"][3]["path"] == "research/overview.md"
    assert page["events"][-1]["documents"] == 2
    # And the WebSocket got the same events, in the same order
    assert posted_events("conn-alice") == page["events"]
    # And the documents are listed, the small one inline, the large one by its S3 key
    listed = call("GET", f"{PROFILE}/research/{project_id}/documents", token=admin.token).json
    assert [(d["path"], d["title"]) for d in listed] == [
        ("research/market.md", "Market"), ("research/overview.md", "Acme overview")
    ]  # fmt: skip
    assert listed[1]["size"] == len("# Acme overview\n\nAcme makes anvils.\n")
    rows = {row.path: row for row in ResearchDocument.query(COMPANY_PROFILE_ID)}
    assert rows["research/overview.md"].content.startswith("# Acme overview")
    assert rows["research/market.md"].content is None
    assert rows["research/market.md"].s3_key == f"projects/{project_id}/files/research/market.md"
    profile = call("GET", PROFILE, token=admin.token).json
    assert (profile["researchStatus"], profile["researchError"]) == ("completed", None)
    assert profile["researchFinishedAt"] is not None
    # And the finished run can write nothing more
    with pytest.raises(ResearchStateError):
        task.progress({"text": "late"})


def test_a_failed_research_is_retried_and_the_old_run_is_shut_out(admin: Person) -> None:
    # Given a research that failed
    project_id, first_job = started(admin)
    assert research.fail(first_job, "Claude's API answered 500: overloaded")
    failed = call("GET", PROFILE, token=admin.token).json
    assert (failed["researchStatus"], failed["researchError"]) == ("failed", "Claude's API answered 500: overloaded")
    last = stream(admin, project_id).json
    assert last["events"][-1] == {
        "type": "research.failed", "message": "Claude's API answered 500: overloaded", "projectId": project_id,
        "seq": 2,
    }  # fmt: skip
    assert last["done"] is True
    # When it is retried with the same call
    retry = start(admin, project_id)
    # Then a new run starts, its cursor after the old run's events, the error cleared
    assert retry.status == 202, retry.json
    assert (retry.json["researchStatus"], retry.json["researchError"], retry.json["researchCursor"]) == (
        "researching", None, 2
    )  # fmt: skip
    assert retry.json["researchJobId"] != first_job
    fresh = stream(admin, project_id, after=retry.json["researchCursor"]).json
    assert [(e["type"], e["seq"]) for e in fresh["events"]] == [("research.started", 3)]
    # And the first run's job can neither open nor end the new run
    assert research.open_task(first_job) is None
    assert research.fail(first_job, "late") is False
    assert call("GET", PROFILE, token=admin.token).json["researchStatus"] == "researching"


def test_the_long_poll_waits_for_the_next_event(admin: Person) -> None:
    # Given a running research whose events so far were all read
    project_id, job_id = started(admin)
    task = task_of(job_id)
    caller = Principal(account=_account(admin), via="token")
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # the first wait ends with an event arriving
        sleeps.append(seconds)
        if len(sleeps) == 1:
            task.progress({"text": "Found their site."})

    # When the stream is asked for what comes after, waiting
    page = service.stream(caller, project_id, after=1, wait=20, sleep=sleep)
    # Then it waited (found nothing, slept), then answered with the new event only
    assert sleeps == [service.POLL_SECONDS]
    assert [(e["type"], e["seq"]) for e in page.events] == [("research.progress", 2)]
    assert (page.cursor, page.status, page.done) == (2, "researching", False)


def test_the_long_poll_answers_at_once_when_nothing_will_come(admin: Person) -> None:
    # Given a company whose research never started, and one whose research ended
    project_id = initialize(admin, name="Acme").json["projectId"]
    caller = Principal(account=_account(admin), via="token")

    def never(seconds: float) -> None:
        raise AssertionError("the long-poll must not wait when no research runs")

    # When the stream is asked with a long wait, then it answers at once: nothing, done
    page = service.stream(caller, project_id, after=0, wait=25, sleep=never)
    assert (page.events, page.cursor, page.status, page.done) == ([], 0, "pending", True)


def test_the_long_poll_gives_up_after_its_wait(admin: Person) -> None:
    project_id, _ = started(admin)
    caller = Principal(account=_account(admin), via="token")
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    page = service.stream(caller, project_id, after=1, wait=2, sleep=sleep, clock=lambda: now[0])
    assert (page.events, page.cursor, page.status, page.done) == ([], 1, "researching", False)
    assert now[0] == 2.0


@pytest.mark.parametrize("query", [{"after": "-1"}, {"wait": "26"}, {"wait": "soon"}, {"after": "1.5"}])
def test_the_stream_refuses_bad_parameters(admin: Person, query: dict[str, str]) -> None:
    project_id = initialize(admin, name="Acme").json["projectId"]
    reply = call("GET", f"{PROFILE}/research/{project_id}/stream", query=query, token=admin.token)
    assert (reply.status, reply.code) == (400, "invalid_request"), reply.json


def test_a_research_whose_job_ended_without_it_is_failed_when_read(admin: Person) -> None:
    # Given a research whose job the runner closed without ending the research (it stopped mid-run)
    project_id, job_id = started(admin)
    job = job_store.get(job_id)
    assert job is not None
    job_store.finish(job, JobStatus.TIMEOUT, error="The job did not finish within 900 seconds.")
    # When the profile is read
    profile = call("GET", PROFILE, token=admin.token).json
    # Then the research failed with the job's reason, and the stream ends with research.failed
    assert profile["researchStatus"] == "failed"
    assert "did not finish within 900 seconds" in profile["researchError"]
    page = stream(admin, project_id).json
    assert page["events"][-1]["type"] == "research.failed" and page["done"] is True


def test_a_research_never_queued_is_failed_after_a_grace(admin: Person) -> None:
    # Given a research whose job record does not exist, started long ago
    project_id = initialize(admin, name="Acme").json["projectId"]
    profile = CompanyProfile.get(COMPANY_PROFILE_ID)
    profile.update(
        actions=[
            CompanyProfile.research_status.set("researching"),
            CompanyProfile.research_job_id.set("0" * 32),
            CompanyProfile.research_started_at.set(utcnow() - timedelta(minutes=10)),
        ]
    )
    # When it is read, then it failed, saying so
    body = call("GET", PROFILE, token=admin.token).json
    assert (body["researchStatus"], body["researchError"]) == (
        "failed", "The research was never picked up by the runner. Start it again."
    )  # fmt: skip
    assert start(admin, project_id).status == 202


def test_a_runner_that_stopped_fails_the_research(admin: Person) -> None:
    _, job_id = started(admin)
    research.interrupted(job_id)
    body = call("GET", PROFILE, token=admin.token).json
    assert (body["researchStatus"], body["researchError"]) == ("failed", research.INTERRUPTED)


def test_research_can_be_skipped_when_pending_or_failed(admin: Person) -> None:
    # Given a company introduced (research pending)
    project_id = initialize(admin, name="Acme").json["projectId"]
    # When the research is skipped
    skipped = call("POST", f"{PROFILE}/research/{project_id}/skip", token=admin.token)
    # Then the status stays pending, marked skipped; and skipping again is fine
    assert skipped.status == 200, skipped.json
    assert (skipped.json["researchStatus"], skipped.json["researchSkipped"]) == ("pending", True)
    assert call("POST", f"{PROFILE}/research/{project_id}/skip", token=admin.token).status == 200
    # And while research runs, or after it completed, skipping is a conflict; a new start clears the mark
    job_id = start(admin, project_id).json["researchJobId"]
    assert call("GET", PROFILE, token=admin.token).json["researchSkipped"] is False
    running = call("POST", f"{PROFILE}/research/{project_id}/skip", token=admin.token)
    task_of(job_id).complete(1)
    done = call("POST", f"{PROFILE}/research/{project_id}/skip", token=admin.token)
    assert (running.status, running.code) == (409, "research_running")
    assert (done.status, done.code) == (409, "research_completed")


def test_onboarding_completes_without_a_profile_and_stays_resumable(admin: Person) -> None:
    # When the admin skips every screen and completes onboarding
    reply = call("POST", "/api/profile/onboarding/complete", token=admin.token)
    # Then onboarding is complete, the company still not introduced
    assert reply.status == 200, reply.json
    assert (reply.json["onboardingCompleted"], reply.json["name"], reply.json["projectId"]) == (True, None, None)
    assert call("GET", PROFILE, token=admin.token).code == "profile_not_found"
    summary = service.summary()
    assert (summary.profile_exists, summary.completed, summary.research_status) == (False, True, None)
    # And introducing the company later still works, and completion is kept (with its first time)
    later = initialize(admin, name="Acme")
    again = call("POST", "/api/profile/onboarding/complete", token=admin.token)
    assert later.status == 201 and later.json["onboardingCompleted"] is True and later.json["projectId"]
    assert again.json["completedAt"] == reply.json["completedAt"]
    assert service.summary().profile_exists is True


def test_onboarding_completes_after_a_skipped_research(admin: Person) -> None:
    project_id, job_id = started(admin)
    research.fail(job_id, "no key")
    call("POST", f"{PROFILE}/research/{project_id}/skip", token=admin.token)
    reply = call("POST", "/api/profile/onboarding/complete", token=admin.token)
    assert (reply.json["onboardingCompleted"], reply.json["researchStatus"], reply.json["researchSkipped"]) == (
        True, "failed", True
    )  # fmt: skip


def test_deleting_the_companys_project_forgets_it(admin: Person) -> None:
    project_id, job_id = started(admin)
    task_of(job_id).document("research/overview.md", "# Overview\n")
    counts = service.delete_for_project(project_id)
    assert counts == {"research_documents": 1, "research_events": 2}
    assert call("GET", PROFILE, token=admin.token).json["projectId"] is None


def test_deleting_the_companys_project_through_the_api_deletes_its_research(admin: Person) -> None:
    project_id, job_id = started(admin)
    task_of(job_id).document("research/overview.md", "# Overview\n")

    deleted = call("DELETE", f"/api/projects/{project_id}", token=admin.token)

    assert deleted.status in (200, 204), deleted.json
    assert call("GET", PROFILE, token=admin.token).json["projectId"] is None
    assert call("GET", f"{PROFILE}/research/{project_id}/documents", token=admin.token).status == 404


def _account(person: Person) -> Any:
    account = users.get(person.id)
    assert account is not None
    return account
