"""The pinned Claude Code CLI and a local stack whose runner drives it against the fake Messages API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.fake_anthropic import TEST_API_KEY, FakeAnthropic
from tests.support.stack import ROOT, LocalStack

CLAUDE = ROOT / "runner" / "node_modules" / ".bin" / "claude"
requires_claude = pytest.mark.skipif(
    not CLAUDE.exists(), reason="the pinned Claude CLI is not installed (make deps-runner)"
)


def claude_env(api: FakeAnthropic) -> dict[str, str]:
    """What the runner passes to the CLI: the fake API, a test key, and no retries (errors show at once)."""
    return {
        "ANTHROPIC_BASE_URL": api.url,
        "ANTHROPIC_API_KEY": TEST_API_KEY,
        "CLAUDE_CODE_MAX_RETRIES": "0",
        "STUDIO_RUNNER_CONCURRENCY": "4",
    }


@contextmanager
def claude_stack(api: FakeAnthropic, data_dir: Path) -> Iterator[LocalStack]:
    stack = LocalStack(data_dir, env=claude_env(api)).start()
    try:
        yield stack
    finally:
        stack.stop()
