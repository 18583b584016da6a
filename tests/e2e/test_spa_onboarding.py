"""Onboarding and limited mode in real Chromium against a real local stack with no Claude key in its environment,
whose runner drives the real Claude CLI against a scripted fake Messages API that accepts one key only.

The tests share the installation's one company profile and run in order: limited mode first (no key, nothing set
up), then onboarding skipped and resumed, then onboarding finished from Settings with a key and the live research.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import watch
from tests.support.accounts_e2e import ADMIN, Credentials, admin_session, call, create_user, log_in, seed_session
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack, free_port

pytestmark = [pytest.mark.e2e, requires_claude]
SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it

GOOD_KEY = f"sk-ant-api03-{secrets.token_urlsafe(32)}"
WRONG_KEY = f"sk-ant-api03-{secrets.token_urlsafe(32)}"
NO_KEY = {
    "ANTHROPIC_API_KEY": "",
    "ANTHROPIC_AUTH_TOKEN": "",
    "CLAUDE_CODE_USE_BEDROCK": "",
    "CLAUDE_CODE_MAX_RETRIES": "0",
}
MEMBER = Credentials("casey", "a member's long password")
COMPANY_PAGE = b"""<!doctype html><html><head><title>Acme Widgets | Home</title>
<meta name="description" content="Acme Widgets makes sturdy widgets for small factories."></head>
<body><h1>Acme Widgets</h1></body></html>"""
# A research run starts the CLI, which may wait for the runner: a bound, not a sleep.
RESEARCH_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def api() -> Iterator[FakeAnthropic]:
    with FakeAnthropic(api_keys={GOOD_KEY}) as fake:
        yield fake


@pytest.fixture(scope="module")
def stack(api: FakeAnthropic, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A fresh installation: no account, no company, no Claude key; the runner's CLI reaches only the fake API."""
    data_dir = Path(tmp_path_factory.mktemp("onboarding-stack"))
    started = LocalStack(data_dir, env={**NO_KEY, "ANTHROPIC_BASE_URL": api.url, "STUDIO_RUNNER_CONCURRENCY": "4"})
    started.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def company_site() -> Iterator[str]:
    """The company's home page, on this machine (local mode may read it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(COMPANY_PAGE)))
            self.end_headers()
            self.wfile.write(COMPANY_PAGE)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"onboarding-{name}.png"), full_page=True)


def setup_status(stack: LocalStack) -> dict[str, Any]:
    status, body = call(stack, "GET", "/api/setup/status", token=admin_session(stack).token)
    assert status == 200, body
    return dict(body)


def sign_in(page: Page, credentials: Credentials) -> None:
    """Signs in through the form: the app's own, or the one it showed after signing out."""
    if "/sign-in" not in page.url:
        page.goto("/")
    page.get_by_label("Username").fill(credentials.username)
    page.get_by_label("Password").fill(credentials.password)
    page.get_by_role("button", name="Sign in").click()


def step_heading(page: Page) -> Locator:
    return page.get_by_role("region", name=re.compile(r"^Step \d of 3")).get_by_role("heading", level=2)


