"""Cloud drives in real Chromium against the session's local stack (docs/web-drives.md).

An administrator, in Settings → Cloud drives, registers a WebDAV provider (the real `rclone serve webdav` of a
temporary folder, tests/support/webdav.py) and connects an account with its user name and password; then registers a
Google Drive provider whose authorization and token URLs point at the fake OAuth server (tests/support/fake_oauth.py)
and connects it through the sign-in popup until the connection says Authorized. On a phone-sized screen, in a
project's Drives, they add the WebDAV folder, see it mounted after its first sync, sync it again by hand, see the folder
marked read-only in Files with the drive's files, and remove it: its files stay in the project.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser import chromium, watch
from tests.support.accounts_e2e import Session, admin_session, call, seed_session
from tests.support.fake_oauth import CLIENT_ID, CLIENT_SECRET, FakeOAuth
from tests.support.stack import LocalStack, wait_until
from tests.support.webdav import WebDavServer

pytestmark = pytest.mark.e2e

# A sync crosses SQS and a runner (a cold one first) that runs rclone against the WebDAV server: bounds, not sleeps.
SYNC_TIMEOUT_MS = 120_000
API_TIMEOUT_MS = 30_000  # an answer the page waits for from the API
POPUP_TIMEOUT = 30  # seconds: the sign-in window's round trip through the fake and the API's callback
SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it
REPORT = "# Q1\n\nSales went up.\n"
PLAN = "# Plan\n\nOpen two shops.\n"


@pytest.fixture(scope="module")
def webdav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDavServer]:
    """A WebDAV drive holding Reports/q1.md."""
    with WebDavServer(tmp_path_factory.mktemp("webdav") / "drive") as server:
        (server.root / "Reports").mkdir()
        (server.root / "Reports" / "q1.md").write_text(REPORT)
        yield server


@pytest.fixture(scope="module")
def oauth() -> Iterator[FakeOAuth]:
    """The fake OAuth server: it approves every sign-in at once, for its client id and secret only."""
    fake = FakeOAuth()
    try:
        yield fake
    finally:
        fake.close()


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
def created(local_stack: LocalStack) -> Iterator[list[str]]:
    """API paths to DELETE after the test, newest first (connections before their providers): the stack is shared."""
    paths: list[str] = []
    yield paths
    token = admin_session(local_stack).token
    for path in reversed(paths):
        call(local_stack, "DELETE", path, token=token)


@pytest.fixture
def suffix() -> str:
    """Makes this test's names its own on the shared stack."""
    return secrets.token_hex(3)


# --- the API, for what a test sets up -----------------------------------------------------------------------------


def api_ok(stack: LocalStack, session: Session, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    status, answer = call(stack, method, path, body, token=session.token)
    assert 200 <= status < 300, f"{method} {path}: {status} {answer}"
    return answer


def webdav_connection(
    stack: LocalStack, admin: Session, dav: WebDavServer, name: str, created: list[str]
) -> dict[str, Any]:
    """A WebDAV provider and an authorized connection through it, made through the API."""
    provider = api_ok(
        stack, admin, "POST", "/api/drives/providers", {"providerType": "webdav", "displayName": name, "url": dav.url}
    )
    created.append(f"/api/drives/providers/{provider['providerId']}")
    body = {
        "providerId": provider["providerId"],
        "displayName": name,
        "username": dav.username,
        "password": dav.password,
    }
    connection = api_ok(stack, admin, "POST", "/api/drives/connections", body)
    created.append(f"/api/drives/connections/{connection['connectionId']}")

    def authorized() -> bool:
        listed = api_ok(stack, admin, "GET", "/api/drives/connections")
        return any(c["connectionId"] == connection["connectionId"] and c["status"] == "authorized" for c in listed)

    wait_until(authorized, timeout=API_TIMEOUT_MS / 1000, interval=0.5, what="the WebDAV connection to be authorized")
    return dict(connection)


# --- the page ------------------------------------------------------------------------------------------------------


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"drives-{name}.png"), full_page=True)


def provider_row(page: Page, name: str) -> Locator:
    return page.locator("[data-provider]").filter(has=page.locator(".drive-name", has_text=name))


def connection_row(page: Page, name: str) -> Locator:
    return page.locator("[data-connection]").filter(has=page.locator(".drive-name", has_text=name))


def flash(page: Page) -> Locator:
    return page.locator(".page-header .flash, .drives-top > .flash")


