"""Admin → Limits: an administrator reads and changes the per-person quotas; a wrong value is explained."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import chromium, watch
from tests.support.accounts_e2e import admin_session, call, seed_session
from tests.support.stack import LocalStack

pytestmark = pytest.mark.e2e
QUOTAS = "/api/admin/settings/quotas"


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
def quotas(local_stack: LocalStack) -> Iterator[dict[str, Any]]:
    """The limits before the test, put back afterwards (the stack is shared)."""
    token = admin_session(local_stack).token
    status, before = call(local_stack, "GET", QUOTAS, token=token)
    assert status == 200, before
    yield dict(before)
    call(local_stack, "PUT", QUOTAS, before, token=token)


def test_an_administrator_changes_a_limit_and_is_told_when_a_value_is_wrong(
    page: Page, local_stack: LocalStack, quotas: dict[str, Any]
) -> None:
    # Given the administrator on Admin → Limits, every limit shown with its current value
    problems = watch(page)
    admin = admin_session(local_stack)
    seed_session(page, admin)
    page.goto("/admin")
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Limits").click()
    expect(page).to_have_url(re.compile(r"/admin/limits$"))
    uploads = page.get_by_label("Uploads per person per hour")
    expect(uploads).to_have_value(str(quotas["uploadsPerHour"]))
    expect(page.get_by_label("Active schedules per person")).to_have_value(str(quotas["maxActiveSchedules"]))
    expect(page.locator("form input[type=number]")).to_have_count(len(quotas))

    # When a limit is set to zero, then the form says what is wrong and nothing is saved
    uploads.fill("0")
    page.get_by_role("button", name="Save limits").click()
    expect(page.get_by_role("alert")).to_contain_text("Uploads per person per hour: give a whole number")

    # When it is set to 150, then it saves and the API says the same
    uploads.fill("150")
    page.get_by_role("button", name="Save limits").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    status, body = call(local_stack, "GET", QUOTAS, token=admin.token)
    assert status == 200 and body["uploadsPerHour"] == 150, body
    assert {key: value for key, value in body.items() if key != "uploadsPerHour"} == {
        key: value for key, value in quotas.items() if key != "uploadsPerHour"
    }
    assert not problems, problems.summary()
