"""The SPA shell in real Chromium against the real local stack: signed in, it loads, connects, routes, stays clean."""

from __future__ import annotations

import json
import math
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, WebSocket, WebSocketRoute, expect

from tests.e2e.browser import chromium, watch
from tests.support.accounts_e2e import admin_session, seed_session

pytestmark = pytest.mark.e2e

WEB = Path(__file__).resolve().parents[2] / "web"
AREAS = ["Chat", "Files", "Skills", "Schedules", "Meetings", "Git", "Rules", "Usage", "Settings", "Admin"]
# The first pong crosses SQS and the runner, which may still be starting: a bound, not a sleep.
CONNECT_TIMEOUT_MS = 45_000
PING_INTERVAL_MS = 20_000  # web/src/realtime.js
PONG_TIMEOUT_MS = 10_000
# Today: the stored session token must not look expired to the page's (fake) clock.
CLOCK_START = datetime.now(UTC).replace(microsecond=0)
READ_RETRY_WAIT = "import('/src/realtime.js').then(({ realtime }) => realtime.state.retryAt - Date.now())"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, local_stack: Any) -> Iterator[Page]:
    context = browser.new_context(base_url=local_stack.base_url, viewport={"width": 1280, "height": 800})
    try:
        yield context.new_page()
    finally:
        context.close()


