"""Usage, budgets and the audit log in real Chromium, on a stack whose runner drives the real Claude CLI against the
scripted fake Messages API: the Usage dashboard after a few turns (a chart, a table with a cost, top sessions, CSV,
a phone's width), the budget banner once the month's budget is used, and Admin → Audit log filtered by a person."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.browser import watch
from tests.e2e.test_spa_chat import answer_of, expect_done, open_chat_in, send
from tests.support.accounts_e2e import Credentials, admin_session, call, create_user, log_in, seed_session
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack

pytestmark = [pytest.mark.e2e, requires_claude]

SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it
PHONE: ViewportSize = {"width": 390, "height": 844}
WIDE: ViewportSize = {"width": 1280, "height": 900}
ORGANIZATION_BUDGET = "/api/admin/budgets/organization"


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"usage-{name}.png"), full_page=True)


def as_admin(stack: LocalStack, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    status, answer = call(stack, method, path, body, token=admin_session(stack).token)
    assert status < 300, (status, answer)
    return answer


def chat_turns(page: Page, stack: LocalStack, api: FakeAnthropic, count: int) -> None:
    """Signs the page in as the administrator and has `count` turns answered in a new project's chat."""
    open_chat_in(page, stack, "Usage")
    for number in range(1, count + 1):
        api.script(Reply.text(f"Answer number {number}."))
        send(page, f"Question number {number}?")
        expect_done(page, number)
        expect(answer_of(page, number)).to_have_text(f"Answer number {number}.")


@pytest.fixture
def organization_budget(stack: LocalStack) -> Iterator[None]:
    """The organization's budget before the test, put back afterwards (a spent budget would stop later turns)."""
    before = as_admin(stack, "GET", "/api/admin/budgets")["organization"]
    yield
    as_admin(stack, "PUT", ORGANIZATION_BUDGET, {key: before.get(key) for key in ("monthlyUsd", "monthlyTokens")})


