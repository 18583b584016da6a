"""Rules, Admin → Chat and "sign out everywhere" in real Chromium against a real local stack: a member edits and
saves their own CLAUDE.md twice, reads the history, compares the two versions and restores the first; an
administrator changes which permission modes chats may use; signing out everywhere keeps the tab signed in and
ends the older token."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser import chromium, watch
from tests.support.accounts_e2e import Credentials, admin_session, call, create_user, log_in, seed_session
from tests.support.stack import LocalStack

pytestmark = pytest.mark.e2e
SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it

EDITOR = Credentials("rules-editor", "a rules editor's long password")
LEAVER = Credentials("rules-leaver", "a long password for leaving")
FIRST = "# House rules\nAlways answer in British English.\nSign every answer as Sasha.\n"
SECOND = "# House rules\nAlways answer in British English.\nNever promise delivery dates.\n"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, local_stack: LocalStack) -> Iterator[Page]:
    context = browser.new_context(base_url=local_stack.base_url, viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def chat_policy(local_stack: LocalStack) -> Iterator[list[str]]:
    """The permission modes allowed before the test, put back afterwards (the stack is shared)."""
    token = admin_session(local_stack).token
    status, body = call(local_stack, "GET", "/api/admin/settings/chat", token=token)
    assert status == 200, body
    before = list(body["allowedPermissionModes"])
    yield before
    call(local_stack, "PUT", "/api/admin/settings/chat", {"allowedPermissionModes": before}, token=token)


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"rules-{name}.png"), full_page=True)


def user_rules(stack: LocalStack, token: str) -> dict[str, Any]:
    status, body = call(stack, "GET", "/api/rules/claude-md?scope=user", token=token)
    assert status == 200, body
    return dict(body)


def history_rows(page: Page) -> Locator:
    return page.get_by_role("table", name="Versions of this CLAUDE.md").locator("tbody tr")


def save(page: Page, text: str, version: int) -> None:
    editor = page.get_by_label("Your CLAUDE.md")
    editor.fill(text)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text=f"Saved as version {version}.")).to_be_visible()
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_disabled()


def test_a_member_edits_their_rules_compares_two_versions_and_restores_the_first(
    page: Page, local_stack: LocalStack
) -> None:
    # Given a member signed in, on Rules from the navigation, with no rules yet
    problems = watch(page)
    create_user(local_stack, EDITOR.username, EDITOR.password)
    member = log_in(local_stack, EDITOR)
    seed_session(page, member)
    page.goto("/chat")
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Rules").click()
    expect(page).to_have_url(re.compile(r"/rules$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules")
    expect(page.get_by_role("tab", name="My rules")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#rules-current")).to_have_text("No rules saved yet.")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_disabled()
    expect(page.locator("#rules-size")).to_contain_text("of at most")

    # When they write rules and save, then edit them and save again
    save(page, FIRST, 1)
    save(page, SECOND, 2)

    # Then the history lists both versions, newest first and active, with who saved them
    rows = history_rows(page)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Version 2")
    expect(rows.nth(0)).to_contain_text("Active")
    expect(rows.nth(0).locator(".rules-author")).to_have_text(EDITOR.username)
    expect(rows.nth(1)).to_contain_text("Version 1")
    expect(rows.nth(1).locator(".rules-author")).to_have_text(EDITOR.username)
    expect(page.locator("#rules-current")).to_contain_text(f"Version 2 · saved by {EDITOR.username}")

    # When they tick both versions, then the diff shows the line taken out and the line put in
    page.get_by_label("Compare version 1").check()
    page.get_by_label("Compare version 2").check()
    diff = page.locator("#rules-diff")
    expect(diff.get_by_role("heading")).to_have_text("Changes from version 1 to version 2")
    expect(diff.locator('tr[data-kind="delete"]')).to_have_count(1)
    expect(diff.locator('tr[data-kind="delete"]')).to_contain_text("Sign every answer as Sasha.")
    expect(diff.locator('tr[data-kind="insert"]')).to_have_count(1)
    expect(diff.locator('tr[data-kind="insert"]')).to_contain_text("Never promise delivery dates.")
    diff.get_by_role("button", name="Side by side").click()
    expect(diff.locator('td[data-kind="delete"]')).to_contain_text("Sign every answer as Sasha.")
    expect(diff.locator('td[data-kind="insert"]')).to_contain_text("Never promise delivery dates.")
    snap(page, "diff")

    # When they restore version 1, then it asks first; confirmed, a third version holds the first's text
    page.get_by_role("button", name="Restore version 1").click()
    dialog = page.get_by_role("dialog", name="Restore version 1?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Restore").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Restored version 1 as version 3.")).to_be_visible()
    expect(page.get_by_label("Your CLAUDE.md")).to_have_value(FIRST)
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Version 3")
    expect(rows.nth(0)).to_contain_text("Restored")
    expect(rows.nth(0)).to_contain_text("Active")
    current = user_rules(local_stack, member.token)
    assert (current["version"], current["content"], current["source"]) == (3, FIRST, "restore")

    # When they type without saving and pick the other tab, then it asks before the edits are lost
    page.get_by_label("Your CLAUDE.md").fill(FIRST + "Unsaved line.\n")
    page.get_by_role("tab", name="Project rules").click()
    discard = page.get_by_role("dialog", name="Discard your changes?")
    discard.get_by_role("button", name="Keep editing").click()
    expect(page.get_by_role("tab", name="My rules")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Your CLAUDE.md")).to_have_value(FIRST + "Unsaved line.\n")
    snap(page, "restored")
    assert not problems, problems.summary()


def test_an_administrator_changes_the_permission_modes_chats_may_use(
    page: Page, local_stack: LocalStack, chat_policy: list[str]
) -> None:
    # Given the administrator on Admin → Chat
    problems = watch(page)
    admin = admin_session(local_stack)
    seed_session(page, admin)
    page.goto("/admin")
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Chat").click()
    expect(page).to_have_url(re.compile(r"/admin/chat$"))
    expect(page.get_by_role("navigation", name="Areas").locator('[aria-current="page"]')).to_have_text("Admin")
    always = page.get_by_label("Ask before changes (always allowed)")
    expect(always).to_be_checked()
    expect(always).to_be_disabled()
    expect(page.get_by_role("button", name="Save")).to_be_disabled()

    # When they take "Plan only" away and allow acting without asking, then a warning shows and it saves
    plan = page.get_by_label("Plan only")
    bypass = page.get_by_label("Act without asking")
    if "plan" not in chat_policy:
        plan.check()  # a shared stack: start from "allowed"
    plan.uncheck()
    bypass.check()
    expect(page.get_by_role("note")).to_contain_text("without asking anyone")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()

    # Then the API says the same
    status, body = call(local_stack, "GET", "/api/admin/settings/chat", token=admin.token)
    assert status == 200, body
    assert "plan" not in body["allowedPermissionModes"]
    assert {"default", "bypassPermissions"} <= set(body["allowedPermissionModes"])
    assert not problems, problems.summary()


def test_signing_out_everywhere_keeps_this_tab_and_ends_the_older_token(page: Page, local_stack: LocalStack) -> None:
    # Given a member signed in in this tab, and the same account's token held elsewhere
    problems = watch(page)
    create_user(local_stack, LEAVER.username, LEAVER.password)
    tab = log_in(local_stack, LEAVER)
    elsewhere = log_in(local_stack, LEAVER)
    seed_session(page, tab)
    page.goto("/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    expect(page.locator("#settings-elsewhere").get_by_role("link", name="Rules")).to_have_attribute("href", "/rules")

    # When they sign out everywhere from the account menu and confirm
    page.get_by_role("button", name=re.compile(LEAVER.username)).click()
    page.get_by_role("button", name="Sign out everywhere").click()
    dialog = page.get_by_role("dialog", name="Sign out everywhere?")
    dialog.get_by_role("button", name="Sign out everywhere").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_text("Signed out everywhere else.")).to_be_visible()

    # Then the older token is refused, while this tab carries on with the new one it stored
    status, _ = call(local_stack, "GET", "/api/auth/me", token=elsewhere.token)
    assert status == 401
    stored = page.evaluate("localStorage.getItem('sasha.token')")
    assert stored and stored not in (tab.token, elsewhere.token)
    status, me = call(local_stack, "GET", "/api/auth/me", token=stored)
    assert (status, me["username"]) == (200, LEAVER.username)
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Rules").click()
    expect(page.locator("#rules-current")).to_have_text("No rules saved yet.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules")
    assert not problems, problems.summary()


def test_project_rules_are_saved_for_the_project_picked(page: Page, local_stack: LocalStack) -> None:
    # Given the administrator with two projects, on Rules → Project rules
    problems = watch(page)
    admin = admin_session(local_stack)
    projects = []
    for name in ("Rules alpha", "Rules beta"):
        status, project = call(local_stack, "POST", "/api/projects", {"name": name}, token=admin.token)
        assert status in (200, 201), project
        projects.append(project)
    seed_session(page, admin)
    page.goto("/rules")
    page.get_by_role("tab", name="Project rules").click()
    page.get_by_label("Project", exact=True).select_option(label="Rules beta")
    expect(page).to_have_url(re.compile(rf"/rules\?scope=project&project={projects[1]['id']}$"))

    # When they write the project's rules and save
    editor = page.get_by_label("CLAUDE.md of Rules beta")
    editor.fill("Beta's rules.\n")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved as version 1.")).to_be_visible()

    # Then that project has them and the other does not
    path = "/api/rules/claude-md?scope=project&projectId="
    status, beta = call(local_stack, "GET", path + projects[1]["id"], token=admin.token)
    assert (status, beta["content"]) == (200, "Beta's rules.\n")
    status, alpha = call(local_stack, "GET", path + projects[0]["id"], token=admin.token)
    assert (status, alpha["version"]) == (200, 0)

    # When someone else saves a newer version meanwhile and they save over the one they opened
    theirs = {"scope": "project", "projectId": projects[1]["id"], "content": "Their rules.\n", "baseVersion": 1}
    status, body = call(local_stack, "PUT", "/api/rules/claude-md", theirs, token=admin.token)
    assert status == 200, body
    editor.fill("My late rules.\n")
    page.get_by_role("button", name="Save", exact=True).click()

    # Then it says so and loads theirs on request
    conflict = page.locator("#rules-conflict")
    expect(conflict).to_contain_text("Someone saved a newer version (version 2")
    conflict.get_by_role("button", name="Load the newer version").click()
    expect(editor).to_have_value("Their rules.\n")
    expect(conflict).to_have_count(0)
    assert not problems.excluding((409, "/api/rules/claude-md")), problems.summary()
