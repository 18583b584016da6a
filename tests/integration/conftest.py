"""Fixtures of the CLI contract tests: the runner's managed settings, the fake Messages API, a project folder, and
a CLI starter."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from runner.sandbox import managed
from tests.support.claude_cli import Claude
from tests.support.fake_anthropic import FakeAnthropic


@pytest.fixture(scope="session", autouse=True)
def runners_policy() -> None:
    """The CLI as the runner runs it: with the runner's managed settings installed (they need root)."""
    if os.geteuid() == 0:
        managed.install()


@pytest.fixture
def api() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


@pytest.fixture
def claude(api: FakeAnthropic, tmp_path: Path, workdir: Path) -> Iterator[Callable[..., Claude]]:
    """Start the CLI against the fake, with HOME in tmp_path; every process is killed at teardown."""
    started: list[Claude] = []

    def start(*args: str, cwd: Path | None = None, prefix: Sequence[str] = (), **env: str) -> Claude:
        process = Claude(list(args), env=api.cli_env(tmp_path / "home", **env), cwd=cwd or workdir, prefix=prefix)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
