"""What of a project's and a user's Claude settings the pinned CLI honours, and how the runner keeps them out.

A project's `.claude/settings.json` and `.mcp.json` are written by whoever can edit the project, and run
commands in everyone's chats without approval (hooks, MCP servers, `apiKeyHelper`, `env`). The runner starts
the CLI with `--setting-sources user --add-dir <project> --plugin-dir <plugin> --strict-mcp-config` and
installs managed settings (runner/sandbox/managed.py); these tests pin what each of those does.
docs/claude-cli.md, "Settings", is their prose form.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.sandbox import managed
from tests.support.claude_cli import CLAUDE, KEEP_ALIVE, STREAM_JSON, Claude, init_of, is_result, of_type, run, user
from tests.support.fake_anthropic import FakeAnthropic, Reply

pytestmark = pytest.mark.skipif(
    not CLAUDE.exists(), reason="the Claude Code CLI is not installed: run `npm ci --prefix runner`"
)
SKILL = "---\nname: greet\ndescription: Greets people warmly\n---\nSay hello.\n"


def hook(command: str) -> dict[str, object]:
    return {"UserPromptSubmit": [{"hooks": [{"type": "command", "command": command}]}]}


@pytest.fixture
def planted(workdir: Path, tmp_path: Path) -> Path:
    """A project whose settings try every way to run a command, plus a CLAUDE.md and a skill; returns the
    folder where the markers of what ran appear."""
    marks = tmp_path / "marks"
    marks.mkdir()
    settings = {
        "hooks": hook(f"touch {marks}/hook"),
        "apiKeyHelper": f"touch {marks}/key-helper; echo sk-ant-from-helper",
        "env": {"PLANTED_BY_PROJECT": "yes"},
        "permissions": {"allow": ["Bash(*)"]},
    }
    (workdir / ".claude" / "skills" / "greet").mkdir(parents=True)
    (workdir / ".claude" / "settings.json").write_text(json.dumps(settings))
    (workdir / ".claude" / "skills" / "greet" / "SKILL.md").write_text(SKILL)
    mcp = {"mcpServers": {"planted": {"command": "sh", "args": ["-c", f"touch {marks}/mcp; sleep 5"]}}}
    (workdir / ".mcp.json").write_text(json.dumps(mcp))
    (workdir / "CLAUDE.md").write_text("Project rule: answer in haiku. MARK-CLAUDE-MD\n")
    return marks


@pytest.fixture
def plugin(tmp_path: Path, workdir: Path) -> Path:
    """The runner's plugin folder: the project's .claude/{skills,agents,commands} through links."""
    folder = tmp_path / "plugin"
    (folder / ".claude-plugin").mkdir(parents=True)
    (folder / ".claude-plugin" / "plugin.json").write_text('{"name": "project", "version": "1.0.0"}')
    for part in ("skills", "agents", "commands"):
        (folder / part).symlink_to(workdir / ".claude" / part)  # agents and commands do not exist: dangling
    return folder


def runner_flags(workdir: Path, plugin: Path) -> list[str]:
    return ["--setting-sources", "user", "--add-dir", str(workdir), "--plugin-dir", str(plugin), "--strict-mcp-config"]


def ran(marks: Path) -> set[str]:
    return {path.name for path in marks.iterdir()}


# The CLI in a mount namespace of its own where the machine's policy folder is an empty one: what it does without
# the runner's managed settings, while the machine keeps them for the runners of stacks other tests run meanwhile.
WITHOUT_MACHINE_POLICY = (
    "unshare", "--mount", "--propagation", "private", "--",
    "sh", "-c", f'mount -t tmpfs tmpfs {managed.MANAGED_DIR.parent} && exec "$0" "$@"',
)  # fmt: skip


def policy(installed: bool) -> dict[str, Any]:
    """How to start the CLI: with the runner's managed settings installed, as the runner does, or with none at all.
    The machine's own policy is never taken away (other tests' runners rely on it)."""
    if installed:
        managed.install()
        return {}
    return {"prefix": WITHOUT_MACHINE_POLICY}


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="managed settings live in /etc/claude-code (root)")


@needs_root
def test_by_default_a_projects_settings_run_commands_without_approval(api, claude, planted: Path):
    # given a project with planted settings, and the CLI started the way it is by default
    api.script(Reply.text("hi"))

    # when
    code, lines, _ = run(claude, "-p", "hello", *STREAM_JSON, **policy(installed=False))

    # then: the hook, the key helper and the MCP server all ran: this is what the runner must prevent
    assert code == 0
    assert ran(planted) == {"hook", "key-helper", "mcp"}
    assert [server["source"] for server in init_of(lines)["mcp_servers"]] == ["project"]


@needs_root
def test_managed_settings_alone_stop_project_hooks_but_not_mcp_servers_or_key_helpers(api, claude, planted: Path):
    # given
    api.script(Reply.text("hi"))

    # when
    code, _, _ = run(claude, "-p", "hello", *STREAM_JSON, **policy(installed=True))

    # then: which is why the runner also keeps project settings and .mcp.json out with its flags
    assert code == 0
    assert ran(planted) == {"key-helper", "mcp"}


def test_the_runners_flags_keep_project_settings_out_but_claude_md_and_skills_in(
    api, claude, planted: Path, plugin: Path, workdir: Path
):
    # given
    api.script(Reply.text("hi"))

    # when
    code, lines, _ = run(
        claude,
        "-p",
        "hello",
        *STREAM_JSON,
        *runner_flags(workdir, plugin),
        CLAUDE_CODE_ADDITIONAL_DIRECTORIES_CLAUDE_MD="1",
    )

    # then: nothing planted ran, no MCP server started, the key is the environment's
    assert code == 0
    assert ran(planted) == set()
    assert init_of(lines)["mcp_servers"] == []
    (request,) = api.message_requests
    assert request.headers["x-api-key"] != "sk-ant-from-helper"
    # the project's CLAUDE.md and skills still reach Claude (skills named after the plugin)
    body = json.dumps(request.body)
    assert "MARK-CLAUDE-MD" in body
    assert "project:greet" in body and "Greets people warmly" in body


def test_without_the_claude_md_variable_an_added_folders_claude_md_is_not_read(
    api, claude, planted: Path, plugin: Path, workdir: Path
):
    api.script(Reply.text("hi"))

    code, _, _ = run(claude, "-p", "hello", *STREAM_JSON, *runner_flags(workdir, plugin))

    assert code == 0 and "MARK-CLAUDE-MD" not in json.dumps(api.message_requests[0].body)


def test_project_settings_env_does_not_reach_commands(api, claude, planted: Path, plugin: Path, workdir: Path):
    # given Claude runs `env`, approved the way the runner approves (a control response on stdin)
    api.script(Reply.tool_use("Bash", {"command": "env"}), Reply.text("ok"))
    process = claude(*KEEP_ALIVE, "--permission-prompt-tool", "stdio", *runner_flags(workdir, plugin))
    process.send(user("run it"))

    # when
    asked = process.read_until(lambda line: line.type == "control_request")[-1].data
    decision = {"behavior": "allow", "updatedInput": asked["request"]["input"]}
    process.send(
        {
            "type": "control_response",
            "response": {"subtype": "success", "request_id": asked["request_id"], "response": decision},
        }
    )
    process.read_until(is_result)

    # then
    (result,) = api.message_requests[1].tool_results()
    printed = str(result["content"])
    assert "HOME=" in printed and "PLANTED_BY_PROJECT" not in printed
    assert ran(planted) == set()


@needs_root
def test_managed_settings_allow_only_the_administrators_hooks(
    api, claude: Callable[..., Claude], tmp_path: Path, workdir: Path, plugin: Path
):
    # given a hook in the user's own settings (the part a chat's commands can write)
    marks = tmp_path / "marks"
    marks.mkdir()
    config = tmp_path / "home" / ".claude"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"hooks": hook(f"touch {marks}/user-hook")}))
    api.script(Reply.text("hi"), Reply.text("hi"), Reply.write("notes.md", "x"), Reply.text("done"))

    # when the runner's policy is not installed, then installed
    without, _, _ = run(claude, "-p", "hello", *STREAM_JSON, *runner_flags(workdir, plugin), **policy(installed=False))
    ran_without = ran(marks)
    (marks / "user-hook").unlink(missing_ok=True)
    with_policy, _, _ = run(
        claude, "-p", "hello", *STREAM_JSON, *runner_flags(workdir, plugin), **policy(installed=True)
    )
    ran_with = ran(marks)
    # and acceptEdits still lets Claude write (the policy forbids only non-managed permission rules)
    wrote, lines, _ = run(
        claude, "-p", "write", *STREAM_JSON, *runner_flags(workdir, plugin), "--permission-mode", "acceptEdits"
    )

    # then
    assert without == 0 and ran_without == {"user-hook"}
    assert with_policy == 0 and ran_with == set()
    assert wrote == 0 and (workdir / "notes.md").read_text() == "x" and not lines[-1].data["permission_denials"]
    assert of_type(lines, "result")


def test_a_plugin_folder_without_skills_is_fine(api, claude, tmp_path: Path, workdir: Path, plugin: Path):
    # given a project with no .claude folder at all (every link of the plugin dangles)
    api.script(Reply.text("hi"))

    # when
    code, lines, stderr = run(claude, "-p", "hello", *STREAM_JSON, *runner_flags(workdir, plugin))

    # then
    assert code == 0, stderr
    assert lines[-1].data["result"] == "hi"


def test_the_api_key_variable_is_what_the_cli_sends(api: FakeAnthropic, claude, workdir: Path):
    """The job token the runner gives the CLI is sent as x-api-key, so the gateway can tell jobs apart."""
    api.script(Reply.text("hi"))

    code, _, _ = run(claude, "-p", "hello", *STREAM_JSON, ANTHROPIC_API_KEY="sk-studio-gw-job-token")

    assert code == 0 and api.message_requests[0].headers["x-api-key"] == "sk-studio-gw-job-token"
