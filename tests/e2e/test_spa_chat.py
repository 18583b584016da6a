"""The Chat screen in real Chromium against a real local stack whose runner drives the real Claude CLI, answered by
a scripted fake Messages API: projects, streamed Markdown, tool calls and permission prompts, queued messages,
stop, reconnects, older turns page by page, and model output that tries to inject markup."""

from __future__ import annotations

import json
import os
import re
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Dialog, Locator, Page, Route, WebSocketRoute, expect

from tests.e2e.browser import watch
from tests.support.accounts_e2e import ADMIN, admin_session, call, seed_session
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack

pytestmark = [
    pytest.mark.e2e,
    requires_claude,
]

# The first pong crosses SQS and the runner, which may still be starting; a turn starts the CLI: bounds, not sleeps.
CONNECT_TIMEOUT_MS = 45_000
TURN_TIMEOUT_MS = 60_000
USAGE = re.compile(r"^[\d.,]+K? tokens in · [\d.,]+K? out · \$\d+\.\d+ · [\d.]+ m?s$")
# Records every distinct text the first answer shows, so a test can see it grow.
RECORD_ANSWER_TEXTS = """() => {
    window.__answerTexts = [];
    new MutationObserver(() => {
        const text = document.querySelector('.turn .markdown')?.textContent ?? '';
        if (text && text !== window.__answerTexts.at(-1)) window.__answerTexts.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""


def create_project(stack: LocalStack, name: str) -> dict[str, Any]:
    token = admin_session(stack).token
    response = requests.post(
        f"{stack.base_url}/api/projects", json={"name": name}, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    response.raise_for_status()
    return dict(response.json())


def open_chat_in(page: Page, stack: LocalStack, name: str) -> dict[str, Any]:
    """Signs the page in, creates a project and picks it on the Chat screen; returns the project."""
    project = create_project(stack, f"{name} {time.monotonic_ns()}")
    seed_session(page, admin_session(stack))
    page.goto("/chat")
    page.get_by_label("Project", exact=True).select_option(label=project["name"])
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT_MS)
    return project


def composer(page: Page) -> Locator:
    return page.get_by_label("Message", exact=True)


def send(page: Page, text: str) -> None:
    composer(page).fill(text)
    composer(page).press("Enter")


def turn(page: Page, number: int) -> Locator:
    return page.locator(f'.turn[data-turn="{number}"]')


def answer_of(page: Page, number: int) -> Locator:
    return turn(page, number).locator(".msg-assistant .markdown")


def expect_done(page: Page, number: int) -> None:
    """The turn has ended, and the chat list has refreshed after it (so leaving the page aborts no request)."""
    expect(turn(page, number)).to_have_attribute("data-phase", "completed", timeout=TURN_TIMEOUT_MS)
    expect(page.get_by_role("navigation", name="Chats")).to_have_attribute("aria-busy", "false")


class SocketGate:
    """Passes the page's WebSockets through to the real /ws; `cut()` drops them, refusing new ones till `restore()`."""

    def __init__(self) -> None:
        self.open = True
        self.live: list[tuple[WebSocketRoute, WebSocketRoute]] = []

    def route(self, page_side: WebSocketRoute) -> None:
        if not self.open:
            page_side.close()
            return
        self.live.append((page_side, page_side.connect_to_server()))

    def cut(self) -> None:
        self.open = False
        for page_side, server_side in self.live:
            page_side.close()
            server_side.close()
        self.live.clear()

    def restore(self) -> None:
        self.open = True


