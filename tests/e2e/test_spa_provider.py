"""Admin → AI provider in real Chromium against a real local stack: Anthropic from the environment (a fake Messages
API), Amazon Bedrock set up in the panel against a fake Bedrock Runtime that checks SigV4 — credentials refused
then accepted, a model picked, the 1M-token context turned on with its acknowledgement (and the audit row shown),
and back to Anthropic; a member sees none of it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import watch
from tests.support.accounts_e2e import Credentials, admin_session, call, create_user, log_in, seed_session
from tests.support.claude import claude_env
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.fake_bedrock import ACCESS_KEY_ID, SECRET_ACCESS_KEY, FakeBedrock
from tests.support.stack import LocalStack

pytestmark = pytest.mark.e2e
SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it

REGION = "us-east-1"
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
MEMBER = Credentials("robin", "a member's long password")
# A test waits for the runner's verdict (the API waits up to 25 s): a bound, not a sleep.
TEST_TIMEOUT_MS = 40_000


@pytest.fixture(scope="module")
def bedrock() -> Iterator[FakeBedrock]:
    fake = FakeBedrock(region=REGION)
    with fake:
        yield fake


@pytest.fixture(scope="module")
def stack(api: FakeAnthropic, bedrock: FakeBedrock, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Anthropic configured by the environment; Bedrock Runtime is the fake (AWS's per-service endpoint override)."""
    env = {**claude_env(api), "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock.url}
    started = LocalStack(Path(tmp_path_factory.mktemp("provider-stack")), env=env).start()
    try:
        yield started
    finally:
        started.stop()


def provider_status(stack: LocalStack) -> dict[str, Any]:
    status, body = call(stack, "GET", "/api/admin/ai-provider", token=admin_session(stack).token)
    assert status == 200, body
    return dict(body)


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"provider-{name}.png"), full_page=True)


def fact(page: Page, name: str) -> Locator:
    return page.locator(f'#provider-facts [data-fact="{name}"]')


def bedrock_card(page: Page) -> Locator:
    return page.get_by_role("region", name="Amazon Bedrock")


def save_credentials(card: Locator, access_key_id: str, secret: str) -> None:
    card.get_by_label("Region").fill(REGION)
    card.get_by_label("Access key ID").fill(access_key_id)
    card.get_by_label("Secret access key").fill(secret)
    card.get_by_role("button", name="Save credentials").click()
    expect(card.get_by_role("status").filter(has_text="Saved the Bedrock credentials.")).to_be_visible()


