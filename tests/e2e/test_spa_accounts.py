"""Accounts in the SPA, in real Chromium against a real local stack: first run, sign-in and sign-out, user
administration, API keys shown once, your own account, and a password reset by email."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, WebSocket, expect

from tests.e2e.browser import chromium, watch
from tests.support.accounts_e2e import (
    ADMIN,
    Credentials,
    admin_session,
    auth_status,
    call,
    create_user,
    latest_mail,
    log_in,
    seed_session,
)
from tests.support.stack import LocalStack

pytestmark = pytest.mark.e2e

# The first pong crosses SQS and the runner, which may still be starting: a bound, not a sleep.
CONNECT_TIMEOUT_MS = 45_000
SOCKET_CLOSE_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def stack(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The session's stack while nobody has registered on it; otherwise a fresh one, so the first-run screen shows."""
    if auth_status(local_stack)["needsSetup"]:
        yield local_stack
        return
    fresh = LocalStack(Path(tmp_path_factory.mktemp("accounts-data"))).start()
    try:
        yield fresh
    finally:
        fresh.stop()


@pytest.fixture
def page(browser: Browser, stack: LocalStack) -> Iterator[Page]:
    context = browser.new_context(
        base_url=stack.base_url,
        viewport={"width": 1280, "height": 800},
        permissions=["clipboard-read", "clipboard-write"],
    )
    try:
        yield context.new_page()
    finally:
        context.close()


class Sockets:
    """The WebSockets the page opens."""

    def __init__(self, page: Page) -> None:
        self.opened: list[WebSocket] = []
        page.on("websocket", self._opened)

    def _opened(self, socket: WebSocket) -> None:
        self.opened.append(socket)

    @property
    def urls(self) -> list[str]:
        return [socket.url for socket in self.opened]

    def expect_all_closed(self) -> None:
        for socket in self.opened:
            if not socket.is_closed():
                socket.wait_for_event("close", timeout=SOCKET_CLOSE_TIMEOUT_MS)


def expect_signed_in_as(page: Page, username: str) -> None:
    expect(page.get_by_role("banner").get_by_role("button", name=f"Account: {username}")).to_be_visible()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT_MS)


def sign_in_through_form(page: Page, credentials: Credentials) -> None:
    page.get_by_label("Username").fill(credentials.username)
    page.get_by_label("Password").fill(credentials.password)
    page.get_by_role("button", name="Sign in").click()


def field(scope: Page | Locator, label: str) -> Locator:
    return scope.get_by_label(label, exact=True)