def test_signed_in_a_person_creates_a_project_and_watches_the_answer_stream_in(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given the administrator of an installation already set up, signing in through the form, with a browser that
    # records problems
    problems = watch(page)
    session = admin_session(stack)  # registered, on a fresh stack
    status, _ = call(stack, "POST", "/api/profile/onboarding/complete", token=session.token)
    assert status == 200
    page.goto("/chat")
    page.get_by_label("Username").fill(ADMIN.username)
    page.get_by_label("Password").fill(ADMIN.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/chat$"))

    # Then, with no project yet, the composer is disabled and says why, and the first project can be named in place
    expect(composer(page)).to_be_disabled()
    expect(page.locator(".composer-reason")).to_have_text("Pick or create a project to start chatting.")
    expect(page.get_by_role("main")).to_contain_text("Pick a project to start.")
    name = f"Launch plan {time.monotonic_ns()}"
    page.get_by_label("Name your first project").fill(name)
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_label("Project", exact=True)).to_have_value(re.compile(r"^[0-9a-f]{32}$"))
    expect(page.locator("#chat-title")).to_have_text("New chat")
    expect(composer(page)).to_be_enabled()
    expect(page.get_by_label("Permission mode for this chat")).to_have_value("default")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT_MS)

    # When they send a message (Shift+Enter is a new line, Enter sends) and Claude answers in chunks, the last one late
    api.script(
        Reply.text(
            ["The plan", " has **three** steps:", "\n\n- gather\n- write\n", "- review\n\nDone."],
            delay=[0, 1.0, 1.0, 3],  # gaps far above the 50 ms coalescing window, even on a loaded machine
        )
    )
    page.evaluate(RECORD_ANSWER_TEXTS)
    composer(page).fill("Outline the plan")
    composer(page).press("Shift+Enter")
    composer(page).press_sequentially("briefly")
    composer(page).press("Enter")

    # Then their message shows at once, and the answer appears progressively, as Markdown, while the turn still runs
    expect(turn(page, 1).locator(".msg-user-text")).to_have_text("Outline the plan\nbriefly")
    expect(composer(page)).to_have_value("")
    expect(answer_of(page, 1).locator("li")).to_have_text(["gather", "write"], timeout=TURN_TIMEOUT_MS)
    expect(answer_of(page, 1).locator("strong")).to_have_text("three")
    expect(turn(page, 1)).to_have_attribute("data-phase", "running")
    expect(answer_of(page, 1)).not_to_contain_text("Done.")
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    expect(turn(page, 1).locator(".msg-usage")).to_have_count(0)

    # And once it ends: the whole answer, the turn's usage under it, no Stop button, and the chat in the list
    expect_done(page, 1)
    expect(answer_of(page, 1).locator("li")).to_have_text(["gather", "write", "review"])
    expect(answer_of(page, 1)).to_contain_text("Done.")
    expect(turn(page, 1).locator(".msg-usage")).to_have_text(USAGE)
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    texts: list[str] = page.evaluate("window.__answerTexts")
    assert len(texts) >= 3, texts  # it grew in steps, not all at once
    assert all(len(a) < len(b) for a, b in pairwise(texts)) and texts[0].startswith("The plan"), texts
    chats = page.get_by_role("navigation", name="Chats")
    expect(chats.get_by_role("button", name=re.compile(r"^Outline the plan briefly"))).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.locator("#chat-title")).to_have_text("Outline the plan briefly")
    expect(page).to_have_url(re.compile(r"/chat\?project=[0-9a-f]{32}&session=[0-9a-f]{32}$"))

    # When they reload, then the conversation comes back from its history
    page.reload()
    expect(answer_of(page, 1)).to_contain_text("Done.")
    expect(turn(page, 1).locator(".msg-user-text")).to_have_text("Outline the plan\nbriefly")
    expect(turn(page, 1).locator(".msg-usage")).to_have_text(USAGE)
    page.wait_for_load_state("networkidle")  # leaving with the chat's settings still loading would abort them

    # And the project is remembered when they come back to Chat itself
    page.goto("/chat")
    expect(page.get_by_label("Project", exact=True).locator("option:checked")).to_have_text(name)
    expect(page.locator("#chat-title")).to_have_text("New chat")

    assert not problems, problems.summary()


