"""The chat basics people expect from ChatGPT and Claude.ai, in real Chromium against a local stack whose runner
drives the real Claude CLI, answered by a scripted fake Messages API: settings chosen before the first message, a
title derived after the first answer, Copy on both messages, Retry and Edit as new turns, and highlighted code blocks
with their own Copy."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser import watch
from tests.e2e.test_spa_chat import (
    TURN_TIMEOUT_MS,
    answer_of,
    composer,
    expect_done,
    open_chat_in,
    send,
    turn,
)
from tests.support.accounts_e2e import admin_session, call, seed_session
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack

pytestmark = [pytest.mark.e2e, requires_claude]

SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"chat-basics-{name}.png"))


def as_admin(stack: LocalStack, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    status, answer = call(stack, method, path, body, token=admin_session(stack).token)
    assert status < 300, (status, answer)
    return answer


def open_new_chat(page: Page, stack: LocalStack, name: str) -> dict[str, Any]:
    """A signed-in page on the Chat screen of a new project, connected, allowed to use the clipboard."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    return open_chat_in(page, stack, name)


def clipboard(page: Page) -> str:
    return str(page.evaluate("navigator.clipboard.readText()"))


def block(page: Page, number: int) -> Locator:
    """A turn with the actions under its answer."""
    return page.locator(".turn-block").filter(has=turn(page, number))


def open_session(page: Page, stack: LocalStack) -> dict[str, Any]:
    session_id = re.search(r"session=([0-9a-f]{32})", page.url)
    assert session_id, page.url
    return dict(as_admin(stack, "GET", f"/api/sessions/{session_id[1]}"))


def test_a_new_chat_takes_its_settings_is_titled_from_its_first_answer_and_copies_both_messages(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a persona, and a new chat whose settings are opened before anything is written
    problems = watch(page)
    marker = time.monotonic_ns()
    persona = as_admin(
        stack, "POST", "/api/personas", {"name": f"Planner {marker}", "prompt": f"Plan well ({marker})."}
    )
    open_new_chat(page, stack, "Basics")
    expect(page.locator("#chat-title")).to_have_text("New chat")
    page.get_by_role("button", name="Chat settings").click()
    dialog = page.get_by_role("dialog", name="Chat settings")
    expect(dialog).to_contain_text("These apply from your first message.")
    snap(page, "new-chat-settings")
    dialog.get_by_label("Persona").select_option(label=persona["name"])
    dialog.get_by_label("Accept edits").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#chat-settings-applied")).to_have_text(f"Persona: {persona['name']}")
    expect(page.get_by_label("Permission mode for this chat")).to_have_value("acceptEdits")

    # When the first message is sent and answered with a short heading
    answer = "# Quarterly plan\n\nThe **plan** has three steps."
    api.script(Reply.text(answer))
    message = "Hi, can you please draft the plan for next quarter?"
    send(page, message)
    expect_done(page, 1)

    # Then the settings applied to that first message, and the chat is named from the answer, in the list too
    assert f"Plan well ({marker})." in api.message_requests[-1].system_text
    session = open_session(page, stack)
    assert (session["permissionMode"], session["personaId"]) == ("acceptEdits", persona["id"]), session
    expect(page.locator("#chat-title")).to_have_text("Quarterly plan")
    chats = page.get_by_role("navigation", name="Chats")
    expect(chats.locator(".session-title")).to_have_text(["Quarterly plan"])
    assert session["title"] == "Quarterly plan", session

    # And Copy puts the answer's Markdown, then the person's message, on the clipboard
    block(page, 1).get_by_role("button", name="Copy Claude\u2019s answer").click()
    expect(block(page, 1).get_by_role("button", name="Copy Claude\u2019s answer")).to_contain_text("Copied")
    assert clipboard(page) == answer
    turn(page, 1).get_by_role("button", name="Copy your message").click()
    expect(page.get_by_role("status").filter(has_text="Your message copied to the clipboard.")).to_have_count(1)
    assert clipboard(page) == message

    snap(page, "copied")

    # And after a reload the title stays
    page.reload()
    expect(page.locator("#chat-title")).to_have_text("Quarterly plan")
    assert not problems, problems.summary()


def test_code_is_highlighted_with_a_copy_and_retry_and_edit_send_the_message_again(
    page: Page, browser: Browser, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given an answer with a fenced Python block
    problems = watch(page)
    open_new_chat(page, stack, "Code")
    api.script(Reply.text(["Here it is:\n\n```python\ndef add(a, b):\n", "    return a + b\n```\n\nDone."]))
    send(page, "Write an add function")
    expect_done(page, 1)

    # Then the block shows its language, is highlighted, and its Copy puts the code on the clipboard
    code_block = answer_of(page, 1).locator(".code-block")
    expect(code_block.locator(".code-lang")).to_have_text("python")
    expect(code_block.locator("code.hljs span.hljs-keyword").first).to_have_text("def")
    code_block.get_by_role("button", name="Copy the python code").click()
    expect(code_block.get_by_role("button", name="Copy the python code")).to_have_text("Copied")
    assert clipboard(page) == "def add(a, b):\n    return a + b"
    snap(page, "code")

    # When Retry is used on the last answer, then the same message goes again as a new turn, and while it runs
    # the actions that would send are disabled
    api.script(Reply.stall(["Another"]))
    block(page, 1).get_by_role("button", name=re.compile(r"^Retry")).click()
    expect(turn(page, 2).locator(".msg-user-text")).to_have_text("Write an add function")
    api.wait_until_hanging(timeout=TURN_TIMEOUT_MS / 1000)
    expect(turn(page, 2).get_by_role("button", name=re.compile(r"^Edit your message"))).to_be_disabled()
    expect(block(page, 1).get_by_role("button", name=re.compile(r"^Retry"))).to_have_count(0)  # no longer the last
    api.release()
    expect_done(page, 2)
    assert api.message_requests[-1].last_user_text == "Write an add function"

    # When Edit is used on the last message, then its text is back in the composer, and the edited text is sent
    api.script(Reply.text("Subtracted."))
    turn(page, 2).get_by_role("button", name=re.compile(r"^Edit your message")).click()
    expect(composer(page)).to_have_value("Write an add function")
    expect(composer(page)).to_be_focused()
    composer(page).press("End")
    composer(page).press_sequentially(" in Python")
    composer(page).press("Enter")
    expect_done(page, 3)
    expect(turn(page, 3).locator(".msg-user-text")).to_have_text("Write an add function in Python")
    assert api.message_requests[-1].last_user_text == "Write an add function in Python"
    expect(block(page, 3).get_by_role("button", name=re.compile(r"^Retry"))).to_be_enabled()

    assert not problems, problems.summary()

    # And on a touch phone the actions show without hovering
    phone = browser.new_context(
        base_url=stack.base_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        mobile = phone.new_page()
        seed_session(mobile, admin_session(stack))
        mobile.goto(page.url)
        retry = block(mobile, 3).get_by_role("button", name=re.compile(r"^Retry"))
        expect(retry).to_have_css("opacity", "1", timeout=TURN_TIMEOUT_MS)
        retry.scroll_into_view_if_needed()
        expect(retry).to_be_in_viewport()
        snap(mobile, "phone")
    finally:
        phone.close()
