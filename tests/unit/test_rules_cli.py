"""Where the pinned Claude CLI reads user memory, and in which order the rules reach the model (docs/rules.md).

The runner starts the CLI with HOME and CLAUDE_CONFIG_DIR (= HOME/.claude) in the user's box, with
`--setting-sources user --add-dir <files>` and CLAUDE_CODE_ADDITIONAL_DIRECTORIES_CLAUDE_MD=1 (runner/claude/config.py).
Here HOME/.claude and CLAUDE_CONFIG_DIR differ, to pin which one the CLI reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.claude_cli import CLAUDE, STREAM_JSON, Claude
from tests.support.fake_anthropic import FakeAnthropic, Reply

pytestmark = pytest.mark.skipif(
    not CLAUDE.exists(), reason="the Claude Code CLI is not installed: run `npm ci --prefix runner`"
)


def test_user_memory_is_claude_config_dir_claude_md_and_comes_before_the_projects(tmp_path: Path) -> None:
    home, config, files = tmp_path / "home", tmp_path / "config", tmp_path / "files"
    for folder in (home / ".claude", config, files):
        folder.mkdir(parents=True)
    (home / ".claude" / "CLAUDE.md").write_text("MARK-HOME-DOT-CLAUDE\n")
    (config / "CLAUDE.md").write_text("MARK-CONFIG-DIR\n")
    (files / "CLAUDE.md").write_text("MARK-PROJECT\n")
    with FakeAnthropic() as api:
        api.script(Reply.text("OK"))
        env = api.cli_env(home, CLAUDE_CONFIG_DIR=str(config), CLAUDE_CODE_ADDITIONAL_DIRECTORIES_CLAUDE_MD="1")
        flags = ["--setting-sources", "user", "--add-dir", str(files)]
        process = Claude(["-p", "hello", *STREAM_JSON, *flags], env=env, cwd=files)
        try:
            assert process.finish() == 0, process.stderr
        finally:
            process.kill()
        sent = str(api.message_requests[0].messages[0])
    assert "MARK-HOME-DOT-CLAUDE" not in sent  # ~/.claude/CLAUDE.md is not read when CLAUDE_CONFIG_DIR is set
    assert "MARK-CONFIG-DIR" in sent and "MARK-PROJECT" in sent
    assert sent.index("MARK-CONFIG-DIR") < sent.index("MARK-PROJECT")  # user first, the project's after it