def test_a_write_waits_for_permission_and_shows_as_done_once_allowed(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a project open on the Chat screen, in the default mode (ask before changes)
    problems = watch(page)
    project = open_chat_in(page, stack, "Notes")
    api.script(Reply.write("notes.md", "# Notes\n", text="I will write the notes."), Reply.text("Written."))

    # When Claude wants to write a file
    send(page, "Write the notes")

    # Then the tool call shows as running, with the question inline and Allow / Deny
    tool = turn(page, 1).locator(".tool")
    question = turn(page, 1).get_by_role("alertdialog", name="Permission request")
    expect(question).to_contain_text("Claude wants to use Write: Write notes.md", timeout=TURN_TIMEOUT_MS)
    expect(tool).to_have_attribute("data-state", "running")
    expect(tool.locator(".tool-summary")).to_have_text("Write notes.md")
    expect(turn(page, 1).locator(".msg-pending")).to_have_text("Waiting for your answer…")

    # When they allow it, then the question folds away, the tool call is done and the answer goes on
    question.get_by_role("button", name="Allow", exact=True).click()
    expect(question).to_have_count(0)
    expect(turn(page, 1).locator(".permission-done")).to_have_text("You allowed Write notes.md")
    expect(tool).to_have_attribute("data-state", "done", timeout=TURN_TIMEOUT_MS)
    expect(tool.locator(".tool-state")).to_have_text("Done")
    expect_done(page, 1)
    expect(turn(page, 1).locator(".markdown").last).to_have_text("Written.")
    expect(turn(page, 1).locator(".msg-usage")).to_have_text(USAGE)

    # And the tool call opens to show its result, and the file is in the project's storage
    expect(tool.locator(".tool-result")).not_to_be_visible()
    tool.locator("summary").click()
    expect(tool.locator(".tool-result")).to_be_visible()
    key = f"projects/{project['id']}/files/notes.md"
    assert stack.client("s3").get_object(Bucket="studio-workspace", Key=key)["Body"].read() == b"# Notes\n"

    # When the chat is opened again later, then it still shows what Claude did, in order, and what was allowed
    page.reload()
    expect(turn(page, 1).locator(".markdown").last).to_have_text("Written.", timeout=TURN_TIMEOUT_MS)
    reopened = turn(page, 1)
    expect(reopened.locator(".tool")).to_have_attribute("data-state", "done")
    expect(reopened.locator(".tool-summary")).to_have_text("Write notes.md")
    expect(reopened.locator(".permission-done")).to_have_text("You allowed Write notes.md")
    expect(reopened.locator(".markdown")).to_have_text(["I will write the notes.", "Written."])
    assert not problems, problems.summary()


# Ten steps of a build, one line each, then a last line that only shows once the whole command is unfolded.
LONG_COMMAND = "\n".join(
    [
        "set -e",
        "mkdir -p build",
        *(f"printf 'step {n:02}: %s\\n' 'compile module {n:02}' >> build/steps.log" for n in range(1, 11)),
        "printf '%s\\n' '" + "checksum-" * 30 + "' >> build/steps.log",  # a 270-character line with no spaces
        "echo all ten steps are done",
    ]
)


def test_a_long_command_shows_whole_in_a_box_that_scrolls_and_runs_once_allowed(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a chat in which Claude wants to run a 14-line command of almost 1,000 characters
    problems = watch(page)
    open_chat_in(page, stack, "Build")
    tool_input = {"command": LONG_COMMAND, "description": "Build the report in ten steps"}
    api.script(Reply.tool_use("Bash", tool_input), Reply.text("All ten steps ran."))
    send(page, "Build the report")

    # Then the card shows the summary line, the description, and the whole command, down to its last line, in a
    # monospace box the keyboard can scroll
    card = turn(page, 1).get_by_role("alertdialog", name="Permission request")
    expect(card).to_contain_text("Claude wants to use Bash: Bash: set -e mkdir -p build", timeout=TURN_TIMEOUT_MS)
    expect(card.locator(".permission-description")).to_have_text("Build the report in ten steps")
    command = card.get_by_role("region", name="The whole command")
    expect(command).to_have_text(LONG_COMMAND)
    assert command.text_content() == LONG_COMMAND  # newlines and all
    expect(command).to_have_attribute("tabindex", "0")
    command.get_by_text("echo all ten steps are done").scroll_into_view_if_needed()
    expect(card.get_by_text("echo all ten steps are done")).to_be_in_viewport()

    # And on a phone-sized screen the long line wraps inside the card instead of widening the page
    page.set_viewport_size({"width": 390, "height": 844})
    expect(card).to_be_visible()
    assert command.evaluate("pre => pre.scrollWidth <= pre.clientWidth")
    box = card.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})  # back to the chat list, which the end of a turn refreshes

    # When they allow it, then the command runs and the answer goes on
    card.get_by_role("button", name="Allow", exact=True).click()
    expect(turn(page, 1).locator(".permission-done")).to_contain_text("You allowed Bash: set -e")
    expect_done(page, 1)
    expect(answer_of(page, 1)).to_have_text("All ten steps ran.")
    assert "all ten steps are done" in json.dumps(api.message_requests[-1].tool_results())
    assert not problems, problems.summary()