def test_an_administrator_sets_up_bedrock_picks_a_model_turns_on_1m_context_and_switches_back(
    page: Page, stack: LocalStack, bedrock: FakeBedrock
) -> None:
    # Given the administrator on Admin, with Claude configured by the server's environment
    problems = watch(page)
    seed_session(page, admin_session(stack))
    page.goto("/admin")

    # When they open the AI provider section, then it shows the provider in use and where its key comes from
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="AI provider").click()
    expect(page).to_have_url(re.compile(r"/admin/ai-provider$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("AI provider")
    expect(page.get_by_role("navigation", name="Areas").locator('[aria-current="page"]')).to_have_text("Admin")
    expect(fact(page, "provider")).to_have_text("Anthropic (Claude API)")
    expect(fact(page, "credentials")).to_contain_text("environment")
    card = bedrock_card(page)
    expect(card.get_by_text("In use")).to_have_count(0)

    # When Bedrock credentials Bedrock refuses are saved and tested, then the failure and its reason show
    save_credentials(card, ACCESS_KEY_ID, "not/the/right/secret/0000000000000000")
    card.get_by_role("button", name="Test connection").click()
    result = card.locator("#bedrock-test")
    expect(result).to_have_attribute("data-passed", "false", timeout=TEST_TIMEOUT_MS)
    expect(result).to_contain_text("The connection test failed")
    expect(result.locator(".test-result-message")).not_to_be_empty()

    # When the right ones are saved and tested, then the test passes and the overview records it
    save_credentials(card, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    expect(card.get_by_label("Secret access key")).to_have_value("")
    assert SECRET_ACCESS_KEY not in page.content()
    card.get_by_role("button", name="Test connection").click()
    expect(result).to_have_attribute("data-passed", "true", timeout=TEST_TIMEOUT_MS)
    expect(result).to_contain_text("Bedrock answered")
    expect(fact(page, "test")).to_contain_text("Passed")
    snap(page, "bedrock-tested")
    assert any(request.signature_verified for request in bedrock.message_requests), bedrock.message_requests

    # When a model from the offered list is used, then Bedrock is the provider with that model
    model = card.get_by_role("combobox", name="Model")
    expect(card.locator(f'#bedrock-models option[value="{MODEL}"]')).to_have_count(1)
    model.fill(MODEL)
    card.get_by_role("button", name="Use this model").click()
    expect(fact(page, "provider")).to_have_text("Amazon Bedrock")
    expect(fact(page, "model")).to_have_text(MODEL)
    expect(card.get_by_text("In use", exact=True)).to_be_visible()
    expect(fact(page, "updated")).to_have_text("just now by you")
    assert (provider_status(stack)["provider"], provider_status(stack)["model"]) == ("bedrock", MODEL)

    # When the 1M-token context is switched on, then it asks for the acknowledgement first
    switch = card.get_by_role("switch", name="Use the 1M-token context")
    expect(switch).not_to_be_checked()
    switch.click()
    dialog = page.get_by_role("dialog", name="Turn on the 1M-token context?")
    acknowledgement = dialog.get_by_label(re.compile(r"billed at a higher price per token"))
    expect(dialog.get_by_role("button", name="Turn on")).to_be_disabled()
    snap(page, "context-1m-dialog")
    acknowledgement.check()
    dialog.get_by_role("button", name="Turn on").click()
    expect(dialog).to_have_count(0)
    expect(switch).to_be_checked()

    # Then the history shows who turned it on and what they acknowledged
    history = card.get_by_role("table", name="Changes to the 1M-token context")
    expect(history.locator("tbody tr")).to_have_count(1)
    expect(history.locator("tbody tr").first).to_contain_text("admin")
    expect(history.locator("tbody tr").first).to_contain_text("Turned on")
    expect(history.locator("tbody tr").first).to_contain_text(f"1M-token context for the model in use ({MODEL})")
    assert provider_status(stack)["bedrock"]["context1mEnabled"] is True
    snap(page, "context-1m-on")

    # When they switch back to Anthropic, then Anthropic is in use again and Bedrock's settings stay for later
    card.get_by_role("button", name="Switch back to Anthropic").click()
    expect(fact(page, "provider")).to_have_text("Anthropic (Claude API)")
    expect(card.get_by_text("In use", exact=True)).to_have_count(0)
    expect(card.get_by_label("Region")).to_have_value(REGION)
    assert provider_status(stack)["provider"] == "anthropic"
    assert not problems, problems.summary()


def test_a_member_sees_the_provider_in_settings_but_not_the_panel(page: Page, stack: LocalStack) -> None:
    # Given a member of the workspace
    problems = watch(page)
    create_user(stack, MEMBER.username, MEMBER.password)
    member = log_in(stack, MEMBER)
    seed_session(page, member)

    # When they open Settings, then they see which provider Claude runs on, without a way to change it
    page.goto("/settings")
    summary = page.locator("#provider-summary")
    expect(summary).to_contain_text("Claude runs on")
    expect(summary).to_contain_text("Configured")
    expect(page.get_by_role("link", name="Manage the AI provider")).to_have_count(0)
    snap(page, "member-settings")
    expect(page.get_by_role("navigation", name="Areas").get_by_role("link", name="Admin")).to_have_count(0)

    # When they open the panel's address (once Settings has loaded), then it is not for them, nor the API's answers
    expect(page.get_by_role("main").locator(".loading")).to_have_count(0)
    page.goto("/admin/ai-provider")
    expect(page.get_by_role("heading", level=1)).to_have_text("Only for administrators")
    status, _ = call(stack, "GET", "/api/admin/ai-provider", token=member.token)
    assert status == 403
    assert not problems, problems.summary()