def test_an_administrator_adds_providers_and_connects_a_webdav_and_an_oauth_drive(
    page: Page, local_stack: LocalStack, webdav: WebDavServer, oauth: FakeOAuth, created: list[str], suffix: str
) -> None:
    # Given the administrator, signed in, on Settings → Cloud drives
    problems = watch(page)
    admin = admin_session(local_stack)
    seed_session(page, admin)
    page.goto("/settings")
    page.get_by_role("navigation", name="Settings sections").get_by_role("link", name="Cloud drives").click()
    expect(page).to_have_url(re.compile(r"/settings/drives$"))
    expect(page.get_by_role("heading", name="Cloud drives", level=1)).to_be_visible()

    # When they add a WebDAV provider, then it is listed with its server's address
    dav_name, google_name = f"Team files {suffix}", f"Company Google {suffix}"
    page.get_by_role("button", name="New provider").click()
    dialog = page.get_by_role("dialog", name="New provider")
    dialog.get_by_label("Kind of drive").select_option("webdav")
    dialog.get_by_label("Name", exact=True).fill(dav_name)
    dialog.get_by_label("Server URL").fill(webdav.url)
    dialog.get_by_role("button", name="Add provider").click()
    expect(dialog).to_have_count(0, timeout=API_TIMEOUT_MS)
    dav_provider = provider_row(page, dav_name)
    expect(dav_provider).to_contain_text(webdav.url.rstrip("/"))
    dav_provider_id = dav_provider.get_attribute("data-provider")
    created.append(f"/api/drives/providers/{dav_provider_id}")

    # When they add a Google Drive provider that signs in at the fake OAuth server, then its client secret is never
    # shown again, only its last characters, and the redirect URI to register is there
    page.get_by_role("button", name="New provider").click()
    dialog = page.get_by_role("dialog", name="New provider")
    dialog.get_by_label("Kind of drive").select_option("gdrive")
    dialog.get_by_label("Name", exact=True).fill(google_name)
    dialog.get_by_label("Client ID").fill(CLIENT_ID)
    dialog.get_by_label("Client secret").fill(CLIENT_SECRET)
    dialog.get_by_text("Custom sign-in endpoints").click()
    dialog.get_by_label("Authorization URL").fill(f"{oauth.url}/authorize")
    dialog.get_by_label("Token URL").fill(f"{oauth.url}/token")
    dialog.get_by_role("button", name="Add provider").click()
    expect(dialog).to_have_count(0, timeout=API_TIMEOUT_MS)
    google_provider = provider_row(page, google_name)
    expect(google_provider).to_contain_text(f"secret ending …{CLIENT_SECRET[-4:]}")
    google_provider_id = google_provider.get_attribute("data-provider")
    created.append(f"/api/drives/providers/{google_provider_id}")
    expect(google_provider).to_contain_text(f"/api/auth/{google_provider_id}/callback")
    assert CLIENT_SECRET not in page.content()

    # When they connect the WebDAV account with its user name and password, then it is authorized at once
    page.get_by_role("button", name="New connection").click()
    dialog = page.get_by_role("dialog", name="New connection")
    dialog.get_by_label("Provider").select_option(dav_provider_id)
    dialog.get_by_label("Name (optional)").fill(dav_name)
    dialog.get_by_label("User name").fill(webdav.username)
    dialog.get_by_label("Password").fill(webdav.password)
    dialog.get_by_role("button", name="Add connection").click()
    expect(dialog).to_have_count(0, timeout=API_TIMEOUT_MS)
    dav_connection = connection_row(page, dav_name)
    expect(dav_connection.locator(".drive-badge")).to_have_text("Authorized", timeout=API_TIMEOUT_MS)
    created.append(f"/api/drives/connections/{dav_connection.get_attribute('data-connection')}")
    assert webdav.password not in page.content()

    # When they connect the Google Drive account, then Connect opens the sign-in window, the fake approves, the
    # window closes itself, and the connection is authorized, the code exchanged once for the provider's client
    page.get_by_role("button", name="New connection").click()
    dialog = page.get_by_role("dialog", name="New connection")
    dialog.get_by_label("Provider").select_option(google_provider_id)
    dialog.get_by_label("Name (optional)").fill(google_name)
    with page.expect_popup(timeout=API_TIMEOUT_MS) as opened:
        dialog.get_by_role("button", name="Connect").click()
    popup = opened.value
    google_connection = connection_row(page, google_name)
    expect(google_connection.locator(".drive-badge")).to_have_text("Authorized", timeout=POPUP_TIMEOUT * 1000)
    created.append(f"/api/drives/connections/{google_connection.get_attribute('data-connection')}")
    expect(flash(page)).to_contain_text(f"Connected {google_name}")
    wait_until(popup.is_closed, timeout=POPUP_TIMEOUT, interval=0.2, what="the sign-in window to close itself")
    expect(google_connection.get_by_role("button", name=f"Connect {google_name}")).to_have_count(0)
    exchanges = oauth.token_requests("authorization_code")
    assert [e["client_id"] for e in exchanges] == [CLIENT_ID], exchanges
    snap(page, "settings")

    # Then the API says the same
    listed = api_ok(local_stack, admin, "GET", "/api/drives/connections")
    statuses = {c["displayName"]: c["status"] for c in listed}
    assert statuses.get(dav_name) == "authorized" and statuses.get(google_name) == "authorized", statuses
    assert not problems, problems.summary()


