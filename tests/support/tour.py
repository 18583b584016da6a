"""A tour of every screen of the SPA, for the accessibility test (tests/e2e/test_spa_a11y.py) and the screenshots
(scripts/screenshots.py): a realistic project seeded through the REST API and the Chat screen, then each screen
opened and waited for until it has settled (its heading shown, nothing loading)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from playwright.sync_api import Page, ViewportSize, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.accounts_e2e import Session, admin_session, call
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack

Scheme = Literal["light", "dark"]
DESKTOP: ViewportSize = {"width": 1400, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
UI_TIMEOUT_MS = 15_000
TURN_TIMEOUT_MS = 90_000  # the first turn starts the CLI: a bound, not a sleep

NOTES = """# Quarterly notes

Revenue grew **12%** over the quarter. The new onboarding flow shortened the time to first value.

| Region | Revenue | Change |
|---|---|---|
| North | 1.2 M | +8% |
| South | 0.9 M | +15% |

## Next steps
- Hire two support engineers
- Review the pricing page
"""
PLAN = "def forecast(revenue: float, growth: float) -> float:\n    return revenue * (1 + growth)\n"
SKILL = """---
name: weekly-digest
description: Summarise what changed in the project this week
---
Read the files changed this week and write a short digest to outputs/digest.md: what changed, who should know,
and anything that looks unfinished.
"""


@dataclass
class Seeded:
    """What `seed` made: the administrator's session and the ids the screens are opened with."""

    session: Session
    project: dict[str, Any]
    meeting_id: str = ""
    chat_id: str | None = None


def _ok(answer: tuple[int, Any], *expected: int) -> Any:
    status, body = answer
    assert status in expected, body
    return body


def seed(stack: LocalStack) -> Seeded:
    """The administrator (registered if needed, company set up), a project with files, a skill, a schedule and a
    meeting with a transcript. Chats are made through the Chat screen (`chat_with_answer`)."""
    session = admin_session(stack)
    token = session.token
    _ok(call(stack, "POST", "/api/profile/onboarding/complete", token=token), 200)
    project = _ok(call(stack, "POST", "/api/projects", {"name": "Quarterly review"}, token=token), 201)
    files = f"/api/projects/{project['id']}/files"
    _ok(call(stack, "PUT", f"{files}/content", {"path": "notes.md", "content": NOTES}, token=token), 200, 201)
    _ok(call(stack, "PUT", f"{files}/content", {"path": "model/plan.py", "content": PLAN}, token=token), 200, 201)
    _ok(
        call(stack, "PUT", f"/api/skills/weekly-digest?projectId={project['id']}", {"content": SKILL}, token=token), 201
    )
    schedule = {
        "name": "Monday digest",
        "projectId": project["id"],
        "prompt": "Write the digest of what changed last week.",
        "cron": "0 9 * * 1",
        "timezone": "Europe/London",
    }
    _ok(call(stack, "POST", "/api/schedules", schedule, token=token), 201)
    meeting = _ok(
        call(
            stack, "POST", "/api/meetings/start", {"title": "Pricing review", "projectId": project["id"]}, token=token
        ),
        201,
    )
    lines = [
        (0, "Ana", "Let's look at the pricing page before the launch."),
        (6000, "Ben", "The annual plan should be easier to find."),
    ]
    for seq, (start, speaker, text) in enumerate(lines, start=1):
        segment = {
            "meetingId": meeting["id"],
            "seq": seq,
            "startMs": start,
            "endMs": start + 5000,
            "text": text,
            "speaker": speaker,
        }
        _ok(call(stack, "POST", "/api/meetings/segments", segment, token=token), 201)
    _ok(call(stack, "POST", "/api/meetings/stop", {"meetingId": meeting["id"]}, token=token), 200)
    return Seeded(session, project, meeting["id"])


def chat_with_answer(page: Page, api: FakeAnthropic, seeded: Seeded) -> None:
    """Asks a question on the Chat screen (the page signed in); the fake API reads a file, then answers."""
    api.script(
        Reply.tool_use("Read", {"file_path": "notes.md"}, text="Let me read the notes first."),
        Reply.text(
            [
                "Revenue grew **12%** this quarter, led by the South region (+15%).\n\n",
                "Next steps from the notes:\n\n1. Hire two support engineers\n2. Review the pricing page\n",
            ]
        ),
    )
    page.goto(f"/chat?{urlencode({'project': seeded.project['id']})}")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected", timeout=UI_TIMEOUT_MS)
    message = page.get_by_label("Message", exact=True)
    expect(message).to_be_enabled(timeout=UI_TIMEOUT_MS)
    message.fill("What changed this quarter, and what should we do next?")
    message.press("Enter")
    expect(page.locator('.turn[data-turn="1"]')).to_have_attribute("data-phase", "completed", timeout=TURN_TIMEOUT_MS)
    page.wait_for_url("**/chat?*session=*", timeout=UI_TIMEOUT_MS)
    seeded.chat_id = dict(parse_qsl(urlsplit(page.url).query)).get("session")


