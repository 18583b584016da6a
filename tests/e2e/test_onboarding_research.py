"""Onboarding end to end: the local stack, the runner driving the real Claude CLI against the scripted fake Messages
API. The company is introduced, researched (documents written with the Write tool, events on the WebSocket and on
the long-poll route), fails and is retried, skipped, and onboarding completed; detection reads a page on 127.0.0.1.

The tests of this module share one installation (one company profile): they run in the order written.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack, wait_until

pytestmark = requires_claude
WAIT = 90
PROFILE = "/api/profile/organization"
OVERVIEW = "# Acme overview\n\nAcme makes anvils for coyotes, since 1949.\n"
PRODUCTS = "# Products and services\n\n- Anvils\n- Rockets\n"


class Studio:
    """The REST API as one person."""

    def __init__(self, stack: LocalStack, token: str) -> None:
        self.stack = stack
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.stack.base_url}{path}", timeout=40, **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def stream(self, project_id: str, after: int, wait: float = 0) -> dict[str, Any]:
        params = {"after": after, "wait": wait}
        return dict(self.call("GET", f"{PROFILE}/research/{project_id}/stream", 200, params=params))

    def follow(self, project_id: str, after: int) -> list[dict[str, Any]]:
        """Long-poll the research stream from `after` until it says done (bounded); every event, in order."""
        seen: list[dict[str, Any]] = []

        def done() -> bool:
            page = self.stream(project_id, seen[-1]["seq"] if seen else after, wait=5)
            seen.extend(page["events"])
            return bool(page["done"])

        wait_until(done, timeout=WAIT, interval=0, what="the research to end")
        return seen


class Listener:
    """A WebSocket connection of the admin, collecting every event in the background."""

    def __init__(self, stack: LocalStack) -> None:
        self._connection = connect(stack.authed_ws_url(), max_size=2**20)
        self.ws = self._connection.__enter__()
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for raw in self.ws:
                with self._lock:
                    self.events.append(json.loads(raw))
        except ConnectionClosed:
            return

    def research(self) -> list[dict[str, Any]]:
        with self._lock:
            return [event for event in self.events if str(event.get("type", "")).startswith("research.")]

    def close(self) -> None:
        self._connection.__exit__(None, None, None)
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def admin(stack: LocalStack) -> Studio:
    return Studio(stack, stack.admin_token())


@pytest.fixture
def listener(stack: LocalStack) -> Iterator[Listener]:
    connection = Listener(stack)
    yield connection
    connection.close()


@pytest.fixture
def fresh_api(api: FakeAnthropic) -> FakeAnthropic:
    api.script()  # nothing left over from another test
    return api


def assert_in_order(events: list[dict[str, Any]]) -> None:
    seqs = [event["seq"] for event in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs


def test_detect_reads_a_page_on_this_machine(admin: Studio) -> None:
    # Given a company's home page served on 127.0.0.1 (local mode may read it)
    page = b"<html><head><title>Acme - Home</title><meta name='description' content='Anvils since 1949.'></head></html>"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        # When the admin asks what it says
        found = admin.call("POST", f"{PROFILE}/detect", 200, json={"url": f"{url}/about"})
    finally:
        server.shutdown()
        server.server_close()
    # Then the name, the description and the site's origin come back
    assert found == {"name": "Acme", "description": "Anvils since 1949.", "website": url}


def test_non_admins_cannot_write(stack: LocalStack, admin: Studio) -> None:
    # Given a signed-in user who is not an administrator
    admin.call("POST", "/api/admin/users", 201, json={"username": "bob", "password": "correct horse battery"})
    login = requests.post(
        f"{stack.base_url}/api/auth/login", json={"username": "bob", "password": "correct horse battery"}, timeout=30
    )
    bob = Studio(stack, login.json()["token"])
    # When they call the write routes, then each is refused
    for path, body in [
        (f"{PROFILE}/initialize", {"name": "Bob's company"}),
        (f"{PROFILE}/detect", {"url": "https://acme.example"}),
        (f"{PROFILE}/research/{'0' * 32}", None),
        (f"{PROFILE}/research/{'0' * 32}/skip", None),
        ("/api/profile/onboarding/complete", None),
    ]:
        refused = bob.call("POST", path, 403, json=body)
        assert refused["error"]["code"] == "admin_only"
    # And there is still no profile
    assert bob.call("GET", PROFILE, 404)["error"]["code"] == "profile_not_found"


def test_research_writes_documents_and_streams_its_progress(
    admin: Studio, fresh_api: FakeAnthropic, listener: Listener
) -> None:
    api = fresh_api
    # Given a company introduced (its project made), research pending
    profile = admin.call("POST", f"{PROFILE}/initialize", 201, json={"name": "Acme", "website": "acme.example"})
    project_id = profile["projectId"]
    assert (profile["researchStatus"], profile["website"]) == ("pending", "https://acme.example")
    assert admin.call("GET", f"/api/projects/{project_id}", 200)["name"] == "Acme"
    # And Claude scripted to write two documents, the second held back until the test lets it go
    api.script(
        Reply.write("research/overview.md", OVERVIEW, text="I will start with an overview."),
        dataclasses.replace(Reply.write("research/products-and-services.md", PRODUCTS), hang=True),
        Reply.text("Acme makes anvils. Two documents are in research/."),
    )

    # When the research is started
    started = admin.call("POST", f"{PROFILE}/research/{project_id}", 202)
    assert started["researchStatus"] == "researching"
    cursor = started["researchCursor"]
    # ... and Claude is held while writing the second document, the first one's progress already told
    api.wait_until_hanging(1, timeout=WAIT)
    early = wait_until(
        lambda: _until_tool(admin.stream(project_id, cursor)["events"], "Write research/overview.md"),
        timeout=WAIT,
        what="the first Write to be relayed",
    )
    # Then a long-poll from the last event waits, and receives what comes once Claude goes on
    waited: dict[str, Any] = {}
    poll = threading.Thread(
        target=lambda: waited.update(admin.stream(project_id, early[-1]["seq"], wait=25)), daemon=True
    )
    poll.start()
    api.release()
    poll.join(timeout=40)
    assert not poll.is_alive() and waited["events"], waited
    assert waited["events"][0]["seq"] > early[-1]["seq"]
    events = early + waited["events"] + admin.follow(project_id, waited["cursor"])

    # And the events came in order, from started to completed, with the documents on the way
    assert_in_order(events)
    types = [event["type"] for event in events]
    assert types[0] == "research.started" and types[-1] == "research.completed", types
    assert types.count("research.document") == 2 and set(types) <= {
        "research.started", "research.progress", "research.document", "research.completed"
    }  # fmt: skip
    assert {"text": "I will start with an overview."}.items() <= next(e for e in events if "text" in e).items()
    documents = {e["path"]: e for e in events if e["type"] == "research.document"}
    assert documents["research/overview.md"]["title"] == "Acme overview"
    assert documents["research/products-and-services.md"]["title"] == "Products and services"
    assert events[-1]["documents"] == 2
    # And the WebSocket received the same events, in the same order
    wait_until(lambda: listener.research()[-1:] == events[-1:], timeout=WAIT, what="the WebSocket to catch up")
    assert listener.research() == events
    # And the profile is completed; the documents are in the project (files API) and in research_documents
    done = admin.call("GET", PROFILE, 200)
    assert (done["researchStatus"], done["researchError"]) == ("completed", None)
    read = admin.call("GET", f"/api/projects/{project_id}/files/content", 200, params={"path": "research/overview.md"})
    assert read["content"] == OVERVIEW
    listed = admin.call("GET", f"{PROFILE}/research/{project_id}/documents", 200)
    assert [(d["path"], d["title"], d["size"]) for d in listed] == [
        ("research/overview.md", "Acme overview", len(OVERVIEW)),
        ("research/products-and-services.md", "Products and services", len(PRODUCTS)),
    ]
    # And Claude was asked about the company, told it runs unattended with web tools allowed
    first = api.message_requests[0]
    assert "Research the company 'Acme', whose website is https://acme.example" in first.last_user_text
    assert "unattended run" in first.system_text and "WebSearch and WebFetch" in first.system_text


def test_a_failed_research_says_why_and_is_retried(admin: Studio, fresh_api: FakeAnthropic) -> None:
    api = fresh_api
    project_id = admin.call("GET", PROFILE, 200)["projectId"]
    # Given Claude's API failing
    api.script(Reply.http_error(500, "the fake is down"))
    # When the research is run
    started = admin.call("POST", f"{PROFILE}/research/{project_id}", 202)
    events = admin.follow(project_id, started["researchCursor"])
    # Then it failed, saying why, in the stream and on the profile
    assert events[0]["type"] == "research.started" and events[-1]["type"] == "research.failed", events
    assert "500" in events[-1]["message"], events[-1]
    failed = admin.call("GET", PROFILE, 200)
    assert failed["researchStatus"] == "failed" and "500" in failed["researchError"]

    # When it is retried with the same call, Claude answering this time
    api.script(Reply.write("research/overview.md", "# Acme, again\n\nStill anvils.\n"), Reply.text("Done."))
    retry = admin.call("POST", f"{PROFILE}/research/{project_id}", 202)
    again = admin.follow(project_id, retry["researchCursor"])
    # Then the new run's events follow the failed run's, and it completed
    assert_in_order(events + again)
    assert again[0]["type"] == "research.started" and again[-1]["type"] == "research.completed", again
    assert [e["path"] for e in again if e["type"] == "research.document"] == ["research/overview.md"]
    completed = admin.call("GET", PROFILE, 200)
    assert (completed["researchStatus"], completed["researchError"]) == ("completed", None)
    listed = {d["path"]: d for d in admin.call("GET", f"{PROFILE}/research/{project_id}/documents", 200)}
    assert listed["research/overview.md"]["title"] == "Acme, again"


def test_research_without_a_document_fails_then_is_skipped_and_onboarding_completes(
    admin: Studio, fresh_api: FakeAnthropic
) -> None:
    project_id = admin.call("GET", PROFILE, 200)["projectId"]
    # Given Claude answering without writing anything
    fresh_api.script(Reply.text("I could not find anything about them."))
    started = admin.call("POST", f"{PROFILE}/research/{project_id}", 202)
    events = admin.follow(project_id, started["researchCursor"])
    assert events[-1]["type"] == "research.failed" and "without writing" in events[-1]["message"]
    # When the admin skips the research, then completes onboarding
    skipped = admin.call("POST", f"{PROFILE}/research/{project_id}/skip", 200)
    completed = admin.call("POST", "/api/profile/onboarding/complete", 200)
    # Then the research stays failed, marked skipped, and onboarding is complete
    assert (skipped["researchStatus"], skipped["researchSkipped"]) == ("failed", True)
    assert (completed["onboardingCompleted"], completed["researchSkipped"]) == (True, True)
    assert admin.call("GET", PROFILE, 200)["onboardingCompleted"] is True


def _until_tool(events: list[dict[str, Any]], summary: str) -> list[dict[str, Any]] | None:
    """The events so far, once the progress event of a tool call is among them."""
    return events if any(event.get("summary") == summary for event in events) else None
