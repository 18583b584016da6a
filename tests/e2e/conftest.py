"""The real local stack, started once for the end-to-end tests that only need a running product."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.browser import chromium
from tests.support.claude import claude_stack
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.stack import LocalStack


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    stack = LocalStack(Path(tmp_path_factory.mktemp("studio-data"))).start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def api() -> Iterator[FakeAnthropic]:
    """A scripted fake Anthropic Messages API for one test module."""
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture(scope="module")
def stack(api: FakeAnthropic, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A local stack for one test module whose runner drives the real Claude CLI against `api`."""
    with claude_stack(api, Path(tmp_path_factory.mktemp("claude-stack"))) as started:
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium for one test module."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, stack: LocalStack, api: FakeAnthropic) -> Iterator[Page]:
    """A fresh browser context on the module's stack; the fake API starts with nothing scripted."""
    api.unscript()
    context = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()
