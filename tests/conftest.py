"""Markers every test carries, and the guard that keeps `unit` tests pure.

    unit         pure logic: no moto, no subprocess, no socket (`make test-fast` runs only these, in seconds)
    integration  moto in-process, real subprocesses (the Claude CLI, git), servers on 127.0.0.1
    e2e          the real local stack, the real CLI, Chromium
    infra        CDK synthesis, assertions and cdk-nag

A test module opts in to `unit` with `pytestmark = pytest.mark.unit`; every other test under tests/unit or
tests/integration is `integration`. A unit test that opens a socket, starts a process or calls AWS (moto
included) fails with a message saying so, so the marker cannot drift from the truth.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest

_FOLDER_MARKERS = {"/e2e/": "e2e", "/infra/": "infra"}
# `make test` runs the modules on two workers, one module at a time each, in the order collected: the longest first
# (by --durations), then the rest of the end-to-end ones, then the short ones that even out the two workers' ends.
_LONGEST_FIRST = (
    "tests/e2e/test_api_fuzz.py",
    "tests/e2e/test_spa_a11y.py",
    "tests/e2e/test_warm_sessions.py",
    "tests/e2e/test_ws_load.py",
    "tests/e2e/test_git_e2e.py",
    "tests/e2e/test_durability.py",
    "tests/e2e/test_chat.py",
)
_FOLDERS_IN_ORDER = ("tests/e2e/", "tests/integration/", "tests/infra/")


def _module_rank(item: pytest.Item) -> tuple[int, int]:
    module = item.nodeid.split("::", 1)[0]
    if module in _LONGEST_FIRST:
        return 0, _LONGEST_FIRST.index(module)
    folder = next(
        (i for i, prefix in enumerate(_FOLDERS_IN_ORDER) if module.startswith(prefix)), len(_FOLDERS_IN_ORDER)
    )
    return 1 + folder, 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_module_rank)  # stable: a module's tests keep their order, and stay together
    for item in items:
        path = str(item.fspath)
        folder = next((marker for part, marker in _FOLDER_MARKERS.items() if part in path), None)
        if folder is not None:
            item.add_marker(getattr(pytest.mark, folder))
        elif item.get_closest_marker("unit") is None:
            item.add_marker(pytest.mark.integration)


class ImpureUnitTestError(AssertionError):
    """A test marked `unit` reached for the network, a process or moto."""


def _refuse(what: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ImpureUnitTestError(f"a unit test must not {what}: mark the module `integration` instead")

    return refuse


@pytest.fixture(autouse=True)
def _pure_unit_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.get_closest_marker("unit") is not None:
        monkeypatch.setattr(socket.socket, "connect", _refuse("open a network connection"))
        monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("start a process"))
        # Every AWS call, to moto or elsewhere, goes through here (moto in-process opens no socket).
        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", _refuse("call AWS (moto included)"))
    yield