def test_first_run_creates_the_admin_then_signs_out_and_in(page: Page, stack: LocalStack) -> None:
    # Given a stack nobody has registered on, and a browser that records problems and WebSockets
    assert auth_status(stack)["needsSetup"]
    problems = watch(page)
    sockets = Sockets(page)

    # When a person opens the app, then it asks for the first account, which becomes the administrator
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create the first account")
    expect(page.get_by_role("main")).to_contain_text("This account becomes the administrator")
    expect(field(page, "Setup token")).to_have_count(0)  # this stack has none configured
    expect(page).to_have_title("Create the first account · Sasha Studio")
    assert sockets.urls == []  # nobody is signed in: no socket

    # When the two passwords differ, then the form says so and stays
    field(page, "Username").fill(ADMIN.username)
    field(page, "Email (optional)").fill("admin@example.com")
    field(page, "Password").fill(ADMIN.password)
    field(page, "Confirm password").fill("not the same password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text("The two passwords are not the same. Type the new password twice.")
    expect(field(page, "Confirm password")).to_be_focused()

    # When they fix it, then they are signed in as the administrator, on onboarding (workflow 4: the first
    # administrator sets the company up, or skips), and the socket carries the token
    field(page, "Confirm password").fill(ADMIN.password)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/onboarding$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up Sasha Studio")
    expect_signed_in_as(page, ADMIN.username)
    expect(page.get_by_role("navigation", name="Areas").get_by_role("link", name="Admin")).to_be_visible()
    assert len(sockets.urls) == 1 and "?token=" in sockets.urls[0], sockets.urls
    assert not auth_status(stack)["needsSetup"]

    # When they sign out from the account menu, then the sign-in screen says so and the socket is closed
    page.get_by_role("button", name=f"Account: {ADMIN.username}").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("status")).to_have_text("You signed out.")
    expect(page.get_by_role("link", name="Forgot password?")).to_be_visible()
    sockets.expect_all_closed()
    assert page.evaluate("localStorage.getItem('sasha.token')") is None

    # When they open a deep link signed out, then they are asked to sign in first
    page.goto("/settings")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fsettings$"))

    # When the password is wrong, then the server's message is shown and no socket opens
    sign_in_through_form(page, Credentials(ADMIN.username, "wrong password"))
    expect(page.get_by_role("alert")).to_have_text("Invalid credentials")
    assert len(sockets.urls) == 1

    # When it is right, then they land where they were going, connected again
    sign_in_through_form(page, ADMIN)
    expect(page).to_have_url(re.compile(r"/settings$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    expect_signed_in_as(page, ADMIN.username)

    # And the only failed request was the wrong password
    assert not problems.excluding((401, "/api/auth/login")), problems.summary()


def test_admin_creates_edits_welcomes_and_deletes_users(page: Page, stack: LocalStack) -> None:
    # Given the administrator on the Admin screen, and someone to delete later
    problems = watch(page)
    create_user(stack, "erin", "erin-password-1")
    seed_session(page, admin_session(stack))
    page.goto("/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin")
    table = page.get_by_role("table", name="Users of this workspace")
    expect(table.get_by_role("row", name=re.compile(rf"^{ADMIN.username} You"))).to_be_visible()

    # When they create a user in the dialog, then the table shows them
    page.get_by_role("button", name="New user").click()
    dialog = page.get_by_role("dialog", name="New user")
    expect(field(dialog, "Username")).to_be_focused()
    field(dialog, "Username").fill("dana")
    field(dialog, "Email (optional)").fill("dana@example.com")
    field(dialog, "Password").fill("dana-password-1")
    dialog.get_by_role("button", name="Create user").click()
    expect(dialog).to_have_count(0)
    dana = table.get_by_role("row", name=re.compile(r"^dana "))
    expect(dana).to_contain_text("dana@example.com")
    expect(dana).to_contain_text("Member")
    expect(dana).to_contain_text("Never")
    expect(page.locator(".flash")).to_have_text("Created dana.")

    # When the username is taken, then the server's 409 message shows inside the dialog
    page.get_by_role("button", name="New user").click()
    field(dialog, "Username").fill("dana")
    field(dialog, "Password").fill("another-password")
    dialog.get_by_role("button", name="Create user").click()
    expect(dialog.get_by_role("alert")).to_have_text("The username 'dana' is already taken.")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)

    # When the only administrator tries to stop being one, then the 409 "last admin" message shows in the dialog
    page.get_by_role("button", name=f"Edit {ADMIN.username}").click()
    edit = page.get_by_role("dialog", name=f"Edit {ADMIN.username}")
    expect(edit.get_by_label("Active")).to_be_disabled()
    edit.get_by_label("Administrator").uncheck()
    edit.get_by_role("button", name="Save changes").click()
    expect(edit.get_by_role("alert")).to_contain_text("At least one active administrator must remain")
    page.keyboard.press("Escape")
    expect(edit).to_have_count(0)

    # When they make dana an administrator, then the table says so
    page.get_by_role("button", name="Edit dana").click()
    edit = page.get_by_role("dialog", name="Edit dana")
    edit.get_by_label("Administrator").check()
    edit.get_by_role("button", name="Save changes").click()
    expect(edit).to_have_count(0)
    expect(dana).to_contain_text("Administrator")

    # When they send dana a welcome email, then the server's answer is shown and the email went out
    page.get_by_role("button", name="Send a welcome email to dana").click()
    expect(page.locator(".flash")).to_have_text("A welcome email was sent to dana@example.com.")
    welcome = latest_mail(stack, "dana@example.com")
    assert welcome and welcome["Subject"] == "Welcome to Sasha Studio"

    # When they delete erin, then a dialog names her and says what goes; confirming removes the row
    page.get_by_role("button", name="Delete erin").click()
    confirm = page.get_by_role("dialog", name="Delete erin?")
    expect(confirm).to_contain_text("This deletes the account erin and everything it owns")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    confirm.get_by_role("button", name="Delete erin").click()
    expect(confirm).to_have_count(0)
    expect(table.get_by_role("row", name=re.compile(r"^erin "))).to_have_count(0)
    status, _ = call(stack, "POST", "/api/auth/login", {"username": "erin", "password": "erin-password-1"})
    assert status == 401

    # And the only failed requests were the two conflicts shown in the dialogs
    assert not problems.excluding((409, "/api/admin/users")), problems.summary()


def test_api_keys_of_each_scope_are_shown_once_then_listed_without_secrets(page: Page, stack: LocalStack) -> None:
    # Given the administrator on Settings, with no API keys yet
    problems = watch(page)
    seed_session(page, admin_session(stack))
    page.goto("/settings")
    keys = page.get_by_role("region", name="API keys")
    expect(keys).to_contain_text("No API keys yet.")

    # Then the form offers the two kinds of access, Integrations chosen, with what each allows
    access = keys.get_by_role("group", name="Access")
    integrations = access.get_by_role("radio", name="Integrations")
    full_access = access.get_by_role("radio", name="Full access")
    expect(integrations).to_be_checked()
    expect(integrations).to_have_accessible_name(re.compile(r"run prompts and skills, read projects and files", re.I))
    expect(full_access).not_to_be_checked()
    expect(full_access).to_have_accessible_name(re.compile(r"except changing accounts and administration"))
    expect(access).to_have_accessible_description(re.compile(r"only the access its integration needs"))

    # When the callback URL carries credentials, then the server refuses it and its message shows
    field(keys, "Name").fill("CI pipeline")
    field(keys, "Callback URL (optional)").fill("https://user:secret@ci.example.com/hook")
    keys.get_by_role("button", name="Create key").click()
    expect(keys.get_by_role("alert")).to_have_text("The URL may not contain a user name or password.")

    # When they create an integrations key, then its key and signing secret are shown once, with a warning, copy
    # buttons and its access
    field(keys, "Callback URL (optional)").fill("https://ci.example.com/hook")
    keys.get_by_role("button", name="Create key").click()
    reveal = keys.get_by_role("region", name="“CI pipeline” is ready")
    expect(reveal).to_contain_text("you won\u2019t see them again")
    expect(reveal.get_by_role("heading")).to_be_focused()
    expect(reveal.locator(".badge")).to_have_text("Integrations")
    expect(reveal).to_contain_text("Run prompts and skills, read projects and files.")
    ci_key = reveal.get_by_label("API key", exact=True).input_value()
    secret = reveal.get_by_label("Signing secret", exact=True).input_value()
    assert ci_key.startswith("sk_") and len(secret) >= 32
    reveal.get_by_role("button", name="Copy API key").click()
    expect(reveal.get_by_role("button", name="Copied API key")).to_be_visible()
    expect(reveal.get_by_role("status").filter(has_text="copied")).to_have_text("API key copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == ci_key
    ci_row = keys.get_by_role("row", name=re.compile(r"^CI pipeline "))
    expect(ci_row).to_contain_text("https://ci.example.com/hook")
    expect(ci_row.locator(".badge")).to_have_text("Integrations")

    # When they create a second key with full access, then it is shown once with that access, and the form is back
    # to Integrations
    field(keys, "Name").fill("Release bot")
    full_access.check()
    keys.get_by_role("button", name="Create key").click()
    reveal = keys.get_by_role("region", name="“Release bot” is ready")
    expect(reveal.locator(".badge")).to_have_text("Full access")
    expect(reveal).to_contain_text("Everything you can do, except changing accounts and administration.")
    full_key = reveal.get_by_label("API key", exact=True).input_value()
    assert full_key.startswith("sk_") and full_key != ci_key
    expect(reveal.get_by_role("button", name="Copy API key")).to_be_visible()  # not "Copied": a new key, a new panel
    expect(integrations).to_be_checked()
    bot_row = keys.get_by_role("row", name=re.compile(r"^Release bot "))
    expect(bot_row.locator(".badge")).to_have_text("Full access")

    # When the page is reloaded, then both keys are listed with their access, active and never used, and their
    # secrets are gone for good
    page.reload()
    for row, access_label in ((ci_row, "Integrations"), (bot_row, "Full access")):
        expect(row.locator(".badge")).to_have_text(access_label)
        expect(row).to_contain_text("Active")
        expect(row).to_contain_text("Never")
    expect(keys.get_by_role("region", name=re.compile("is ready"))).to_have_count(0)
    html = page.content()
    assert ci_key not in html and full_key not in html and secret not in html

    # Then each key has the access it was given: only the full one may read the key listing
    status, body = call(stack, "GET", "/api/api-keys", headers={"X-API-Key": ci_key})
    assert status == 403 and body["error"]["code"] == "insufficient_scope", body
    status, body = call(stack, "GET", "/api/api-keys", headers={"X-API-Key": full_key})
    assert status == 200 and {key["scope"] for key in body} == {"integrations", "full"}, body

    # When the screen is as narrow as a phone, then each key's lines stack and its Deactivate button is on screen
    page.set_viewport_size({"width": 390, "height": 844})
    for row, name in ((ci_row, "CI pipeline"), (bot_row, "Release bot")):
        row.scroll_into_view_if_needed()
        expect(row.locator(".badge")).to_be_in_viewport(ratio=1)
        button = row.get_by_role("button", name=f"Deactivate {name}")
        button.scroll_into_view_if_needed()
        expect(button).to_be_in_viewport(ratio=1)
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    table_wrap = keys.locator(".table-wrap")
    assert table_wrap.evaluate("wrap => wrap.scrollWidth <= wrap.clientWidth"), "the keys table scrolls sideways"

    # When they deactivate the integrations key there, then a confirmation comes first, and the row says
    # "Deactivated"
    ci_row.get_by_role("button", name="Deactivate CI pipeline").click()
    confirm = page.get_by_role("dialog", name="Deactivate “CI pipeline”?")
    expect(confirm).to_contain_text("stops working at once")
    confirm.get_by_role("button", name="Deactivate key").click()
    expect(confirm).to_have_count(0)
    expect(ci_row).to_contain_text("Deactivated")
    expect(ci_row.get_by_role("button")).to_have_count(0)
    expect(bot_row.get_by_role("button", name="Deactivate Release bot")).to_be_visible()

    # And the only failed request was the refused callback URL
    assert not problems.excluding((400, "/api/api-keys")), problems.summary()


def test_your_account_and_a_session_ended_elsewhere(page: Page, stack: LocalStack) -> None:
    # Given gina, a member, signed in
    problems = watch(page)
    gina = Credentials("gina", "gina-password-1")
    create_user(stack, gina.username, gina.password)
    seed_session(page, log_in(stack, gina))

    # When she opens a deep link to Admin, then it is a friendly "not allowed", and there is no Admin area for her
    page.goto("/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Only for administrators")
    expect(page).to_have_title("Not allowed · Sasha Studio")
    expect(page.get_by_role("navigation", name="Areas").get_by_role("link", name="Admin")).to_have_count(0)
    expect_signed_in_as(page, gina.username)  # this page's socket is open, so it is not counted below

    # When she opens Settings (a new page, whose sockets are watched from now on), then her account is there
    sockets = Sockets(page)
    page.goto("/settings")
    expect_signed_in_as(page, gina.username)
    account = page.get_by_role("region", name="Your account")
    expect(account).to_contain_text("gina · Member")

    # When she adds an email address (confirming with her password), then it is saved
    field(account, "Email (optional)").fill("gina@example.com")
    field(account, "Your password").fill(gina.password)
    account.get_by_role("button", name="Save email").click()
    expect(account.get_by_role("status")).to_have_text("Your email address is now gina@example.com.")

    # When her current password is wrong, then the form says so and she stays signed in
    field(account, "Current password").fill("not her password")
    field(account, "New password").fill("gina-password-2")
    field(account, "Confirm new password").fill("gina-password-2")
    account.get_by_role("button", name="Change password").click()
    password_form = account.get_by_role("form", name="Password")
    expect(password_form.get_by_role("alert")).to_have_text("Your current password is not right. Try again.")

    # When it is right, then the new session is stored and the socket reconnects with it
    old_token = page.evaluate("localStorage.getItem('sasha.token')")
    field(account, "Current password").fill(gina.password)
    account.get_by_role("button", name="Change password").click()
    expect(account.get_by_role("status")).to_contain_text("Your password was changed.")
    new_token = page.evaluate("localStorage.getItem('sasha.token')")
    assert new_token and new_token != old_token
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT_MS)
    assert sockets.urls[-1].endswith(f"token={new_token}")

    # When her password is changed elsewhere (which ends this session) and she acts, then she is sent to sign in
    status, _ = call(
        stack,
        "PATCH",
        "/api/auth/me",
        {"currentPassword": "gina-password-2", "newPassword": "gina-password-3"},
        token=new_token,
    )
    assert status == 200
    keys = page.get_by_role("region", name="API keys")
    field(keys, "Name").fill("Too late")
    keys.get_by_role("button", name="Create key").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fsettings$"))
    expect(page.get_by_role("status")).to_have_text("Your session has ended; sign in again.")
    expect(page.get_by_label("Username")).to_have_value(gina.username)
    sockets.expect_all_closed()
    assert page.evaluate("localStorage.getItem('sasha.token')") is None

    # And the only failed requests were the wrong current password and the refused token
    assert not problems.excluding((401, "/api/auth/me"), (401, "/api/api-keys")), problems.summary()


def test_forgot_password_email_and_reset(page: Page, stack: LocalStack) -> None:
    # Given frank, who has an email address and forgot his password
    problems = watch(page)
    frank = Credentials("frank", "frank-password-1")
    create_user(stack, frank.username, frank.password, email="frank@example.com")

    # When he asks for a reset link from the sign-in screen, then the answer is the neutral one
    page.goto("/sign-in")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page).to_have_url(re.compile(r"/forgot-password$"))
    page.get_by_label("Username or email").fill("frank@example.com")
    page.get_by_role("button", name="Send reset link").click()
    neutral = "If an account matches, we sent a link to reset its password to the account's email address."
    expect(page.get_by_role("status")).to_have_text(neutral)

    # And it is the same for an account that does not exist
    page.get_by_role("button", name="ask again").click()
    page.get_by_label("Username or email").fill("nobody-by-that-name")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status")).to_have_text(neutral)

    # When a link is not valid, then the page says so and offers to ask again
    page.goto("/reset-password?token=not-a-real-token")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    expect(page.get_by_role("alert")).to_contain_text("This reset link is invalid, has expired or was already used.")
    expect(page.get_by_role("link", name="Ask for a new link")).to_have_attribute("href", "/forgot-password")

    # When he opens the link from the email, then it is checked and asks for a new password for his account
    mail = latest_mail(stack, "frank@example.com")
    assert mail and mail["Subject"] == "Reset your Sasha Studio password"
    link = re.search(r"https?://\S+/reset-password\?token=\S+", mail["TextBody"])
    assert link, mail["TextBody"]
    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    expect(page.get_by_role("main")).to_contain_text("For the account frank.")
    page.get_by_label("New password", exact=True).fill("frank-password-2")
    page.get_by_label("Confirm new password").fill("frank-password-2")
    page.get_by_role("button", name="Change password").click()

    # Then he is sent to sign in, told it worked, and the new password works (the old one does not)
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("status")).to_have_text("Your password was changed. Sign in with the new one.")
    expect(page.get_by_label("Username")).to_have_value("frank")
    page.get_by_label("Password").fill("frank-password-2")
    page.get_by_role("button", name="Sign in").click()
    expect_signed_in_as(page, frank.username)
    status, _ = call(stack, "POST", "/api/auth/login", frank.body())
    assert status == 401

    # And the link works only once
    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")

    # And the only failed requests were the two refused links
    assert not problems.excluding((400, "/api/auth/reset-password/verify")), problems.summary()


def test_first_run_asks_for_the_setup_token_when_one_is_configured(browser: Browser, tmp_path: Path) -> None:
    # Given a fresh stack deployed with a setup token
    setup_token = "e2e-setup-token-0123456789"
    stack = LocalStack(tmp_path / "data", env={"STUDIO_SETUP_TOKEN": setup_token}).start()
    context = browser.new_context(base_url=stack.base_url)
    try:
        page = context.new_page()
        problems = watch(page)

        # When a person opens the app, then the first-run form also asks for the setup token
        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Create the first account")
        field(page, "Username").fill(ADMIN.username)
        field(page, "Password").fill(ADMIN.password)
        field(page, "Confirm password").fill(ADMIN.password)
        field(page, "Setup token").fill("a guess")

        # When the token is wrong, then the server's message shows; with the right one, they are signed in
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("alert")).to_have_text(
            "Creating the first account needs the setup token printed when this installation was deployed."
        )
        field(page, "Setup token").fill(setup_token)
        page.get_by_role("button", name="Create account").click()
        expect_signed_in_as(page, ADMIN.username)
        assert not problems.excluding((403, "/api/auth/register")), problems.summary()
    finally:
        context.close()
        stack.stop()
