"""Personas and guides in real Chromium against a local stack whose runner drives the real Claude CLI, answered by
a scripted fake Messages API: written, edited and deleted in Settings, then applied to a chat with its Chat settings,
after which they are in the system prompt Claude receives."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import watch
from tests.e2e.test_spa_chat import CONNECT_TIMEOUT_MS, answer_of, expect_done, send
from tests.support.accounts_e2e import admin_session, call, seed_session
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack

pytestmark = [pytest.mark.e2e, requires_claude]

SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"personas-{name}.png"), full_page=True)


def as_admin(stack: LocalStack, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    status, answer = call(stack, method, path, body, token=admin_session(stack).token)
    assert status < 300, (status, answer)
    return answer


def library(page: Page, title: str) -> Locator:
    """The Settings column of personas or guides (its heading carries the count)."""
    return page.get_by_role("region", name=re.compile(rf"^{title}( \d+)?$"))


def write(page: Page, column: Locator, kind: str, name: str, text: str) -> None:
    """Creates a persona or a guide through its "New …" dialog and waits until it is listed."""
    column.get_by_role("button", name=f"New {kind}").click()
    dialog = page.get_by_role("dialog", name=f"New {kind}")
    expect(dialog.get_by_label("Name")).to_be_focused()
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Prompt" if kind == "persona" else "Instructions").fill(text)
    dialog.get_by_role("button", name=f"Create {kind}").click()
    expect(dialog).to_have_count(0)
    expect(column.locator(".prompt-name").filter(has_text=name)).to_have_count(1)


def open_settings(page: Page, stack: LocalStack) -> None:
    seed_session(page, admin_session(stack))
    page.goto("/settings")
    expect(library(page, "Personas").locator(".loading")).to_have_count(0)
    expect(library(page, "Guides").locator(".loading")).to_have_count(0)


def chat_with_a_persona_and_a_guide(page: Page, stack: LocalStack, api: FakeAnthropic, marker: int) -> None:
    """Writes `Analyst <marker>` and `Sources <marker>` in Settings, then opens Chat in a new project and has one
    turn answered there: the chat exists, so its settings can be changed."""
    open_settings(page, stack)
    write(page, library(page, "Personas"), "persona", f"Analyst {marker}", persona_prompt(marker))
    write(page, library(page, "Guides"), "guide", f"Sources {marker}", guide_body(marker))
    project = as_admin(stack, "POST", "/api/projects", {"name": f"Ledger {marker}"})
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Chat").click()
    page.get_by_label("Project", exact=True).select_option(label=project["name"])
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT_MS)
    api.script(Reply.text("First answer."))
    send(page, "What changed in the ledger?")
    expect_done(page, 1)


def persona_prompt(marker: int) -> str:
    return f"You are a careful financial analyst (persona {marker})."


def guide_body(marker: int) -> str:
    return f"# Sources\n\nCite the file behind every figure (guide {marker})."


def save_chat_settings(page: Page, *, persona: str, guides: dict[str, bool], mode: str) -> None:
    """Opens the open chat's settings, picks the persona (or "None"), ticks or unticks guides, picks the mode, saves."""
    page.get_by_role("button", name="Chat settings").click()
    dialog = page.get_by_role("dialog", name="Chat settings")
    expect(dialog.get_by_label("Persona")).to_be_focused()
    dialog.get_by_label("Persona").select_option(label=persona)
    for name, applied in guides.items():
        dialog.get_by_label(name).set_checked(applied)
    dialog.get_by_label(mode).check()
    snap(page, "chat-settings")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)


def open_session(page: Page, stack: LocalStack) -> dict[str, Any]:
    """The open chat, as GET /api/sessions/{id} answers."""
    session_id = re.search(r"session=([0-9a-f]{32})", page.url)
    assert session_id, page.url
    return dict(as_admin(stack, "GET", f"/api/sessions/{session_id[1]}"))