def test_a_question_claude_asks_is_answered_by_picking_a_choice(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a chat in which Claude asks which database to use
    problems = watch(page)
    open_chat_in(page, stack, "Question")
    question = {
        "question": "Which database should the project use?",
        "header": "Database",
        "options": [
            {"label": "PostgreSQL", "description": "relational"},
            {"label": "DynamoDB", "description": "NoSQL"},
        ],
        "multiSelect": False,
    }
    api.script(Reply.tool_use("AskUserQuestion", {"questions": [question]}), Reply.text("Going with DynamoDB."))
    send(page, "set up storage")

    # Then the question shows with its choices, in place of a tool call
    card = turn(page, 1).get_by_role("form", name="Claude asks")
    expect(card.get_by_role("group", name="Database Which database should the project use?")).to_be_visible(
        timeout=TURN_TIMEOUT_MS
    )
    expect(card.get_by_role("radio")).to_have_count(2)
    expect(turn(page, 1).locator(".tool")).to_have_count(0)

    # When they send without choosing, they are told to choose; when they pick one, the answer continues the turn
    card.get_by_role("button", name="Send answer").click()
    expect(card.get_by_role("alert")).to_have_text("Choose an answer for each question.")
    card.get_by_label("DynamoDB").check()
    card.get_by_role("button", name="Send answer").click()
    expect(turn(page, 1).locator(".permission-done")).to_have_text(
        "You answered: Which database should the project use? → DynamoDB"
    )
    expect_done(page, 1)
    expect(answer_of(page, 1)).to_have_text("Going with DynamoDB.")
    assert "DynamoDB" in json.dumps(api.message_requests[-1].tool_results())

    # And reopened later, the chat still says what was asked and answered
    page.reload()
    expect(answer_of(page, 1)).to_have_text("Going with DynamoDB.", timeout=TURN_TIMEOUT_MS)
    expect(turn(page, 1).locator(".permission-done")).to_have_text(
        "You answered: Which database should the project use? → DynamoDB"
    )
    expect(turn(page, 1).locator(".tool")).to_have_count(0)
    assert not problems, problems.summary()


def test_markup_from_the_model_or_the_person_is_shown_as_text_and_never_runs(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a chat, a page that records dialogs and requests, and a model answer full of injected markup
    problems = watch(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: _dismiss(dialog, dialogs))
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if "example.invalid" in request.url else None)
    open_chat_in(page, stack, "Markup")
    payload = [
        "**Bold** and `code`.\n\n",
        "<script>window.__pwned = 'script'; alert('script')</script>\n\n",
        "Inline <img src=x onerror=\"window.__pwned = 'img'; alert('img')\"> there.\n\n",
        '<a href="javascript:alert(1)" onclick="alert(2)">html link</a>\n\n',
        "[md link](javascript:window.__pwned='link') and [good link](https://example.org/docs)\n\n",
        "![tracking pixel](https://example.invalid/pixel.png?leak=secret)\n",
    ]
    api.script(Reply.text(payload))

    # When a message with markup of its own is sent and the answer arrives
    send(page, "Show me <b>markup</b> <img src=x onerror=alert('me')>")
    expect_done(page, 1)

    # Then Markdown is formatted, while every tag from the model or the person is plain text
    answer = answer_of(page, 1)
    log = page.get_by_role("log", name="Conversation")
    expect(turn(page, 1).locator(".msg-user-text")).to_have_text(
        "Show me <b>markup</b> <img src=x onerror=alert('me')>"
    )
    expect(answer.locator("strong")).to_have_text("Bold")
    expect(answer.locator("code").first).to_have_text("code")
    expect(answer).to_contain_text("<script>window.__pwned = 'script'; alert('script')</script>")
    expect(answer).to_contain_text("Inline <img src=x onerror=")
    expect(log.locator("script, img, iframe, b, [onerror], [onclick]")).to_have_count(0)

    # And no link can run script; real links open in a new tab without access to the page; no image was fetched
    expect(answer.get_by_role("link", name="good link")).to_have_attribute("href", "https://example.org/docs")
    expect(answer.get_by_role("link", name="good link")).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(answer.get_by_role("link", name="good link")).to_have_attribute("target", "_blank")
    expect(answer.locator('[href^="javascript:" i]')).to_have_count(0)
    expect(answer.get_by_role("link", name="tracking pixel")).to_have_attribute("href", re.compile(r"example\.invalid"))
    assert page.evaluate("window.__pwned") is None
    assert dialogs == [] and outside == []
    assert not problems, problems.summary()


def _dismiss(dialog: Dialog, seen: list[str]) -> None:
    seen.append(dialog.message)
    dialog.dismiss()


def test_a_message_sent_while_claude_works_is_queued_and_stop_ends_a_turn(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a chat whose first answer takes a while (long enough for the second message to be sent meanwhile on a
    # busy machine, where the first part can take a second or two to show)
    problems = watch(page)
    open_chat_in(page, stack, "Queue")
    api.script(Reply.text(["first ", "answer"], delay=[0, 6]), Reply.text(["second answer"]))
    send(page, "one")
    expect(answer_of(page, 1)).to_contain_text("first", timeout=TURN_TIMEOUT_MS)

    # When they send another message meanwhile, then it shows as queued and is answered after the first
    send(page, "two")
    expect(turn(page, 2)).to_have_attribute("data-phase", "queued")
    expect(turn(page, 2).locator(".msg-badge")).to_have_text("Queued")
    expect_done(page, 1)
    expect_done(page, 2)
    expect(answer_of(page, 1)).to_have_text("first answer")
    expect(answer_of(page, 2)).to_have_text("second answer")

    # When a long answer is under way and they press Stop, then the turn ends as stopped and Stop goes away
    api.script(Reply.text(["Thinking about it", " for a long while"], delay=[0, 20]))
    send(page, "three")
    expect(answer_of(page, 3)).to_contain_text("Thinking about it", timeout=TURN_TIMEOUT_MS)
    page.get_by_role("button", name="Stop").click()
    expect(turn(page, 3)).to_have_attribute("data-phase", "aborted", timeout=TURN_TIMEOUT_MS)
    expect(turn(page, 3).locator(".msg-stopped")).to_have_text("Stopped.")
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    expect(composer(page)).to_be_enabled()
    assert not problems, problems.summary()


def test_a_dropped_connection_shows_reconnecting_and_resumes_without_losing_text(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a chat whose WebSocket the test can cut, and an answer streaming in twelve parts
    problems = watch(page)
    gate = SocketGate()
    page.route_web_socket(re.compile(r"/ws(\?|$)"), gate.route)
    open_chat_in(page, stack, "Reconnect")
    parts = [f"part {n}. " for n in range(12)]
    api.script(Reply.text(parts, delay=0.25))
    send(page, "tell me a story")
    expect(answer_of(page, 1)).to_contain_text("part 1.", timeout=TURN_TIMEOUT_MS)

    # When the connection drops mid-answer and cannot come back for a while
    gate.cut()

    # Then the conversation says it is reconnecting, and keeps the text it has
    banner = page.locator("#chat-reconnecting")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Reconnecting…")
    expect(answer_of(page, 1)).to_contain_text("part 1.")

    # When it comes back, then the missed text is replayed: the whole answer, each part exactly once
    gate.restore()
    expect(banner).to_have_count(0, timeout=CONNECT_TIMEOUT_MS)
    expect_done(page, 1)
    expect(answer_of(page, 1)).to_have_text("".join(parts).strip())
    expect(turn(page, 1).locator(".msg-usage")).to_have_text(USAGE)
    assert not problems, problems.summary()


class Scrambler:
    """Passes the page's WebSockets through, but delivers each text delta late, after its successor, and that
    successor twice: the page sees gaps, events out of order and duplicates. Records the page's actions."""

    def __init__(self) -> None:
        self.actions: list[str] = []

    def route(self, page_side: WebSocketRoute) -> None:
        server_side = page_side.connect_to_server()
        held: list[str | bytes] = []

        def from_server(message: str | bytes) -> None:
            if json.loads(message).get("type") == "text.delta" and not held:
                held.append(message)
                return
            page_side.send(message)
            if held:
                page_side.send(held.pop())
                page_side.send(message)

        def from_page(message: str | bytes) -> None:
            self.actions.append(json.loads(message)["action"])
            server_side.send(message)

        server_side.on_message(from_server)
        page_side.on_message(from_page)


def test_events_out_of_order_or_twice_are_shown_once_and_in_order(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a connection that reorders and repeats the session's events
    problems = watch(page)
    scrambler = Scrambler()
    page.route_web_socket(re.compile(r"/ws(\?|$)"), scrambler.route)
    open_chat_in(page, stack, "Scrambled")
    parts = [f"word{n} " for n in range(10)]
    api.script(Reply.text(parts, delay=0.1))

    # When an answer streams in
    send(page, "count")
    expect_done(page, 1)

    # Then every part shows exactly once, in order, and the gaps were filled by asking for a replay
    expect(answer_of(page, 1)).to_have_text("".join(parts).strip())
    assert "session.resume" in scrambler.actions, scrambler.actions
    assert not problems, problems.summary()


def test_reloading_mid_answer_rebuilds_it_from_the_log_and_follows_it_to_the_end(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given an answer half streamed in
    problems = watch(page)
    open_chat_in(page, stack, "Reload")
    parts = [f"line {n}. " for n in range(10)]
    api.script(Reply.text(parts, delay=[0, 0.2, 0.2, 2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]))
    send(page, "a long answer")
    expect(answer_of(page, 1)).to_contain_text("line 2.", timeout=TURN_TIMEOUT_MS)
    expect(page.get_by_role("navigation", name="Chats")).to_have_attribute("aria-busy", "false")

    # When the page is reloaded while the turn still runs
    page.reload()

    # Then the text so far is back at once, and the rest follows, each part once
    expect(answer_of(page, 1)).to_contain_text("line 0. line 1. line 2.")
    expect_done(page, 1)
    expect(answer_of(page, 1)).to_have_text("".join(parts).strip())
    expect(turn(page, 1).locator(".msg-usage")).to_have_text(USAGE)
    assert not problems, problems.summary()


def test_older_turns_load_page_by_page_when_scrolling_up(page: Page, stack: LocalStack, api: FakeAnthropic) -> None:
    # Given a chat with one real turn, whose history the test then serves as 60 turns in pages of 20
    problems = watch(page)
    open_chat_in(page, stack, "History")
    api.script(Reply.text("A real answer."))
    send(page, "hello")
    expect_done(page, 1)
    pages_served: list[str] = []
    page.route(re.compile(r"/api/sessions/[0-9a-f]{32}/turns\?"), lambda route: _serve_history(route, pages_served))

    # When the chat is opened again
    page.reload()

    # Then the newest page shows, scrolled to its end
    expect(answer_of(page, 60)).to_have_text("Answer 60")
    expect(answer_of(page, 60)).to_be_in_viewport()
    expect(page.locator(".turn")).to_have_count(20)

    # When they scroll to the top, then the older pages load in front, keeping their place, until the first turn
    log = page.get_by_role("log", name="Conversation")
    log.evaluate("el => { el.scrollTop = 0; }")
    expect(page.locator(".turn")).to_have_count(40)
    expect(answer_of(page, 41)).to_be_in_viewport()
    log.evaluate("el => { el.scrollTop = 0; }")
    expect(page.locator(".turn")).to_have_count(60)
    expect(page.get_by_role("button", name="Load earlier messages")).to_have_count(0)
    expect(page.locator(".turn").first).to_have_attribute("data-turn", "1")
    assert pages_served == ["", "41", "21"]
    assert not problems, problems.summary()


def _serve_history(route: Route, served: list[str]) -> None:
    """GET /api/sessions/{id}/turns as the API answers it, for a session of 60 turns (newest first)."""
    query = dict(part.split("=", 1) for part in route.request.url.split("?", 1)[1].split("&"))
    before = int(query.get("before", 61))
    served.append(query.get("before", ""))
    numbers = list(range(before - 1, max(0, before - 21), -1))
    turns = [
        {
            "turn": n,
            "request": f"Question {n}",
            "response": f"Answer {n}",
            "status": "completed",
            "error": None,
            "usage": {"inputTokens": 10, "outputTokens": 5, "cacheReadTokens": 0, "cacheWriteTokens": 0},
            "costUsd": 0.001,
            "durationMs": 900,
            "model": "claude-sonnet-4-5",
            "createdAt": "2026-01-01T00:00:00Z",
        }
        for n in numbers
    ]
    next_before = numbers[-1] if numbers[-1] > 1 else None
    route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"turns": turns, "nextBefore": next_before})
    )


def test_a_failed_turn_shows_its_error_in_place_and_the_chat_goes_on(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a chat, and a model API that fails once
    problems = watch(page)
    open_chat_in(page, stack, "Errors")
    api.script(Reply.http_error(500), Reply.text("Recovered."))

    # When a message is sent, then the turn ends with the error in plain words and its code in place, not as a toast
    send(page, "hello")
    expect(turn(page, 1)).to_have_attribute("data-phase", "failed", timeout=TURN_TIMEOUT_MS)
    error = turn(page, 1).get_by_role("alert")
    expect(error).to_contain_text("Claude\u2019s service did not answer properly. Try again in a moment.")
    expect(error).not_to_contain_text("answered 500")
    expect(error.locator(".msg-error-code")).to_have_text("claude_api_error")
    expect(turn(page, 1).locator(".msg-usage")).to_have_count(0)
    expect(page.get_by_role("region", name="Notifications").locator(".notice")).to_have_count(0)

    # And the next message is answered as usual
    send(page, "again")
    expect_done(page, 2)
    expect(answer_of(page, 2)).to_have_text("Recovered.")
    assert not problems, problems.summary()


def test_accept_edits_picked_for_a_new_chat_writes_without_asking(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a new chat whose permission mode is set to "Accept edits"
    problems = watch(page)
    project = open_chat_in(page, stack, "Edits")
    page.get_by_label("Permission mode for this chat").select_option(label="Accept edits")
    api.script(Reply.write("plan.md", "steps\n"), Reply.text("Planned."))

    # When Claude writes a file, then nobody is asked, the tool call is done, and the chat keeps its mode
    send(page, "write the plan")
    expect_done(page, 1)
    expect(turn(page, 1).locator(".tool")).to_have_attribute("data-state", "done")
    expect(turn(page, 1).locator(".tool-summary")).to_have_text("Write plan.md")
    expect(turn(page, 1).get_by_role("alertdialog", name="Permission request")).to_have_count(0)
    expect(page.locator(".chat-subtitle")).to_have_text(f"{project['name']} · Accept edits")
    expect(page.get_by_label("Permission mode for this chat")).to_have_count(0)  # fixed once the chat exists
    assert not problems, problems.summary()


def test_chats_are_listed_newest_first_renamed_opened_and_deleted_after_confirming(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given two chats in a project, the second one open
    problems = watch(page)
    open_chat_in(page, stack, "Sessions")
    api.script(Reply.text("One."), Reply.text("Two."))
    send(page, "first chat")
    expect_done(page, 1)
    page.get_by_role("button", name="New chat").click()
    expect(page.locator("#chat-title")).to_have_text("New chat")
    send(page, "second chat")
    expect_done(page, 1)
    chats = page.get_by_role("navigation", name="Chats")
    expect(chats.locator(".session-title")).to_have_text(["second chat", "first chat"])

    # When the first is renamed in its dialog, then the list shows the new title
    chats.get_by_role("button", name="Rename “first chat”").click()
    dialog = page.get_by_role("dialog", name="Rename chat")
    expect(dialog.get_by_label("Title")).to_have_value("first chat")
    dialog.get_by_label("Title").fill("Kick-off notes")
    dialog.get_by_role("button", name="Rename").click()
    expect(dialog).to_have_count(0)
    expect(chats.locator(".session-title")).to_have_text(["second chat", "Kick-off notes"])

    # When the open chat's Delete is cancelled, nothing changes; confirmed, it is gone and a new chat is open
    chats.get_by_role("button", name="Delete “second chat”").click()
    confirm = page.get_by_role("dialog", name="Delete this chat?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(chats.locator(".session-title")).to_have_text(["second chat", "Kick-off notes"])
    chats.get_by_role("button", name="Delete “second chat”").click()
    confirm.get_by_role("button", name="Delete chat").click()
    expect(chats.locator(".session-title")).to_have_text(["Kick-off notes"])
    expect(page.locator("#chat-title")).to_have_text("New chat")

    # When the renamed chat is opened, then its history shows under its new title
    chats.get_by_role("button", name=re.compile(r"^Kick-off notes")).click()
    expect(page.locator("#chat-title")).to_have_text("Kick-off notes")
    expect(turn(page, 1).locator(".msg-user-text")).to_have_text("first chat")
    expect(answer_of(page, 1)).to_have_text("One.")
    assert not problems, problems.summary()


# Records the text of every permission card that appears, so a test can tell that none appeared for a request.
RECORD_CARDS = """() => {
    window.__cards = [];
    const seen = new WeakSet();
    new MutationObserver(() => {
        for (const card of document.querySelectorAll('.permission[data-answer="pending"]')) {
            if (seen.has(card)) continue;
            seen.add(card);
            window.__cards.push(card.querySelector('.permission-text').textContent.trim());
        }
    }).observe(document.body, { subtree: true, childList: true });
}"""


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it
    if folder:
        page.screenshot(path=str(Path(folder) / f"chat-{name}.png"))


# axe-core on the open permission card: its serious and critical violations.
CARD_AXE = """async () => {
    const result = await axe.run('.permission[data-answer="pending"]', { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}"""


def card_violations(page: Page) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(Path(__file__).parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"))
    return list(page.evaluate(CARD_AXE))


def card_of(page: Page, number: int) -> Locator:
    return turn(page, number).get_by_role("alertdialog", name="Permission request")


def test_an_allowed_write_and_a_denied_command_show_the_same_once_the_chat_is_reopened(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a chat in which Claude writes a 250-line file, then wants to delete a folder
    problems = watch(page)
    open_chat_in(page, stack, "Steps")
    content = "".join(f"line {n}\n" for n in range(1, 251))
    api.script(
        Reply.write("notes.md", content, text="Writing the notes."),
        Reply.tool_use("Bash", {"command": "rm -rf build", "description": "Clean the build"}),
        Reply.text("Done, without cleaning."),
    )
    send(page, "Write the notes, then clean up")

    # Then the write's card takes the focus and shows the path and the content's first 200 lines
    card = card_of(page, 1)
    expect(card).to_contain_text("Claude wants to use Write: Write notes.md", timeout=TURN_TIMEOUT_MS)
    expect(card).to_be_focused()
    expect(card.locator(".permission-facts dd").first).to_have_text("notes.md")
    written = card.get_by_role("region", name="Content of notes.md")
    expect(written).to_contain_text("line 1\nline 2\nline 3\n")
    expect(written).to_contain_text("line 200")
    expect(written).not_to_contain_text("line 201")
    expect(card.locator(".permission-more-lines")).to_have_text("… 50 more lines")
    screenshot(page, "write-approval")
    assert not card_violations(page), card_violations(page)

    # When they allow it, then the focus goes back to the composer, and the command's card takes it, whole
    card.get_by_role("button", name="Allow", exact=True).click()
    expect(composer(page)).to_be_focused()
    expect(card).to_contain_text("Claude wants to use Bash: Bash: rm -rf build", timeout=TURN_TIMEOUT_MS)
    expect(card).to_be_focused()
    expect(card.get_by_role("region", name="The whole command")).to_have_text("rm -rf build")
    expect(card.locator(".permission-rule")).to_have_text(
        "Also runs later commands that start with rm in this chat without asking."
    )

    # When they deny it (by keyboard), then the command shows as denied, not as failed, and the answer goes on
    card.get_by_role("button", name="Deny").focus()
    page.keyboard.press("Enter")
    expect(composer(page)).to_be_focused()
    expect_done(page, 1)
    tools = turn(page, 1).locator(".tool")
    expect(tools.locator(".tool-summary")).to_have_text(["Write notes.md", "Bash: rm -rf build"])
    expect(tools.locator(".tool-state")).to_have_text(["Done", "Denied"])
    expect(tools.nth(1)).to_have_attribute("data-state", "denied")
    done = ["You allowed Write notes.md", "You denied Bash: rm -rf build"]
    expect(turn(page, 1).locator(".permission-done")).to_have_text(done)
    assert "The user declined this action." in json.dumps(api.message_requests[-1].tool_results())

    # When the chat is opened again, then it shows the same steps, words and states, in the same order
    page.reload()
    expect(turn(page, 1).locator(".markdown").last).to_have_text("Done, without cleaning.", timeout=TURN_TIMEOUT_MS)
    reopened = turn(page, 1)
    expect(reopened.locator(".tool-summary")).to_have_text(["Write notes.md", "Bash: rm -rf build"])
    expect(reopened.locator(".tool-state")).to_have_text(["Done", "Denied"])
    expect(reopened.locator(".permission-done")).to_have_text(done)
    expect(reopened.locator(".markdown")).to_have_text(["Writing the notes.", "Done, without cleaning."])
    page.wait_for_load_state("networkidle")
    assert not problems, problems.summary()


def test_allow_for_this_session_lets_later_writes_through_until_removed_and_an_edit_shows_its_diff(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a chat in which Claude writes a file, writes another, then edits the first
    problems = watch(page)
    open_chat_in(page, stack, "Session rule")
    page.evaluate(RECORD_CARDS)
    api.script(
        Reply.write("notes.md", "# Notes\nfirst\nsecond\n"),
        Reply.write("todo.md", "- buy milk\n"),
        Reply.tool_use(
            "Edit", {"file_path": "notes.md", "old_string": "first\nsecond", "new_string": "first\n2nd\nthird"}
        ),
        Reply.text("All done."),
    )
    send(page, "Write and edit the notes")

    # When they allow the first write for the session
    card = card_of(page, 1)
    expect(card).to_contain_text("Claude wants to use Write: Write notes.md", timeout=TURN_TIMEOUT_MS)
    rule = "Also lets Claude use Write again in this chat without asking."
    expect(card.locator(".permission-rule")).to_have_text(rule)
    card.get_by_role("button", name="Allow for this session").click()

    # Then the second write runs without a card, and the edit asks, showing what it changes as a diff
    expect(card).to_contain_text("Claude wants to use Edit: Edit notes.md", timeout=TURN_TIMEOUT_MS)
    diff = card.get_by_role("region", name="Changes to notes.md")
    expect(diff.locator(".diff-line")).to_have_count(4)
    removed, added = diff.locator('.diff-line[data-sign="-"]'), diff.locator('.diff-line[data-sign="+"]')
    expect(removed).to_have_text(["-Removed: second"])
    expect(added).to_have_text(["+Added: 2nd", "+Added: third"])
    expect(removed.locator(".diff-sign")).to_have_text("-")  # signed, not told by colour alone
    expect(diff.locator('.diff-line[data-sign=" "]')).to_have_text(["first"])
    screenshot(page, "edit-approval")
    assert not card_violations(page), card_violations(page)
    page.emulate_media(color_scheme="dark")
    assert not card_violations(page), card_violations(page)
    page.emulate_media(color_scheme="light")

    # And on a phone-sized screen the card and its buttons fit the width
    page.set_viewport_size({"width": 390, "height": 844})
    expect(card.get_by_role("button", name="Deny")).to_be_in_viewport()
    box = card.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "edit-approval-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    card.get_by_role("button", name="Allow", exact=True).click()
    expect_done(page, 1)
    expect(turn(page, 1).locator(".permission-done")).to_have_text(
        [
            "You allowed Write notes.md for this session",
            "Allowed without asking (you allowed Write for this session): Write todo.md",
            "You allowed Edit notes.md",
        ]
    )
    expect(turn(page, 1).locator(".tool-state")).to_have_text(["Done", "Done", "Done"])
    results = [block for request in api.message_requests for block in request.tool_results()]
    assert any("todo.md" in json.dumps(block) and not block.get("is_error") for block in results), results
    cards = ["Claude wants to use Write: Write notes.md", "Claude wants to use Edit: Edit notes.md"]
    assert page.evaluate("window.__cards") == cards

    # When the next message writes again, then it runs without a card too: the rule is kept with the chat
    api.script(Reply.write("later.md", "later\n"), Reply.text("Later done."))
    send(page, "One more file")
    expect_done(page, 2)
    expect(turn(page, 2).locator(".permission-done")).to_have_text(
        "Allowed without asking (you allowed Write for this session): Write later.md"
    )
    assert page.evaluate("window.__cards") == cards

    # And reopened, the chat says the same: allowed for the session, allowed without asking
    page.reload()
    expect(turn(page, 2).locator(".markdown")).to_have_text("Later done.", timeout=TURN_TIMEOUT_MS)
    expect(turn(page, 1).locator(".permission-done")).to_have_text(
        [
            "You allowed Write notes.md for this session",
            "Allowed without asking (you allowed Write for this session): Write todo.md",
            "You allowed Edit notes.md",
        ]
    )
    expect(turn(page, 2).locator(".permission-done")).to_have_text(
        "Allowed without asking (you allowed Write for this session): Write later.md"
    )
    page.wait_for_load_state("networkidle")  # the chat's settings load once it opens

    # When the rule is removed in the chat's settings, then the next write asks again
    page.get_by_role("button", name="Chat settings").click()
    dialog = page.get_by_role("dialog", name="Chat settings")
    allowed = dialog.get_by_role("group", name="Allowed for this chat")
    expect(allowed.locator("li code")).to_have_text(["Write"])
    screenshot(page, "allowed-for-this-chat")
    allowed.get_by_role("button", name="Remove Write").click()
    expect(allowed).to_contain_text("Nothing yet.")
    dialog.get_by_role("button", name="Cancel").click()
    api.script(Reply.write("again.md", "again\n"), Reply.text("Asked again."))
    send(page, "And another")
    expect(card_of(page, 3)).to_contain_text("Claude wants to use Write: Write again.md", timeout=TURN_TIMEOUT_MS)
    card_of(page, 3).get_by_role("button", name="Deny").click()
    expect_done(page, 3)
    expect(turn(page, 3).locator(".tool-state")).to_have_text("Denied")
    assert not problems, problems.summary()
