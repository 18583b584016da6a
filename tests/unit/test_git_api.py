"""The Git routes' own checks, before any job is queued: input, access, remotes and their sealed credentials.

The jobs themselves run in tests/e2e/test_git_e2e.py (real runner) and tests/unit/test_git_repository.py.
"""

from __future__ import annotations

import pytest

from shared.git import remotes, service
from shared.jobs import JobStatus, store
from shared.jobs.store import Job
from shared.models.git import GitRemote
from shared.models.projects import ProjectMember, ProjectRole
from tests.support.accounts import AccountsStack, Person, call, create_user, register_first

TOKEN = "ghp_exampletoken1234abcd"


def make_project(person: Person, name: str = "handbook") -> str:
    reply = call("POST", "/api/projects", json_body={"name": name}, token=person.token)
    assert reply.status == 201, reply.json
    return str(reply.json["id"])


def put_remote(person: Person, project: str, name: str = "origin", **body: object) -> object:
    body = {"projectId": project, "url": "https://git.example.com/acme/handbook.git", **body}
    return call("PUT", f"/api/git/remotes/{name}", json_body=body, token=person.token)


def test_bad_input_is_refused_with_a_clear_message_before_anything_runs(accounts: AccountsStack) -> None:
    admin = register_first()
    project = make_project(admin)
    cases = [
        ("GET", "/api/git/status", {"projectId": "not-an-id"}, None),
        ("GET", "/api/git/diff", {"projectId": project, "path": "../etc/passwd"}, None),
        ("GET", "/api/git/log", {"projectId": project, "limit": "0"}, None),
        ("POST", "/api/git/stage", None, {"projectId": project}),
        ("POST", "/api/git/stage", None, {"projectId": project, "paths": ["a/../../b"]}),
        ("POST", "/api/git/commit", None, {"projectId": project, "message": "   "}),
        ("POST", "/api/git/commit", None, {"projectId": project, "message": "x" * 10_001}),
        ("POST", "/api/git/branches", None, {"projectId": project, "name": "two words"}),
        ("POST", "/api/git/checkout", None, {"projectId": project, "branch": "../main"}),
        ("POST", "/api/git/push", None, {"projectId": project, "remote": "-upload-pack=evil"}),
    ]
    for method, path, query, body in cases:
        reply = call(method, path, query=query, json_body=body, token=admin.token)
        assert reply.status == 400, (path, query, body, reply.json)
        assert reply.json["error"]["message"], reply.json


def test_only_people_of_the_project_reach_its_repository(accounts: AccountsStack) -> None:
    admin = register_first()
    bob = create_user(admin, "bob")
    carol = create_user(admin, "carol")
    project = make_project(bob)
    # a stranger: not found; a viewer: may read (the job would run) but not change
    assert call("GET", "/api/git/remotes", query={"projectId": project}, token=carol.token).status == 404
    ProjectMember(project, carol.id, role=ProjectRole.VIEWER.value).save()
    assert call("GET", "/api/git/remotes", query={"projectId": project}, token=carol.token).status == 200
    for path, body in (("/api/git/stage", {"all": True}), ("/api/git/commit", {"message": "x"}), ("/api/git/push", {})):
        reply = call("POST", path, json_body={"projectId": project, **body}, token=carol.token)
        assert reply.status == 403 and reply.json["error"]["code"] == "read_only_project", path
    # an editor may work in the repository but not set its remotes; the owner may
    ProjectMember(project, carol.id, role=ProjectRole.EDITOR.value).save()
    assert put_remote(carol, project, token=TOKEN).status == 403
    assert put_remote(bob, project, token=TOKEN).status == 200


