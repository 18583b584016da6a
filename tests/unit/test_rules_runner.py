"""The runner's side of CLAUDE.md versions: the user's rules placed in the box, Claude's project edits recorded."""

from __future__ import annotations

from pathlib import Path

from runner.claude.rules import place_user_rules, record_claude_edit
from runner.sandbox import JobBox
from runner.workspace import SyncReport
from tests.support.accounts import AccountsStack, call, register_first

RULES = "/api/rules/claude-md"


def box_in(tmp_path: Path, user_id: str, project_id: str = "0123456789abcdef0123456789abcdef") -> JobBox:
    box = JobBox(project_id, user_id, tmp_path / "files", tmp_path / "home", tmp_path / "tmp", tmp_path / "plugin")
    for folder in (box.files, box.claude_config, box.tmp):
        folder.mkdir(parents=True, exist_ok=True)
    return box


def test_the_users_active_rules_are_placed_and_removed(accounts: AccountsStack, tmp_path: Path) -> None:
    admin = register_first()
    box = box_in(tmp_path, admin.id)
    memory = box.claude_config / "CLAUDE.md"
    memory.write_text("left over")
    place_user_rules(box)
    assert not memory.exists()  # no rules saved: none placed

    call("PUT", RULES, json_body={"scope": "user", "content": "Use SI units.", "baseVersion": 0}, token=admin.token)
    place_user_rules(box)
    assert memory.read_text() == "Use SI units."

    call("PUT", RULES, json_body={"scope": "user", "content": "", "baseVersion": 1}, token=admin.token)
    place_user_rules(box)
    assert not memory.exists()  # emptied: the CLI gets no user memory


def test_a_link_planted_at_the_users_claude_md_is_replaced_not_followed(
    accounts: AccountsStack, tmp_path: Path
) -> None:
    admin = register_first()
    box = box_in(tmp_path, admin.id)
    target = tmp_path / "elsewhere.txt"
    target.write_text("untouched")
    (box.claude_config / "CLAUDE.md").symlink_to(target)
    call("PUT", RULES, json_body={"scope": "user", "content": "Mine.", "baseVersion": 0}, token=admin.token)
    place_user_rules(box)
    assert target.read_text() == "untouched"
    assert not (box.claude_config / "CLAUDE.md").is_symlink()
    assert (box.claude_config / "CLAUDE.md").read_text() == "Mine."


def test_claudes_edit_of_the_root_claude_md_becomes_a_version_after_the_push(
    accounts: AccountsStack, tmp_path: Path
) -> None:
    admin = register_first()
    project = call("POST", "/api/projects", json_body={"name": "wiki"}, token=admin.token).json["id"]
    box = box_in(tmp_path, admin.id, project)
    (box.files / "CLAUDE.md").write_text("Claude's new rules.\n")
    target = {"scope": "project", "projectId": project}

    record_claude_edit(box, SyncReport("push", uploaded=["notes.md"]), admin.id)
    assert call("GET", RULES, query=target, token=admin.token).json["version"] == 0  # not pushed: no version

    record_claude_edit(box, SyncReport("push", uploaded=["CLAUDE.md"]), admin.id)
    current = call("GET", RULES, query=target, token=admin.token).json
    assert current["version"] == 1 and current["content"] == "Claude's new rules.\n"
    assert current["source"] == "claude" and current["authorId"] == admin.id

    record_claude_edit(box, SyncReport("push", uploaded=["CLAUDE.md"]), admin.id)  # the same content again
    assert call("GET", RULES, query=target, token=admin.token).json["version"] == 1