def test_a_project_syncs_a_drive_folder_shows_it_mounted_and_removing_it_keeps_its_files(
    page: Page, local_stack: LocalStack, webdav: WebDavServer, created: list[str], suffix: str
) -> None:
    # Given an authorized WebDAV connection, a new project, and its owner on a phone-sized screen
    problems = watch(page)
    admin = admin_session(local_stack)
    connection = webdav_connection(local_stack, admin, webdav, f"Shared drive {suffix}", created)
    project = api_ok(local_stack, admin, "POST", "/api/projects", {"name": f"Drives {suffix}"})
    seed_session(page, admin)
    page.set_viewport_size({"width": 390, "height": 844})

    # When they go from the project's Files to its Drives, then there is none yet
    page.goto(f"/files?project={project['id']}")
    main = page.get_by_role("main")
    main.get_by_role("link", name="Drives", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/drives\?project={project['id']}$"))
    expect(page.get_by_role("heading", name="Drives", level=1)).to_be_visible()
    expect(page.get_by_text("No drives in this project yet.")).to_be_visible(timeout=API_TIMEOUT_MS)

    # When they add the drive's Reports folder as Drives/Reports, read-only
    form = page.get_by_role("region", name="Add a drive")
    form.get_by_label("Connection").select_option(connection["connectionId"])
    form.get_by_label("Folder on the drive").fill("Reports")
    form.get_by_label("Project folder").fill("Drives/Reports")
    form.get_by_label("Read-only").check()
    form.get_by_label("Default").check()
    form.get_by_role("button", name="Add drive").click()

    # Then it is listed, read-only, with its health; once its first sync ran, it is mounted and says when
    row = page.locator('[data-mount][data-path="Drives/Reports"]')
    health = row.locator("[data-health]")
    expect(health).to_have_attribute(
        "data-health", re.compile(r"^(unmounted|mounting|mounted)$"), timeout=API_TIMEOUT_MS
    )
    expect(row).to_contain_text("Read-only")
    expect(health).to_have_attribute("data-health", "mounted", timeout=SYNC_TIMEOUT_MS)
    expect(health).to_have_text("Mounted")
    synced = row.locator("time")
    expect(synced).to_have_count(1)
    first_sync = synced.get_attribute("datetime")
    snap(page, "mounted-phone")

    # When a file is added on the drive and they press Sync now, then the row says so and, once the sync reported,
    # shows its new time
    (webdav.root / "Reports" / "plan.md").write_text(PLAN)
    row.get_by_role("button", name="Sync now Drives/Reports/").click()
    expect(flash(page)).to_contain_text("Syncing Drives/Reports/")
    expect(synced).not_to_have_attribute("datetime", first_sync or "", timeout=SYNC_TIMEOUT_MS)
    expect(row.get_by_role("button", name="Sync now Drives/Reports/")).to_be_enabled()
    expect(health).to_have_attribute("data-health", "mounted")

    # And in Files the folder is marked as a read-only drive, holding the drive's files
    main.get_by_role("link", name="Files", exact=True).click()
    tree = page.get_by_role("navigation", name="Project files")
    tree.get_by_role("button", name="Drives", exact=True).click()
    expect(page.locator('[data-folder="Drives/Reports"] .file-mount')).to_have_text("Drive · read-only")
    tree.get_by_role("button", name="Reports", exact=True).click()
    expect(tree.locator('[data-path="Drives/Reports/q1.md"]')).to_be_visible()
    expect(tree.locator('[data-path="Drives/Reports/plan.md"]')).to_be_visible()

    # When they remove it, after the confirmation says its files stay, then it is gone from the list and the API
    main.get_by_role("link", name="Drives", exact=True).click()
    row.get_by_role("button", name="Remove Drives/Reports/").click()
    dialog = page.get_by_role("dialog", name="Remove the drive folder Drives/Reports/?")
    expect(dialog).to_contain_text("stay in the project")
    dialog.get_by_role("button", name="Remove drive").click()
    expect(row).to_have_count(0, timeout=API_TIMEOUT_MS)
    expect(flash(page)).to_contain_text("Its files stay in the project.")
    assert api_ok(local_stack, admin, "GET", f"/api/projects/{project['id']}/mounts") == []

    # And the files synced from the drive are still in the project
    for path, text in (("Drives/Reports/q1.md", REPORT), ("Drives/Reports/plan.md", PLAN)):
        content = api_ok(local_stack, admin, "GET", f"/api/projects/{project['id']}/files/content?path={path}")
        assert content["content"] == text, content
    assert not problems, problems.summary()