def test_a_remote_keeps_its_secret_sealed_and_shows_a_hint_only(accounts: AccountsStack) -> None:
    admin = register_first()
    project = make_project(admin)

    saved = put_remote(admin, project, username="alice", token=TOKEN)
    assert saved.status == 200
    assert saved.json == {
        "name": "origin", "url": "https://git.example.com/acme/handbook.git", "username": "alice",
        "credential": "token", "hint": "abcd",
    }  # fmt: skip
    listed = call("GET", "/api/git/remotes", query={"projectId": project}, token=admin.token)
    assert listed.json == [saved.json] and TOKEN not in str(listed.json)
    row = GitRemote.get(project, "origin")
    assert TOKEN.encode() not in bytes(row.secret.ciphertext)
    assert remotes.access(project, "origin") == remotes.RemoteAccess(
        "origin", "https://git.example.com/acme/handbook.git", "alice", TOKEN
    )

    # Changing the URL alone keeps the credential; a password replaces it
    moved = put_remote(admin, project, url="https://git.example.com/acme/wiki.git", username="alice")
    assert moved.json["hint"] == "abcd" and moved.json["url"].endswith("/wiki.git")
    swapped = put_remote(admin, project, username="alice", password="correct horse 9")
    assert (swapped.json["credential"], swapped.json["hint"]) == ("password", "se 9")

    assert call("DELETE", "/api/git/remotes/origin", query={"projectId": project}, token=admin.token).status == 204
    gone = call("DELETE", "/api/git/remotes/origin", query={"projectId": project}, token=admin.token)
    assert gone.status == 404 and gone.json["error"]["code"] == "no_remote"
    assert remotes.access(project, "origin") is None


def test_a_remote_url_must_be_https_and_carry_no_credentials(accounts: AccountsStack) -> None:
    admin = register_first()
    project = make_project(admin)
    for url in (
        "https://alice:secret@git.example.com/acme/handbook.git",
        "ftp://git.example.com/acme/handbook.git",
        "file:///etc/passwd",
        "https://git.example.com/",
        "git@github.com:acme/handbook.git",
    ):
        reply = put_remote(admin, project, url=url)
        assert reply.status == 400 and reply.json["error"]["code"] in ("invalid_url", "invalid_request"), url
        assert "secret" not in str(reply.json)
    both = put_remote(admin, project, token=TOKEN, password="x", username="alice")
    assert both.status == 400


def test_a_git_job_is_visible_to_whoever_started_it_only(accounts: AccountsStack) -> None:
    admin = register_first()
    missing = call("GET", "/api/git/jobs/" + "0" * 32, token=admin.token)
    assert missing.status == 404 and missing.json["error"]["code"] == "job_not_found"
    assert call("GET", "/api/git/jobs/not-hex", token=admin.token).status == 400


def test_deleting_a_project_deletes_its_remotes(accounts: AccountsStack) -> None:
    admin = register_first()
    project = make_project(admin)
    put_remote(admin, project, token=TOKEN)
    assert call("DELETE", f"/api/projects/{project}", token=admin.token).status == 204
    assert list(GitRemote.query(project)) == []


def test_a_git_job_the_runner_ended_without_its_outcome_is_a_503_to_try_again(
    accounts: AccountsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = register_first()
    project = make_project(admin)
    endings = iter([(JobStatus.FAILED, None, "The runner stopped while this job was running."),
                    (JobStatus.SUCCEEDED, None, None)])  # fmt: skip

    def ended_by_the_runner(job_id: str, seconds: float) -> Job | None:
        status, result, error = next(endings)
        record = store.get(job_id)
        assert record is not None
        return store.finish(record, status, result=result, error=error)

    monkeypatch.setattr(service.jobs, "wait_for", ended_by_the_runner)
    stopped = call("GET", "/api/git/status", query={"projectId": project}, token=admin.token)
    assert stopped.status == 503, stopped.json
    assert stopped.json["error"]["code"] == "runner_failed"
    assert stopped.json["error"]["message"] == (
        "The Git operation could not run: The runner stopped while this job was running. Try again."
    )
    silent = call("GET", "/api/git/status", query={"projectId": project}, token=admin.token)
    assert silent.status == 503 and silent.json["error"]["code"] == "runner_failed", silent.json
    assert "without its outcome" in silent.json["error"]["message"]
