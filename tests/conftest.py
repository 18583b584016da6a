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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
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