def test_personas_and_guides_are_written_edited_and_deleted_in_settings(page: Page, stack: LocalStack) -> None:
    # Given the administrator on Settings with no persona or guide yet: each column says what it is for
    problems = watch(page)
    open_settings(page, stack)
    personas, guides = library(page, "Personas"), library(page, "Guides")
    expect(personas).to_contain_text("A persona gives Claude a role for a chat, e.g. “Careful financial analyst”.")
    expect(guides).to_contain_text("A guide is a set of instructions you can apply to a chat")

    # When a persona and a guide are written, then both are listed with their text, and the page says so
    write(page, personas, "persona", "Analyst", "You are a careful financial analyst.")
    expect(page.get_by_role("status").filter(has_text="is saved")).to_have_text("“Analyst” is saved.")
    write(page, guides, "guide", "House style", "# House style\n\n- Write in British English.")
    expect(personas.locator(".prompt-item")).to_have_text([re.compile(r"^Analyst\s*You are a careful financial")])
    expect(guides.locator(".prompt-preview")).to_have_text("# House style\n\n- Write in British English.")
    expect(personas.get_by_role("heading")).to_have_text("Personas 1")
    snap(page, "settings")

    # When the persona is edited, then its dialog holds what it says now, and the list shows the change
    personas.get_by_role("button", name="Edit Analyst").click()
    editor = page.get_by_role("dialog", name="Edit “Analyst”")
    expect(editor.get_by_label("Prompt")).to_have_value("You are a careful financial analyst.")
    editor.get_by_label("Name").fill("Careful analyst")
    editor.get_by_role("button", name="Save").click()
    expect(editor).to_have_count(0)
    expect(personas.locator(".prompt-name")).to_have_text(["Careful analyst"])

    # When the guide was deleted elsewhere, then saving it shows the server's answer in the dialog, which stays open
    guide_id = as_admin(stack, "GET", "/api/guides")[0]["id"]
    as_admin(stack, "DELETE", f"/api/guides/{guide_id}")
    guides.get_by_role("button", name="Edit House style").click()
    editor = page.get_by_role("dialog", name="Edit “House style”")
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_role("alert")).to_have_text("There is no such guide.")
    expect(editor.get_by_role("button", name="Save")).to_be_enabled()
    editor.get_by_role("button", name="Cancel").click()
    expect(editor).to_have_count(0)

    # When the persona's Delete is cancelled, nothing changes; once confirmed, it is gone and the empty state is back
    personas.get_by_role("button", name="Delete Careful analyst").click()
    confirm = page.get_by_role("dialog", name="Delete “Careful analyst”?")
    expect(confirm).to_contain_text("Chats that use this persona go on without it.")
    confirm.get_by_role("button", name="Cancel").click()
    expect(personas.locator(".prompt-name")).to_have_text(["Careful analyst"])
    personas.get_by_role("button", name="Delete Careful analyst").click()
    confirm.get_by_role("button", name="Delete persona").click()
    expect(confirm).to_have_count(0)
    expect(personas.locator(".prompt-item")).to_have_count(0)
    expect(personas).to_contain_text("A persona gives Claude a role for a chat")
    assert as_admin(stack, "GET", "/api/personas") == []

    # And the only failed request was the refused save of the guide deleted elsewhere
    assert not problems.excluding((404, f"/api/guides/{guide_id}")), problems.summary()


def test_chat_settings_apply_a_persona_guides_and_a_mode_to_the_open_chat(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a persona and a guide written in Settings, and a chat with one answer that applies neither
    problems = watch(page)
    marker = time.monotonic_ns()
    chat_with_a_persona_and_a_guide(page, stack, api, marker)
    applied = page.locator("#chat-settings-applied")
    expect(applied).to_have_count(0)

    # When its settings open, then they show what the chat uses now: no persona, no guide, ask before changes
    page.get_by_role("button", name="Chat settings").click()
    dialog = page.get_by_role("dialog", name="Chat settings")
    expect(dialog.get_by_label("Persona").locator("option:checked")).to_have_text("None")
    expect(dialog.get_by_label(f"Sources {marker}")).not_to_be_checked()
    expect(dialog.get_by_label("Ask before changes")).to_be_checked()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)

    # When the persona, the guide and "Accept edits" are saved, then the header says what the chat applies
    save_chat_settings(page, persona=f"Analyst {marker}", guides={f"Sources {marker}": True}, mode="Accept edits")
    expect(applied).to_have_text(f"Persona: Analyst {marker} · 1 guide")
    expect(page.get_by_role("button", name="Chat settings")).to_be_focused()
    snap(page, "chat")
    session = open_session(page, stack)
    assert session["permissionMode"] == "acceptEdits", session
    assert session["personaId"] and len(session["guideIds"]) == 1, session

    # And after a reload the header and the dialog show the same settings
    page.reload()
    expect(applied).to_have_text(f"Persona: Analyst {marker} · 1 guide")
    page.get_by_role("button", name="Chat settings").click()
    expect(dialog.get_by_label("Persona").locator("option:checked")).to_have_text(f"Analyst {marker}")
    expect(dialog.get_by_label(f"Sources {marker}")).to_be_checked()
    expect(dialog.get_by_label("Accept edits")).to_be_checked()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)

    # When the persona and the guide are taken off again, then nothing is applied
    save_chat_settings(page, persona="None", guides={f"Sources {marker}": False}, mode="Ask before changes")
    expect(applied).to_have_count(0)
    session = open_session(page, stack)
    assert (session["personaId"], session["guideIds"], session["permissionMode"]) == (None, [], "default"), session
    assert not problems, problems.summary()


def test_a_persona_and_a_guide_applied_in_chat_settings_reach_claudes_system_prompt(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a chat answered once without a persona or a guide
    problems = watch(page)
    marker = time.monotonic_ns()
    chat_with_a_persona_and_a_guide(page, stack, api, marker)
    first_system = api.message_requests[-1].system_text
    assert persona_prompt(marker) not in first_system and guide_body(marker) not in first_system

    # When the persona and the guide are applied in its settings and another message is sent
    save_chat_settings(page, persona=f"Analyst {marker}", guides={f"Sources {marker}": True}, mode="Ask before changes")
    api.script(Reply.text("Second answer."))
    send(page, "And the totals?")
    expect_done(page, 2)
    expect(answer_of(page, 2)).to_have_text("Second answer.")

    # Then the system prompt Claude receives carries the persona's prompt and the guide's body
    system = api.message_requests[-1].system_text
    assert persona_prompt(marker) in system, system
    assert guide_body(marker) in system, system
    assert not problems, problems.summary()