@dataclass(frozen=True)
class Screen:
    """One screen of the tour: where it is, and what to do once there (click into an editor, say)."""

    name: str
    path: Callable[[Seeded], str]
    then: Callable[[Page], None] | None = None


def _click(role: str, name: str, *, wait_for: str | None = None) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        page.get_by_role(role, name=name).first.click()  # type: ignore[arg-type]
        if wait_for:
            expect(page.locator(wait_for).first).to_be_visible(timeout=UI_TIMEOUT_MS)

    return act


def _open_drawer(page: Page) -> None:
    """On a phone, opens the chat list (the ☰ button); a desktop shows it beside the conversation anyway."""
    toggle = page.get_by_role("button", name="Projects and chats")
    if toggle.is_visible():
        toggle.click()
        expect(page.locator("#chat-side")).to_be_visible()


def _project(seeded: Seeded) -> str:
    return str(seeded.project["id"])


def _chat(seeded: Seeded) -> str:
    return f"/chat?{urlencode({'project': _project(seeded), 'session': seeded.chat_id or ''})}"


SIGNED_IN_SCREENS: list[Screen] = [
    Screen("chat-empty", lambda s: f"/chat?{urlencode({'project': _project(s)})}"),
    Screen("chat", _chat),
    Screen("chat-list", _chat, _open_drawer),
    Screen("files", lambda s: f"/files?{urlencode({'project': _project(s), 'path': 'notes.md'})}"),
    Screen("skills", lambda _: "/skills"),
    Screen("skill-editor", lambda _: "/skills", _click("button", "Edit", wait_for="form")),
    Screen("schedules", lambda _: "/schedules"),
    Screen("schedule-editor", lambda _: "/schedules", _click("button", "New schedule", wait_for="form")),
    Screen("meetings", lambda s: f"/meetings?{urlencode({'meeting': s.meeting_id})}"),
    Screen("git", lambda _: "/git"),
    Screen("rules", lambda _: "/rules"),
    Screen("settings", lambda _: "/settings"),
    Screen("settings-drives", lambda _: "/settings/drives"),
    Screen("company-setup", lambda _: "/onboarding"),
    Screen("usage", lambda _: "/usage"),
    Screen("admin-users", lambda _: "/admin"),
    Screen("admin-new-user", lambda _: "/admin", _click("button", "New user", wait_for="dialog[open]")),
    Screen("admin-ai-provider", lambda _: "/admin/ai-provider"),
    Screen("admin-chat", lambda _: "/admin/chat"),
    Screen("admin-limits", lambda _: "/admin/limits"),
    Screen("admin-usage", lambda _: "/admin/usage"),
    Screen("admin-budgets", lambda _: "/admin/budgets"),
    Screen("admin-audit", lambda _: "/admin/audit"),
    Screen("not-found", lambda _: "/no-such-page"),
]


# What is still loading: the text around the first visible spinner, or null.
SPINNING = """() => {
    const spinner = [...document.querySelectorAll('.spinner')].find((el) => el.offsetParent !== null);
    const around = spinner?.parentElement.closest('section, form, [role], div') ?? spinner?.parentElement;
    return around ? around.outerHTML.slice(0, 400) : null;
}"""


def settle(page: Page) -> None:
    """Waits until the screen has drawn: a level-1 heading, no spinner, no request in flight."""
    expect(page.locator("h1").first).to_be_attached(timeout=UI_TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=UI_TIMEOUT_MS)
    try:
        page.wait_for_function(f"() => !({SPINNING})()", timeout=UI_TIMEOUT_MS)
    except PlaywrightTimeoutError as timeout:
        raise AssertionError(f"{page.url} still loading: {page.evaluate(SPINNING)!r}") from timeout


def visit(page: Page, screen: Screen, seeded: Seeded) -> None:
    """Opens `screen` and waits for it to settle (and for its follow-up action, if any)."""
    page.goto(screen.path(seeded))
    settle(page)
    if screen.then:
        screen.then(page)
        settle(page)
