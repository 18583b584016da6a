"""Playwright helpers: Debian's Chromium (Playwright's own browser download does not work here) and a watcher
that records what a person would call breakage (console errors, uncaught exceptions, failed requests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, Response, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_browser(playwright: Playwright) -> Browser:
    """Launches headless Debian Chromium. Playwright gives every launch a fresh temporary user-data dir."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`.")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A launched browser for the duration of the block, closed afterwards."""
    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageProblems:
    """What went wrong on a page: console errors, uncaught exceptions, failed or 4xx/5xx requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.console_errors or self.page_errors or self.failed_requests)

    def excluding(self, *expected: tuple[int, str]) -> PageProblems:
        """The problems left once the expected HTTP errors, given as (status, URL path), are set aside.

        A test passes here only the error responses it asserted on (a 401 for a wrong password, a 409 shown inline);
        Chromium reports each one twice: as the response and as a "Failed to load resource" console error.
        """

        def expected_response(line: str) -> bool:
            return any(line.endswith(f": HTTP {status}") and path in line for status, path in expected)

        def expected_console(line: str) -> bool:
            return any(f"status of {status} " in line and path in line for status, path in expected)

        return PageProblems(
            console_errors=[line for line in self.console_errors if not expected_console(line)],
            page_errors=list(self.page_errors),
            failed_requests=[line for line in self.failed_requests if not expected_response(line)],
        )

    def summary(self) -> str:
        lines = [f"console: {m}" for m in self.console_errors] + [f"exception: {m}" for m in self.page_errors]
        return "\n".join(lines + [f"request: {m}" for m in self.failed_requests])


# What the page's own code loads, and the page itself: an abort of one of these is a problem the test should see.
_PAGE_CODE_LOADS = frozenset({"document", "fetch", "xhr", "eventsource", "websocket"})


def watch(page: Page) -> PageProblems:
    """Starts recording the page's problems; inspect (or assert `not problems`) at the end of a test."""
    problems = PageProblems()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_request_failed(request: Request) -> None:
        if request.failure == "net::ERR_ABORTED" and request.resource_type not in _PAGE_CODE_LOADS:
            return  # the browser's own load for a document it is leaving (its favicon, say): not the page's fault
        problems.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.failed_requests.append(f"{response.request.method} {response.url}: HTTP {response.status}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    return problems
