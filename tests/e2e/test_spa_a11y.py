"""Accessibility and phone layouts in real Chromium: axe-core on every screen at desktop and phone sizes (light and
dark), tables that fit a phone with their actions reachable, and the chat drawer's keyboard behaviour.

One stack (the runner drives the real Claude CLI against the fake Messages API, for a chat with an answer and a tool
call), one browser, one signed-in context per size."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from tests.support.accounts_e2e import call, seed_session
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.stack import ROOT, LocalStack
from tests.support.tour import (
    DESKTOP,
    PHONE,
    SIGNED_IN_SCREENS,
    UI_TIMEOUT_MS,
    Scheme,
    Seeded,
    chat_with_answer,
    seed,
    settle,
    visit,
)

pytestmark = [pytest.mark.e2e, requires_claude]

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SIZES: dict[str, tuple[ViewportSize, Scheme]] = {"desktop-light": (DESKTOP, "light"), "phone-dark": (PHONE, "dark")}
if os.environ.get("SPA_A11Y_ALL"):  # every size in both colour schemes (slower; CI checks the two above)
    SIZES |= {"desktop-dark": (DESKTOP, "dark"), "phone-light": (PHONE, "light")}
# Runs axe on the document; returns the serious and critical violations, each with its nodes.
RUN_AXE = """async () => {
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                       nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })) }));
}"""


def axe_violations(page: Page, where: str) -> list[str]:
    """The serious and critical axe violations of the page as it is now, one line per element."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']}\n    at {node['target']}\n    {node['summary']}"
        for v in found
        for node in v["nodes"]
    ]


@pytest.fixture(scope="module")
def seeded(stack: LocalStack, browser: Browser, api: FakeAnthropic) -> Seeded:
    made = seed(stack)
    context = browser.new_context(base_url=stack.base_url, viewport=DESKTOP)
    try:
        page = context.new_page()
        seed_session(page, made.session)
        chat_with_answer(page, api, made)
    finally:
        context.close()
    return made


@pytest.fixture
def signed_in(request: pytest.FixtureRequest, browser: Browser, stack: LocalStack, seeded: Seeded) -> Iterator[Page]:
    size: tuple[ViewportSize, Scheme] = request.param if hasattr(request, "param") else (PHONE, "light")
    viewport, scheme = size
    context: BrowserContext = browser.new_context(
        base_url=stack.base_url, viewport=viewport, color_scheme=scheme, reduced_motion="reduce"
    )
    try:
        page = context.new_page()
        seed_session(page, seeded.session)
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_screens_outside_the_shell_have_no_serious_accessibility_problems(
    size: str, browser: Browser, stack: LocalStack
):
    viewport, scheme = SIZES[size]
    context = browser.new_context(base_url=stack.base_url, viewport=viewport, color_scheme=scheme)
    problems: list[str] = []
    try:
        page = context.new_page()
        # Given nobody signed in: the first-run screen while nobody has registered (the fixtures below register the
        # administrator), then sign-in and forgotten password; then axe finds nothing serious on any of them
        status, body = call(stack, "GET", "/api/auth/status")
        assert status == 200, body
        if body["needsSetup"]:
            page.goto("/setup")
            expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=UI_TIMEOUT_MS)
            problems += axe_violations(page, f"{size} setup")
        for path in ("/sign-in", "/forgot-password"):
            page.goto(path)
            settle(page)
            if path == "/sign-in" and body["needsSetup"]:
                continue  # still the setup screen
            problems += axe_violations(page, f"{size} {path}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("signed_in", list(SIZES.values()), ids=list(SIZES), indirect=True)
def test_every_screen_has_no_serious_accessibility_problems(signed_in: Page, seeded: Seeded):
    page = signed_in
    size = ("phone " if page.viewport_size == PHONE else "desktop ") + page.evaluate(
        "() => matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'"
    )
    problems: list[str] = []
    # Given the administrator with a seeded project; when each screen (and editor, dialog, drawer) is opened, then
    # axe finds nothing serious or critical, and nothing is wider than the screen
    for screen in SIGNED_IN_SCREENS:
        visit(page, screen, seeded)
        problems += axe_violations(page, f"{size} {screen.name}")
        wide, room = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        if wide > room:  # nothing scrolls sideways, on a phone either
            problems.append(f"{size} {screen.name}: the page is {wide} px wide on a {room} px screen")
    # And the sign-in screen, once the session is gone
    page.evaluate("() => localStorage.clear()")
    page.goto("/sign-in")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=UI_TIMEOUT_MS)
    problems += axe_violations(page, f"{size} sign-in")
    assert not problems, "\n".join(problems)


