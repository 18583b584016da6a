"""Workflow 14: CLAUDE.md versions through the api Lambda's handler (moto DynamoDB and S3)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from shared import aws
from shared.db import Reads
from shared.files import generations
from shared.files.objects import file_key
from shared.models.projects import ProjectMember, ProjectRole
from shared.models.prompts import PromptVersion, prompt_scope_key
from shared.rules.service import active_user_rules
from tests.support.accounts import AccountsStack, Person, Reply, call, create_user, register_first, run_together
from tests.support.aws import aws_calls

RULES = "/api/rules/claude-md"
USER = {"scope": "user"}


def make_project(person: Person, name: str = "wiki") -> str:
    reply = call("POST", "/api/projects", json_body={"name": name}, token=person.token)
    assert reply.status == 201, reply.json
    return str(reply.json["id"])


def put(person: Person, content: str, base: int, **target: Any) -> Reply:
    body = {**(target or USER), "content": content, "baseVersion": base}
    return call("PUT", RULES, json_body=body, token=person.token)


def get(person: Person, path: str = "", **query: Any) -> Reply:
    return call("GET", RULES + path, token=person.token, query={k: str(v) for k, v in (query or USER).items()})


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def project_file(accounts: AccountsStack, project: str) -> str:
    s3 = aws.client("s3")
    body = s3.get_object(Bucket=accounts.settings.workspace_bucket, Key=file_key(project, "CLAUDE.md"))["Body"]
    return str(body.read().decode())


def test_nothing_saved_yet_reads_as_version_zero(accounts: AccountsStack) -> None:
    admin = register_first()
    reply = get(admin)
    assert reply.status == 200
    assert reply.json == {
        "scope": "user", "projectId": None, "version": 0, "content": "", "sha256": None, "authorId": None,
        "authorName": None, "createdAt": None, "source": None, "canEdit": True, "maxBytes": 100_000,
    }  # fmt: skip


def test_saves_make_versions_with_hashes_and_one_active(accounts: AccountsStack) -> None:
    admin = register_first()
    first = put(admin, "Answer in French.\n", 0)
    assert first.status == 200, first.json
    assert first.json["version"] == 1 and first.json["changed"] is True
    assert first.json["sha256"] == sha("Answer in French.\n")
    assert first.json["authorId"] == admin.id and first.json["authorName"] == "admin"
    assert first.json["source"] == "editor"
    second = put(admin, "Answer in German.\n", 1)
    assert second.json["version"] == 2

    current = get(admin)
    assert current.json["content"] == "Answer in German.\n" and current.json["version"] == 2
    history = get(admin, "/versions", **USER)
    assert [(v["version"], v["isActive"]) for v in history.json["versions"]] == [(2, True), (1, False)]
    assert history.json["versions"][1]["sha256"] == sha("Answer in French.\n")
    assert history.json["versions"][0]["bytes"] == len("Answer in German.\n")
    assert history.json["next"] is None
    old = get(admin, "/versions/1", **USER)
    assert old.json["content"] == "Answer in French.\n" and old.json["version"] == 1


def test_identical_content_makes_no_new_version(accounts: AccountsStack) -> None:
    admin = register_first()
    put(admin, "Same.", 0)
    again = put(admin, "Same.", 1)
    assert again.status == 200 and again.json["changed"] is False and again.json["version"] == 1
    assert len(get(admin, "/versions", **USER).json["versions"]) == 1


def test_a_stale_base_version_is_a_conflict_with_the_current_one(accounts: AccountsStack) -> None:
    admin = register_first()
    put(admin, "one", 0)
    put(admin, "two", 1)
    stale = put(admin, "three", 1)
    assert stale.status == 409
    assert stale.json["error"]["code"] == "version_conflict"
    assert stale.json["error"]["current"]["version"] == 2
    assert stale.json["error"]["current"]["content"] == "two"


def test_exactly_one_version_is_active_after_20_concurrent_saves(
    accounts: AccountsStack, serialized_moto: None
) -> None:
    admin = register_first()
    put(admin, "start", 0)

    def saver(index: int) -> Any:
        return lambda: put(admin, f"rules from writer {index}", 1)

    replies = run_together([saver(index) for index in range(20)])
    winners = [reply for reply in replies if reply.status == 200]
    assert len(winners) == 1, [reply.status for reply in replies]
    assert all(
        reply.status == 409 and reply.json["error"]["current"]["version"] == 2
        for reply in replies
        if reply not in winners
    )
    rows = list(PromptVersion.query(prompt_scope_key("user", admin.id), consistent_read=True))  # type: ignore[arg-type]
    assert [int(row.version) for row in rows if row.is_active] == [2]
    assert len(rows) == 2


def test_restore_makes_a_new_version_equal_to_the_old_one(accounts: AccountsStack) -> None:
    admin = register_first()
    put(admin, "first rules", 0)
    put(admin, "second rules", 1)
    restored = call("POST", RULES + "/restore", json_body={**USER, "version": 1, "baseVersion": 2}, token=admin.token)
    assert restored.status == 200, restored.json
    assert restored.json["version"] == 3 and restored.json["content"] == "first rules"
    assert restored.json["source"] == "restore" and restored.json["sha256"] == sha("first rules")
    again = call("POST", RULES + "/restore", json_body={**USER, "version": 3, "baseVersion": 3}, token=admin.token)
    assert again.json["changed"] is False and again.json["version"] == 3
    stale = call("POST", RULES + "/restore", json_body={**USER, "version": 2, "baseVersion": 1}, token=admin.token)
    assert stale.status == 409 and stale.json["error"]["current"]["version"] == 3
    missing = call("POST", RULES + "/restore", json_body={**USER, "version": 9, "baseVersion": 3}, token=admin.token)
    assert missing.status == 404


def test_diff_between_two_versions(accounts: AccountsStack) -> None:
    admin = register_first()
    put(admin, "# Rules\nBe brief.\nUse metric units.\n", 0)
    put(admin, "# Rules\nBe thorough.\nUse metric units.\n", 1)
    reply = get(admin, "/diff", scope="user", **{"from": 1, "to": 2})
    assert reply.status == 200, reply.json
    assert reply.json["from"] == 1 and reply.json["to"] == 2
    assert "--- version 1" in reply.json["unified"] and "+++ version 2" in reply.json["unified"]
    assert "-Be brief." in reply.json["unified"] and "+Be thorough." in reply.json["unified"]
    assert reply.json["lines"] == [
        {"kind": "equal", "old": 1, "new": 1, "text": "# Rules"},
        {"kind": "delete", "old": 2, "new": None, "text": "Be brief."},
        {"kind": "insert", "old": None, "new": 2, "text": "Be thorough."},
        {"kind": "equal", "old": 3, "new": 3, "text": "Use metric units."},
    ]
    assert get(admin, "/diff", scope="user", **{"from": 1, "to": 5}).status == 404


def test_history_pages(accounts: AccountsStack) -> None:
    admin = register_first()
    for version in range(5):
        put(admin, f"v{version + 1}", version)
    first = get(admin, "/versions", scope="user", limit=2)
    assert [v["version"] for v in first.json["versions"]] == [5, 4] and first.json["next"] == 4
    second = get(admin, "/versions", scope="user", limit=2, before=4)
    assert [v["version"] for v in second.json["versions"]] == [3, 2] and second.json["next"] == 2
    last = get(admin, "/versions", scope="user", limit=2, before=2)
    assert [v["version"] for v in last.json["versions"]] == [1] and last.json["next"] is None


def test_user_rules_are_always_the_callers_own(accounts: AccountsStack) -> None:
    admin = register_first()
    bob = create_user(admin, "bob")
    put(admin, "admin's secret rules", 0)
    assert get(bob).json["content"] == ""
    assert get(bob, "/versions/1", **USER).status == 404
    assert get(bob, "/versions", **USER).json["versions"] == []


def test_project_rules_scoping(accounts: AccountsStack) -> None:
    admin = register_first()
    bob = create_user(admin, "bob")
    carol = create_user(admin, "carol")
    project = make_project(bob)
    target = {"scope": "project", "projectId": project}
    saved = put(bob, "Project rules.", 0, **target)
    assert saved.status == 200 and saved.json["projectId"] == project and saved.json["canEdit"] is True
    # no access: not found, whatever the route
    assert get(carol, **target).status == 404
    assert put(carol, "hijack", 1, **target).status == 404
    assert get(carol, "/versions", **target).status == 404
    # a viewer reads but cannot save
    ProjectMember(project, carol.id, role=ProjectRole.VIEWER.value).save()
    read = get(carol, **target)
    assert read.status == 200 and read.json["content"] == "Project rules." and read.json["canEdit"] is False
    denied = put(carol, "hijack", 1, **target)
    assert denied.status == 403
    restore = call("POST", RULES + "/restore", json_body={**target, "version": 1, "baseVersion": 1}, token=carol.token)
    assert restore.status == 403


def test_project_rules_are_the_projects_root_claude_md(accounts: AccountsStack) -> None:
    admin = register_first()
    project = make_project(admin)
    target = {"scope": "project", "projectId": project}
    put(admin, "# House style\n", 0, **target)
    assert project_file(accounts, project) == "# House style\n"
    tree = call("GET", f"/api/projects/{project}/files/tree", token=admin.token)
    assert "CLAUDE.md" in [child["path"] for child in tree.json["root"]["children"]]


def test_a_files_screen_save_of_claude_md_becomes_a_version(accounts: AccountsStack) -> None:
    admin = register_first()
    bob = create_user(admin, "bob")
    project = make_project(admin)
    ProjectMember(project, bob.id, role=ProjectRole.EDITOR.value).save()
    target = {"scope": "project", "projectId": project}
    put(admin, "v1", 0, **target)
    saved = call(
        "PUT", f"/api/projects/{project}/files/content", json_body={"path": "CLAUDE.md", "content": "v2 from files"},
        token=bob.token,
    )  # fmt: skip
    assert saved.status == 200, saved.json
    current = get(bob, **target)
    assert current.json["version"] == 2 and current.json["content"] == "v2 from files"
    assert current.json["source"] == "files" and current.json["authorName"] == "bob"
    # another file, or a CLAUDE.md in a folder, is no version
    call(
        "PUT",
        f"/api/projects/{project}/files/content",
        json_body={"path": "docs/CLAUDE.md", "content": "x"},
        token=bob.token,
    )
    assert get(bob, **target).json["version"] == 2


def test_size_limit(accounts: AccountsStack) -> None:
    admin = register_first()
    too_big = put(admin, "é" * 50_001, 0)  # 100,002 bytes in UTF-8
    assert too_big.status == 413
    assert "100,000 bytes" in too_big.json["error"]["message"]
    assert put(admin, "x" * 100_000, 0).status == 200


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "code"),
    [
        ("GET", "", {"query": {"scope": "team"}}, 400),
        ("GET", "", {"query": {}}, 400),
        ("GET", "", {"query": {"scope": "project"}}, 400),
        ("GET", "/versions", {"query": {"scope": "user", "limit": "0"}}, 400),
        ("GET", "/versions", {"query": {"scope": "user", "limit": "101"}}, 400),
        ("GET", "/versions/0", {"query": {"scope": "user"}}, 400),
        ("GET", "/versions/x", {"query": {"scope": "user"}}, 400),
        ("GET", "/diff", {"query": {"scope": "user", "from": "0", "to": "1"}}, 400),
        ("GET", "/diff", {"query": {"scope": "user"}}, 400),
        ("PUT", "", {"json_body": {"scope": "user", "content": 5, "baseVersion": 0}}, 400),
        ("PUT", "", {"json_body": {"scope": "user", "content": "x"}}, 400),
        ("PUT", "", {"json_body": {"scope": "user", "content": "x", "baseVersion": -1}}, 400),
        ("PUT", "", {"json_body": {"scope": "project", "content": "x", "baseVersion": 0}}, 400),
        ("PUT", "", {"json_body": {"scope": "project", "projectId": "nope", "content": "x", "baseVersion": 0}}, 404),
        ("PUT", "", {"body": "not json"}, 400),
        ("POST", "/restore", {"json_body": {"scope": "user", "version": 0, "baseVersion": 0}}, 400),
    ],
)
def test_bad_input_is_a_clear_error(
    accounts: AccountsStack, method: str, path: str, kwargs: dict[str, Any], code: int
) -> None:
    admin = register_first()
    reply = call(method, RULES + path, token=admin.token, **kwargs)
    assert reply.status == code, reply.json
    assert reply.json["error"]["message"]


def test_rules_need_a_signed_in_caller(accounts: AccountsStack) -> None:
    register_first()
    assert call("GET", RULES, query=USER).status == 401


def test_a_project_with_a_claude_md_file_but_no_version_shows_the_file_as_version_zero(accounts: AccountsStack) -> None:
    admin = register_first()
    project = make_project(admin)
    body = {"path": "CLAUDE.md", "content": "Older rules."}
    aws.client("s3").put_object(
        Bucket=accounts.settings.workspace_bucket, Key=file_key(project, "CLAUDE.md"), Body=body["content"].encode()
    )
    target = {"scope": "project", "projectId": project}
    current = get(admin, **target)
    assert current.json["version"] == 0 and current.json["content"] == "Older rules."
    assert put(admin, "Newer rules.", 0, **target).json["version"] == 1


def test_the_runner_reads_a_users_claude_md_again_only_when_a_save_moved_it(accounts: AccountsStack) -> None:
    # A warm turn reads the generation of the user's CLAUDE.md with its other reads (shared.chat.turn_reads)
    admin = register_first()

    def as_a_turn_reads_it() -> tuple[str | None, list[str]]:
        reads = Reads()
        generation = generations.generation_in(reads, generations.rules_key(prompt_scope_key("user", admin.id)))  # type: ignore[arg-type]
        reads.send()
        with aws_calls() as calls:
            content = active_user_rules(admin.id, generation)
        return content, [operation for operation, _ in calls]

    assert as_a_turn_reads_it() == (None, ["Query"])
    assert as_a_turn_reads_it() == (None, [])

    # Each save, and a restore, applies at the next turn
    put(admin, "Answer in French.", 0)
    assert as_a_turn_reads_it() == ("Answer in French.", ["Query"])
    assert as_a_turn_reads_it() == ("Answer in French.", [])
    put(admin, "Answer in Dutch.", 1)
    assert as_a_turn_reads_it() == ("Answer in Dutch.", ["Query"])
    call("POST", RULES + "/restore", json_body={**USER, "version": 1, "baseVersion": 2}, token=admin.token)
    assert as_a_turn_reads_it() == ("Answer in French.", ["Query"])
    assert as_a_turn_reads_it() == ("Answer in French.", [])