def test_after_a_few_turns_the_usage_dashboard_shows_a_chart_a_table_and_the_top_sessions(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given the administrator has had three turns answered in a chat
    problems = watch(page)
    chat_turns(page, stack, api, 3)

    # When they open Usage from the navigation
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Usage").click()
    expect(page).to_have_url(re.compile(r"/usage(\?|$)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Usage")

    # Then this month's cost by day is drawn (uPlot's canvas in the chart) and the table has a row that cost something
    chart = page.locator(".usage-chart-plot")
    expect(chart.locator("canvas").first).to_be_visible()
    expect(page.locator(".usage-chart")).to_have_attribute("aria-label", re.compile(r"^Cost by day, .* in all"))
    table = page.get_by_role("table", name="Tokens and cost by day")
    costs = table.locator("tbody td[data-cost]")
    expect(costs.first).to_be_visible()
    recorded = costs.evaluate_all("cells => cells.map((cell) => Number(cell.dataset.cost))")
    assert any(cost > 0 for cost in recorded), recorded
    expect(table.locator("tfoot")).to_contain_text(re.compile(r"Total.*\$\d+\.\d+"))
    top = page.get_by_role("table", name="The sessions that cost the most in this period")
    expect(top.locator("tbody tr")).not_to_have_count(0)
    snap(page, "dashboard")

    # When they group by model (with the keyboard), then the table has one row per model and the URL keeps it
    page.get_by_role("radio", name="Model").focus()
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"groupBy=model"))
    by_model = page.get_by_role("table", name="Tokens and cost by model")
    expect(by_model.locator("tbody tr")).not_to_have_count(0)

    # And the CSV export downloads the table
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    csv = Path(download.value.path()).read_text()
    assert csv.strip() and "," in csv.splitlines()[0], csv[:200]

    # When the screen is as narrow as a phone, then the chart fits it and the page does not scroll sideways
    page.set_viewport_size(PHONE)
    expect(chart.locator("canvas").first).to_be_visible()
    page.wait_for_function(f"() => document.querySelector('.usage-chart-plot canvas').offsetWidth <= {PHONE['width']}")
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE["width"]
    snap(page, "phone")

    # And Admin → Usage shows the whole organization
    page.set_viewport_size(WIDE)
    page.goto("/admin/usage")
    expect(page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Usage")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_label("Whose usage")).to_have_value("")
    expect(page.get_by_role("region", name=re.compile("Cost by day"))).to_contain_text("Everyone in the organization")
    expect(page.locator(".usage-chart-plot canvas").first).to_be_visible()
    assert not problems, problems.summary()


def test_the_budget_banner_says_how_much_of_the_month_is_used_and_who_can_raise_it(
    page: Page, stack: LocalStack, api: FakeAnthropic, organization_budget: None
) -> None:
    # Given at least a cent spent this month (two turns cost more than that)
    problems = watch(page)
    if (as_admin(stack, "GET", "/api/budgets/me")["organization"]["spentUsd"] or 0) < 0.01:
        chat_turns(page, stack, api, 2)
    else:
        seed_session(page, admin_session(stack))

    # When the administrator gives Admin → Budgets a wrong amount, then the form says what is wrong
    page.goto("/admin/budgets")
    amount = page.get_by_label("Monthly cost (US dollars)")
    amount.fill("-5")
    page.get_by_role("button", name="Save organization budget").click()
    expect(page.get_by_role("alert").filter(has_text="Monthly cost: give an amount in dollars from 0")).to_be_visible()

    # When they set a budget of a cent, then it is saved and the banner says the organization's budget is spent
    amount.fill("0.01")
    page.get_by_role("button", name="Save organization budget").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    assert as_admin(stack, "GET", "/api/admin/budgets")["organization"]["monthlyUsd"] == 0.01
    banner = page.locator("#budget-banner")
    expect(banner).to_have_attribute("data-state", "blocked")
    expect(banner).to_contain_text(re.compile(r"The organization.s monthly budget is spent \(\$[\d.]+ of \$0\.01\)"))
    expect(banner.get_by_role("link", name="Admin → Budgets")).to_be_visible()

    # And it shows on every screen, after a reload too (once this screen's requests have ended)
    page.wait_for_load_state("networkidle")
    page.goto("/files")
    expect(page.locator("#budget-banner")).to_be_visible()
    snap(page, "budget-banner")
    assert not problems, problems.summary()


def test_the_audit_log_filtered_by_a_person_shows_only_what_they_did(page: Page, stack: LocalStack) -> None:
    # Given a second person, made by the administrator, who then signs in
    problems = watch(page)
    marker = time.monotonic_ns()
    person = Credentials(f"auditee{marker}", "correct horse battery staple")
    user = create_user(stack, person.username, person.password)
    log_in(stack, person)

    # When the administrator opens Admin → Audit log
    seed_session(page, admin_session(stack))
    page.goto("/admin")
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(re.compile(r"/admin/audit$"))
    entries = page.locator(".audit-entry")
    expect(entries.first).to_be_visible()
    # Then the administrator's own entries are there too (making the account, at least)
    expect(page.locator(f'.audit-entry:not([data-actor-id="{user["id"]}"])').first).to_be_visible()

    # When they pick the person in "Who"
    page.get_by_label("Who", exact=True).select_option(label=person.username)

    # Then only that person's entries are listed (their sign-in at least), named in the Who column
    expect(page.locator(f'.audit-entry[data-actor-id="{user["id"]}"]').first).to_be_visible()
    expect(page.locator(f'.audit-entry:not([data-actor-id="{user["id"]}"])')).to_have_count(0)
    for actor in page.locator(".audit-actor").all():
        expect(actor).to_contain_text(person.username)
    snap(page, "audit-filtered")
    # and the action filter offers every audited action, those no loaded entry shows too
    actions = page.get_by_label("Action", exact=True).locator("option")
    expect(actions.filter(has_text="git.remote_deleted")).to_have_count(1)
    expect(actions.filter(has_text="budgets.changed")).to_have_count(1)

    # When a row is opened with the keyboard, then its details show (address, client, what changed)
    toggle = entries.first.locator(".audit-toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    detail = entries.first.locator(".audit-detail")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("Address")

    # When the free-text search matches nothing, then the log says so; Clear brings everyone back
    page.get_by_label("Search", exact=True).fill(f"nothing-matches-{marker}")
    page.get_by_label("Search", exact=True).press("Enter")
    expect(page.locator("#audit-empty")).to_have_text("No entries match these filters.")
    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_label("Who", exact=True)).to_have_value("")
    expect(page.locator(f'.audit-entry:not([data-actor-id="{user["id"]}"])').first).to_be_visible()
    assert not problems, problems.summary()