class SocketLog:
    """Every WebSocket the page opens, with the JSON frames it sent and received."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        page.on("websocket", self._opened)

    def _opened(self, socket: WebSocket) -> None:
        self.urls.append(socket.url)
        socket.on("framesent", lambda payload: self.sent.append(json.loads(payload)))
        socket.on("framereceived", lambda payload: self.received.append(json.loads(payload)))

    def answered_pings(self) -> list[dict[str, Any]]:
        ping_ids = {frame.get("id") for frame in self.sent if frame.get("action") == "ping"}
        return [frame for frame in self.received if frame.get("type") == "pong" and frame.get("id") in ping_ids]


class FakeSocketBackend:
    """Stands in for /ws inside the browser: answers pings unless told not to, hangs up on demand."""

    def __init__(self) -> None:
        self.open: list[WebSocketRoute] = []
        self.answering = True
        self.hang_up_on_connect = False

    def route(self, socket: WebSocketRoute) -> None:
        if self.hang_up_on_connect:
            socket.close()
            return
        self.open.append(socket)
        socket.on_message(lambda message: self._answer(socket, str(message)))

    def _answer(self, socket: WebSocketRoute, message: str) -> None:
        frame = json.loads(message)
        if frame.get("action") == "ping" and self.answering:
            socket.send(json.dumps({"type": "pong", "id": frame["id"], "via": "runner"}))

    def send_to_all(self, event: dict[str, Any]) -> None:
        for socket in self.open:
            socket.send(json.dumps(event))

    def hang_up_all(self) -> None:
        for socket in self.open:
            socket.close()
        self.open.clear()


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def expect_screen(page: Page, path: str, title: str) -> None:
    """The screen at `path` is shown; its query may say what it shows (the Files screen writes its project there
    once it has chosen one, so a step back can land on `/files?project=…`)."""
    nav = page.get_by_role("navigation", name="Areas")
    expect(page).to_have_url(re.compile(re.escape(path) + r"(\?[^#]*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(nav.locator('[aria-current="page"]')).to_have_text(title)
    expect(page).to_have_title(f"{title} · Sasha Studio")


def test_shell_connects_routes_and_stays_clean(page: Page, local_stack: Any) -> None:
    # Given a fresh browser, signed in as the administrator, that records console errors, exceptions, failed
    # requests and WebSocket frames
    problems = watch(page)
    sockets = SocketLog(page)
    seed_session(page, admin_session(local_stack))

    # When a person opens the app
    page.goto("/")

    # Then the shell is there: product name, every area in the navigation, and Chat as the home screen
    expect(page.get_by_role("banner")).to_contain_text("Sasha Studio")
    nav = page.get_by_role("navigation", name="Areas")
    expect(nav.get_by_role("link")).to_have_text(AREAS)
    expect_screen(page, "/chat", "Chat")
    expect(page.get_by_role("main")).to_contain_text("Pick a project to start.")

    # And the connection indicator reaches "connected" once a pong has made the round trip: a plain word on the
    # pill, the round trip in ms only in its tooltip
    indicator = page.locator("#connection-status")
    expect(indicator).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT_MS)
    expect(indicator.locator(".connection-label")).to_have_text("Connected")
    expect(indicator).to_have_attribute("title", re.compile(r"Last round trip: \d+ ms\."))
    expect(indicator.get_by_role("status")).to_have_text("Connected. The back end is answering.")
    assert sockets.urls and sockets.urls[0].startswith(f"{local_stack.ws_url}?token="), sockets.urls
    pong = sockets.answered_pings()[0]
    assert pong["via"] == "runner"

    # When they click an area, then its screen replaces the last one and the nav marks it
    nav.get_by_role("link", name="Files").click()
    expect_screen(page, "/files", "Files")
    expect(page.get_by_role("heading", level=1)).to_be_focused()

    # When they use the keyboard on another link, then that works too, and Back returns to the previous screen
    nav.get_by_role("link", name="Meetings").focus()
    page.keyboard.press("Enter")
    expect_screen(page, "/meetings", "Meetings")
    page.go_back()
    expect_screen(page, "/files", "Files")
    # The Files screen loads the projects (and a tree): let it finish before a full navigation cancels it
    expect(page.get_by_role("main").locator(".loading")).to_have_count(0)

    # When they open a deep link, then the gateway serves the app and it renders that area (and connects again)
    page.goto("/schedules")
    expect_screen(page, "/schedules", "Schedules")
    expect(page.get_by_role("main")).to_contain_text("Schedules")
    expect(indicator).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT_MS)

    # When they open an unknown route (with markup in it), then the 404 screen shows the path as text
    page.goto("/no-such-area/%3Cimg%20src%3Dx%3E")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("main")).to_contain_text("/no-such-area/<img src=x>")
    expect(page.get_by_role("main").locator("img")).to_have_count(0)
    expect(nav.locator('[aria-current="page"]')).to_have_count(0)
    page.get_by_role("link", name="Go to Chat").click()
    expect_screen(page, "/chat", "Chat")

    # And nothing went wrong on the way
    assert not problems, problems.summary()


def test_api_client_sends_the_token_and_reads_error_bodies(page: Page, local_stack: Any) -> None:
    # Given the app is loaded (signed out) and a token is stored (set directly, so the socket is left alone)
    page.goto("/chat")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.evaluate("localStorage.setItem('sasha.token', 'token-for-test')")
    _, expected_error = get_json(f"{local_stack.base_url}/api/no-such-route")

    # When a screen calls the API client for the health check and for a route that does not exist
    with page.expect_request("**/api/health") as health_request:
        result = page.evaluate(
            """async () => {
                const { api } = await import('/src/api.js');
                const health = await api.get('/api/health');
                const error = await api.get('/api/no-such-route').catch((e) => e);
                const { name, message, status, code, requestId } = error;
                return { health, error: { name, message, status, code, requestId } };
            }"""
        )

    # Then the token went out as a bearer header, health is ok, and the error carries the server's own message
    assert health_request.value.headers["authorization"] == "Bearer token-for-test"
    assert result["health"]["status"] == "ok"
    assert result["error"]["name"] == "ApiError"
    assert result["error"]["status"] == 404
    assert result["error"]["message"] == expected_error["error"]["message"]
    assert result["error"]["code"] == expected_error["error"]["code"]


def record_request(request: Request, scripts: list[str], api_calls: list[str]) -> None:
    path = urlsplit(request.url).path
    if request.resource_type == "script":
        scripts.append(path)
    elif path.startswith("/api/"):
        api_calls.append(path)


def test_first_screen_comes_after_a_splash_with_every_module_preloaded(page: Page, local_stack: Any) -> None:
    # Given an account exists (so the app opens on Sign in) and a browser that records the modules it fetches
    admin_session(local_stack)
    problems = watch(page)
    fetched: list[str] = []
    asked: list[str] = []
    page.on("request", lambda request: record_request(request, fetched, asked))

    # When a person opens the sign-in screen
    page.goto("/sign-in")

    # Then the first screen replaces the splash, and the page says it is ready
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("#boot")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    # And index.html listed every module the screen needed as a modulepreload (fetched at once, not level by level)
    preloads = page.eval_on_selector_all(
        'link[rel="modulepreload"]', "links => links.map((link) => new URL(link.href).pathname)"
    )
    assert "/vendor/preact/dist/preact.module.js" in preloads
    assert set(fetched) - {"/src/main.js"} <= set(preloads), set(fetched) - set(preloads)
    # And the API's first question was asked once, with the modules (its preload was used, not fetched again)
    assert asked.count("/api/auth/status") == 1, asked
    assert not problems, problems.summary()


def test_a_signed_in_first_load_asks_the_api_once_per_question(page: Page, local_stack: Any) -> None:
    # Given a stored session (the API client sends its token with every call)
    seed_session(page, admin_session(local_stack))
    problems = watch(page)
    asked: list[str] = []
    page.on("request", lambda request: record_request(request, [], asked))

    # When the app opens, then the shell replaces the splash, and the preloaded status was used, not asked again
    page.goto("/chat")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.get_by_role("navigation", name="Areas")).to_be_visible()
    expect(page.locator("#boot")).to_have_count(0)
    assert asked.count("/api/auth/status") == 1, asked
    assert not problems, problems.summary()


def test_splash_offers_a_reload_when_a_module_cannot_load(page: Page, local_stack: Any) -> None:
    # Given a module of the app that the server cannot find
    page.route("**/src/app.js", lambda route: route.fulfill(status=404, body="Not found"))

    # When a person opens the app, then the splash says so (no endless spinner) with a focused Reload button
    page.goto("/sign-in")
    splash = page.locator("#boot")
    expect(splash.get_by_role("alert")).to_have_text(
        "Sasha Studio could not load. Check your connection, then reload the page."
    )
    reload = splash.get_by_role("button", name="Reload")
    expect(reload).to_be_focused()

    # When the module is back and they press Reload, then the app starts
    page.unroute("**/src/app.js")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(splash).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_vendor_files_are_the_pinned_versions(local_stack: Any) -> None:
    # Given the exact versions pinned in web/package.json
    pinned = json.loads((WEB / "package.json").read_text())["dependencies"]

    # When the gateway serves each package's manifest under /vendor, then it is that exact version
    for package, version in pinned.items():
        status, manifest = get_json(f"{local_stack.base_url}/vendor/{package}/package.json")
        assert status == 200, package
        assert manifest["version"] == version, package


def test_indicator_follows_the_back_end_and_reconnects_with_backoff(page: Page, local_stack: Any) -> None:
    # Given the real app, signed in, on a paused clock that only the test moves, full jitter pinned to its longest
    # wait (Math.random() = 1), and a stand-in for /ws inside the browser
    seed_session(page, admin_session(local_stack))
    backend = FakeSocketBackend()
    page.route_web_socket(re.compile(r"/ws(\?|$)"), backend.route)
    page.add_init_script("Math.random = () => 1;")
    page.clock.install(time=CLOCK_START)
    page.goto("/chat")
    indicator = page.locator("#connection-status")
    expect(indicator).to_have_attribute("data-state", "connected")
    page.clock.pause_at(CLOCK_START + timedelta(seconds=10))

    # When pongs stop, then 10 s after the next ping the indicator says degraded; when they resume, connected
    backend.answering = False
    page.clock.run_for(PING_INTERVAL_MS + PONG_TIMEOUT_MS)
    expect(indicator).to_have_attribute("data-state", "degraded")
    backend.answering = True
    page.clock.run_for(PING_INTERVAL_MS)
    expect(indicator).to_have_attribute("data-state", "connected")

    # When the server sends an error event, then it shows as a dismissible notice, as text
    backend.send_to_all({"type": "error", "code": "job_failed", "message": "Could not start <b>the</b> job."})
    notice = page.get_by_role("region", name="Notifications").get_by_role("listitem")
    expect(notice).to_contain_text("Could not start <b>the</b> job.")
    expect(notice.locator("b")).to_have_count(0)
    notice.get_by_role("button", name="Dismiss").click()
    expect(notice).to_have_count(0)

    # When the back end keeps hanging up, then each retry waits twice as long, from 0.5 s up to 30 s, and says so
    backend.hang_up_on_connect = True
    backend.hang_up_all()
    for expected_ms in [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]:
        # Each wait is announced only once the previous attempt has failed (the attempt itself clears it).
        expect(indicator).to_contain_text(f"Reconnecting… · retrying in {math.ceil(expected_ms / 1000)}s")
        assert page.evaluate(READ_RETRY_WAIT) == expected_ms
        page.clock.run_for(expected_ms)
    expect(indicator).to_contain_text("retrying in 30s")

    # When the browser comes back online, then it reconnects at once instead of waiting out the 30 s
    backend.hang_up_on_connect = False
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(indicator).to_have_attribute("data-state", "connected")

    # When a connection succeeds after a few failed attempts, then the next drop starts again from 0.5 s
    backend.hang_up_on_connect = True
    backend.hang_up_all()
    for expected_ms in [500, 1_000]:
        expect(indicator).to_contain_text(f"retrying in {math.ceil(expected_ms / 1000)}s")
        page.clock.run_for(expected_ms)
    expect(indicator).to_contain_text("retrying in 2s")
    backend.hang_up_on_connect = False
    page.clock.run_for(2_000)
    expect(indicator).to_have_attribute("data-state", "connected")
    backend.hang_up_all()
    expect(indicator).to_contain_text("Reconnecting… · retrying in 1s")
    assert page.evaluate(READ_RETRY_WAIT) == 500
    page.clock.run_for(500)
    expect(indicator).to_have_attribute("data-state", "connected")