def current_step(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Setup steps").locator('[aria-current="step"]')


def banner(page: Page) -> Locator:
    return page.locator("#limited-mode")


def test_without_a_key_chat_skills_and_schedules_say_claude_is_not_configured(page: Page, stack: LocalStack) -> None:
    # Given an installation without a Claude key, and its administrator signed in (no sign-in form: no onboarding)
    problems = watch(page)
    seed_session(page, admin_session(stack))
    assert setup_status(stack)["configured"] is False

    # When they open Chat, then the banner says so above the composer, with the way to fix it
    page.goto("/chat")
    expect(banner(page)).to_contain_text("Claude is not configured yet.")
    expect(banner(page).get_by_role("link", name="Admin → AI provider")).to_have_attribute("href", "/admin/ai-provider")
    expect(banner(page).get_by_role("link", name="Company setup")).to_have_attribute("href", "/onboarding")
    composer_box = page.get_by_role("form", name="Write a message").bounding_box()
    banner_box = banner(page).bounding_box()
    snap(page, "limited-chat")
    assert banner_box and composer_box and banner_box["y"] < composer_box["y"], (banner_box, composer_box)

    # And Skills and Schedules say the same, before anything fails
    for area in ("Skills", "Schedules"):
        page.get_by_role("navigation", name="Areas").get_by_role("link", name=area).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(area)
        expect(banner(page)).to_contain_text("cannot reach Claude until you add an Anthropic key")

    # And Settings shows the provider, not configured, with the administrator's links
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Settings").click()
    summary = page.locator("#provider-summary")
    expect(summary).to_contain_text("Claude runs on Anthropic (Claude API)")
    expect(summary).to_contain_text("Not configured")
    expect(summary.get_by_role("link", name="Manage the AI provider")).to_have_attribute("href", "/admin/ai-provider")
    expect(page.locator("#company-setup").get_by_role("link", name="Continue company setup")).to_be_visible()
    snap(page, "limited-settings")
    assert not problems, problems.summary()


def test_a_member_is_told_to_ask_the_administrator(page: Page, stack: LocalStack) -> None:
    # Given a member of the installation without a key
    problems = watch(page)
    create_user(stack, MEMBER.username, MEMBER.password)
    seed_session(page, log_in(stack, MEMBER))

    # When they open Chat, then the banner tells them whom to ask, with no link to administration
    page.goto("/chat")
    expect(banner(page)).to_contain_text("ask your administrator to connect it")
    expect(banner(page).get_by_role("link")).to_have_count(0)

    # And Settings shows the provider without the administrator's links; onboarding is not theirs to open
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Settings").click()
    expect(page.locator("#provider-summary")).to_contain_text("ask your administrator to connect Claude")
    expect(page.get_by_role("link", name="Manage the AI provider")).to_have_count(0)
    expect(page.locator("#company-setup")).to_have_count(0)
    expect(page.get_by_role("main").locator(".loading")).to_have_count(0)  # Settings has loaded: nothing is cut off
    page.goto("/onboarding")
    expect(page.get_by_role("heading", level=1)).to_have_text("Only for administrators")
    assert not problems, problems.summary()


def test_onboarding_is_offered_at_sign_in_resumes_where_it_was_left_and_skipping_completes_it(
    page: Page, stack: LocalStack, company_site: str
) -> None:
    # Given the administrator of an installation nobody has set up, signing in through the form
    problems = watch(page)
    admin_session(stack)
    assert setup_status(stack)["needsOnboarding"] is True
    sign_in(page, ADMIN)

    # Then onboarding comes first, on its first step
    expect(page).to_have_url(re.compile(r"/onboarding$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up Sasha Studio")
    expect(current_step(page)).to_contain_text("Your company")
    expect(step_heading(page)).to_have_text("Step 1 of 3 Your company")

    # When detection is asked of a site that does not answer, then the server's reason shows in the form
    unreachable = f"http://127.0.0.1:{free_port()}"
    page.get_by_label("Website").fill(unreachable)
    page.get_by_role("button", name="Detect from website").click()
    expect(page.get_by_role("main").locator(".form-error")).not_to_be_empty()
    expect(page.get_by_label("Company name")).to_have_value("")

    # When it is asked of the company's site, then the name and what the site says fill in
    page.get_by_label("Website").fill(company_site)
    page.get_by_role("button", name="Detect from website").click()
    expect(page.get_by_label("Company name")).to_have_value("Acme Widgets")
    expect(page.locator(".detected")).to_contain_text("Acme Widgets makes sturdy widgets for small factories.")
    snap(page, "company")

    # When they continue, then the company exists and the next step asks for Claude's key
    page.get_by_role("button", name="Continue").click()
    expect(step_heading(page)).to_have_text("Step 2 of 3 Connect Claude")
    expect(page.get_by_role("navigation", name="Setup steps").locator("li").first).to_contain_text("done")
    status = setup_status(stack)
    assert status["onboarding"]["profileExists"] and status["onboarding"]["companyName"] == "Acme Widgets", status

    # When they skip it, then the last step says research needs Claude and offers no start
    page.get_by_role("button", name="Skip for now").click()
    expect(step_heading(page)).to_have_text("Step 3 of 3 Live learning")
    expect(page.get_by_role("main")).to_contain_text("Claude is not connected yet, so it cannot research.")
    expect(page.get_by_role("button", name="Start research")).to_have_count(0)
    snap(page, "research-without-claude")

    # When the page is reloaded, then onboarding resumes where the server says it was left: Claude's key
    page.reload()
    expect(step_heading(page)).to_have_text("Step 2 of 3 Connect Claude")

    # When they move on and skip the last step too, then onboarding is complete and they are in Chat
    page.get_by_role("button", name="Skip for now").click()
    expect(step_heading(page)).to_have_text("Step 3 of 3 Live learning")
    page.get_by_role("button", name="Skip for now").click()
    expect(page).to_have_url(re.compile(r"/chat$"))
    assert setup_status(stack)["needsOnboarding"] is False

    # And signing in again goes straight to Chat
    page.get_by_role("button", name=f"Account: {ADMIN.username}").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    sign_in(page, ADMIN)
    expect(page).to_have_url(re.compile(r"/chat$"))
    expect(page.get_by_role("form", name="Write a message")).to_be_visible()

    # And the only failed request was the detection of the site that did not answer
    assert not problems.excluding((502, "/api/profile/organization/detect")), problems.summary()


def test_company_setup_from_settings_connects_claude_and_shows_the_research_live(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given the administrator on Settings, with onboarding skipped earlier and no key yet
    problems = watch(page)
    seed_session(page, admin_session(stack))
    page.goto("/settings")

    # When they open company setup, then it resumes at Claude's key
    page.locator("#company-setup").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/onboarding$"))
    expect(step_heading(page)).to_have_text("Step 2 of 3 Connect Claude")
    key = page.get_by_label("Anthropic API key")
    expect(key).to_have_attribute("type", "password")

    # When a wrong key is tested, then the failure and the server's reason show
    key.fill(WRONG_KEY)
    page.get_by_role("button", name="Test key").click()
    result = page.locator("#onboarding-key-test")
    expect(result).to_have_attribute("data-passed", "false")
    expect(result).to_contain_text("The key did not work")
    expect(result.locator(".test-result-message")).not_to_be_empty()
    snap(page, "wrong-key")

    # When the right key is tested, then it works; saved, only its hint is shown and the field is empty
    key.fill(GOOD_KEY)
    page.get_by_role("button", name="Test key").click()
    expect(result).to_have_attribute("data-passed", "true")
    expect(result).to_contain_text("The key works")
    page.get_by_role("button", name="Save key").click()
    expect(page.locator("#onboarding-key-current")).to_have_text(f"Key in use: …{GOOD_KEY[-4:]}, saved in Sasha Studio")
    expect(page.get_by_label("Replace the Anthropic API key")).to_have_value("")
    assert GOOD_KEY not in page.content()
    snap(page, "key-saved")
    assert setup_status(stack)["configured"] is True

    # When they continue and start the research, and Claude writes nothing, then it fails with the reason and Retry
    page.get_by_role("button", name="Continue").click()
    expect(step_heading(page)).to_have_text("Step 3 of 3 Live learning")
    api.script(Reply.text("I found nothing worth writing down."))
    page.get_by_role("button", name="Start research").click()
    research = page.locator("section.research")
    expect(research).to_have_attribute("data-phase", "failed", timeout=RESEARCH_TIMEOUT_MS)
    expect(research.locator("#research-title")).to_have_text("The research stopped")
    expect(research.get_by_role("alert")).not_to_be_empty()
    snap(page, "research-failed")

    # When they retry and Claude writes two documents, then the progress and the documents show as they come
    api.script(
        Reply.write("research/overview.md", "# Acme Widgets overview\n\nWidgets.\n", text="Reading their site."),
        Reply.write("research/products-and-services.md", "# Products and services\n\nWidgets, mostly.\n"),
        Reply.text("Acme Widgets makes sturdy widgets. Small factories buy them."),
    )
    research.get_by_role("button", name="Retry").click()
    documents = page.get_by_role("region", name=re.compile(r"^Documents"))
    expect(documents.get_by_role("link", name="Acme Widgets overview")).to_be_visible(timeout=RESEARCH_TIMEOUT_MS)
    expect(research).to_have_attribute("data-phase", "completed", timeout=RESEARCH_TIMEOUT_MS)
    expect(research.get_by_role("list", name="Progress").get_by_role("listitem")).not_to_have_count(0)
    expect(documents.get_by_role("link")).to_have_text(["Acme Widgets overview", "Products and services"])
    project_id = setup_status(stack)["onboarding"]["projectId"]
    expect(documents.get_by_role("link", name="Acme Widgets overview")).to_have_attribute(
        "href", f"/files?project={project_id}&path=research%2Foverview.md"
    )
    expect(research).to_contain_text("2 documents are in the project")
    expect(research.get_by_role("alert")).to_have_count(0)  # the failed run made way for this one
    snap(page, "research-done")

    # When they finish, then they land in Chat, which no longer shows the limited-mode banner
    page.get_by_role("button", name="Finish").click()
    expect(page).to_have_url(re.compile(r"/chat$"))
    expect(page.get_by_role("form", name="Write a message")).to_be_visible()
    expect(banner(page)).to_have_count(0)
    status = setup_status(stack)
    assert (status["configured"], status["needsOnboarding"], status["onboarding"]["completed"]) == (True, False, True)
    assert not problems, problems.summary()