def fits_the_phone(page: Page, what: str) -> None:
    """Nothing scrolls sideways, and every action button of the table's rows is on screen once scrolled to."""
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{what}: the page is {width[0]} px wide on a {width[1]} px screen"
    buttons = page.locator("table .row-actions button, table .row-actions a")
    assert buttons.count() > 0, f"{what}: no row actions"
    for index in range(buttons.count()):
        button = buttons.nth(index)
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box is not None, f"{what}: action {index} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{what}: action {index} at {box}"
        expect(button).to_be_in_viewport()


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Presses Tab until `target` has focus (at most `limit` times), and checks the focus ring shows."""
    for _ in range(limit):
        if target.evaluate("(el) => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(target).to_be_focused()
    ring = target.evaluate("(el) => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }")
    assert ring[0] != "none" and ring[1] != "0px", f"no visible focus ring: {ring}"


def test_on_a_phone_the_tables_fit_and_their_actions_are_on_screen(signed_in: Page, stack: LocalStack, seeded: Seeded):
    page = signed_in
    key = {"name": "Reporting integration", "callbackUrl": "https://hooks.example.com/studio", "scope": "integrations"}
    status, body = call(stack, "POST", "/api/api-keys", key, token=seeded.session.token)
    assert status == 201, body

    # Given the schedules, users and API keys tables on a phone: they fit, with every row action on screen
    page.goto("/schedules")
    expect(page.locator("table tbody tr").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    fits_the_phone(page, "Schedules")
    # And every action of a row is reached with Tab, with a visible focus ring
    for name in ("Runs of Monday digest", "Edit Monday digest", "Delete Monday digest"):
        tab_to(page, page.get_by_role("button", name=name))
    page.goto("/admin")
    expect(page.locator("table tbody tr").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    fits_the_phone(page, "Admin → Users")
    # And a dialog opened from a row gives focus back to the button that opened it when it closes
    edit = page.get_by_role("button", name=f"Edit {seeded.session.user['username']}")
    edit.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(":focus")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(edit).to_be_focused()
    page.goto("/settings")
    expect(page.get_by_role("table", name="Your API keys")).to_be_visible(timeout=UI_TIMEOUT_MS)
    fits_the_phone(page, "Settings → API keys")


def test_on_a_phone_every_area_is_reachable_from_the_navigation(signed_in: Page):
    page = signed_in
    # Given the Chat screen on a phone: the strip marks Chat
    page.goto("/chat")
    nav = page.get_by_role("navigation", name="Areas")
    expect(nav.get_by_role("link", name="Chat")).to_have_attribute("aria-current", "page", timeout=UI_TIMEOUT_MS)
    # When the last area, off the strip at first, is brought into view with "More areas"
    last = nav.get_by_role("link", name="Admin")
    expect(last).not_to_be_in_viewport()
    more = page.get_by_role("button", name="More areas")
    strip = nav.locator("ul")
    for _ in range(10):  # a bound, not a wait: each press shows the next part of the strip
        if last.evaluate("(el) => el.getBoundingClientRect().right <= innerWidth"):
            break
        before = strip.evaluate("(el) => el.scrollLeft")
        more.click()
        strip.evaluate(
            "(el, before) => new Promise((done) => { const check = () => el.scrollLeft !== before ? "
            "done() : requestAnimationFrame(check); check(); })",
            before,
        )
    # Then the strip has nothing more that way, the earlier areas are a button away, and the area opens marked
    expect(more).to_be_hidden()
    expect(page.get_by_role("button", name="Earlier areas")).to_be_visible()
    last.click()
    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(nav.get_by_role("link", name="Admin")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Admin")).to_be_in_viewport()


def test_on_a_phone_the_chat_drawer_takes_focus_and_escape_closes_it(signed_in: Page, seeded: Seeded):
    page = signed_in
    # Given the Chat screen of a project on a phone, the chat list closed
    page.goto(f"/chat?project={seeded.project['id']}")
    toggle = page.get_by_role("button", name="Projects and chats")
    expect(page.locator(".chat")).to_have_attribute("data-project", "picked", timeout=UI_TIMEOUT_MS)
    expect(toggle).to_be_visible()
    drawer = page.locator("#chat-side")

    # When it is opened by keyboard, then focus moves into it
    toggle.focus()
    page.keyboard.press("Enter")
    expect(drawer).to_be_visible()
    expect(drawer.locator(":focus")).to_have_count(1)
    # And Tab stays inside while it is open
    for _ in range(12):
        page.keyboard.press("Tab")
        assert drawer.evaluate("(el) => el.contains(document.activeElement)"), "focus left the open drawer"
    page.keyboard.press("Shift+Tab")
    assert drawer.evaluate("(el) => el.contains(document.activeElement)"), "focus left the open drawer"

    # When Escape is pressed, then it closes and focus returns to the button that opened it
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
