"""Accounts for the browser tests: the stack's administrator, people made through the API, and a page signed in.

Every test stack's administrator is `ADMIN_USERNAME` / `ADMIN_PASSWORD` (tests/support/stack.py), whoever
registers it first, so tests sharing the session's `local_stack` can run in any order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from playwright.sync_api import Page

from tests.support.stack import ADMIN_PASSWORD, ADMIN_USERNAME, LocalStack

TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    def body(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password}


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: str
    user: dict[str, Any]


ADMIN = Credentials(ADMIN_USERNAME, ADMIN_PASSWORD)


def call(
    stack: LocalStack,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One REST call; returns the status and the parsed JSON body (None when empty)."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = requests.request(method, f"{stack.base_url}{path}", json=body, headers=headers, timeout=TIMEOUT_SECONDS)
    return response.status_code, (response.json() if response.content else None)


def auth_status(stack: LocalStack) -> dict[str, Any]:
    status, body = call(stack, "GET", "/api/auth/status")
    assert status == 200, body
    return dict(body)


def log_in(stack: LocalStack, credentials: Credentials) -> Session:
    status, body = call(stack, "POST", "/api/auth/login", credentials.body())
    assert status == 200, f"signing in as {credentials.username}: {body}"
    return Session(body["token"], body["expiresAt"], body["user"])


def admin_session(stack: LocalStack) -> Session:
    """A session of the stack's administrator, registering it first on a stack that has no account yet."""
    if auth_status(stack)["needsSetup"]:
        status, body = call(stack, "POST", "/api/auth/register", ADMIN.body())
        if status == 201:
            return Session(body["token"], body["expiresAt"], body["user"])
        assert body["error"]["code"] == "registration_closed", body  # another test registered it meanwhile
    return log_in(stack, ADMIN)


def create_user(
    stack: LocalStack, username: str, password: str, *, email: str | None = None, is_admin: bool = False
) -> dict[str, Any]:
    """Creates an account as the administrator; returns the user."""
    body = {"username": username, "password": password, "email": email, "isAdmin": is_admin}
    status, user = call(stack, "POST", "/api/admin/users", body, token=admin_session(stack).token)
    assert status == 201, user
    return dict(user)


def latest_mail(stack: LocalStack, to: str) -> dict[str, Any] | None:
    """The newest email the local gateway recorded for `to`, or None."""
    status, body = call(stack, "GET", "/_local/mail", headers=stack.mail_headers())
    assert status == 200, body
    return next((message for message in body["messages"] if message["To"] == to), None)


def seed_session(page: Page, session: Session) -> None:
    """Signs the page's tab in before the app first loads (once: a later sign-out is not undone by a reload)."""
    values = json.dumps({"token": session.token, "expiresAt": str(_epoch_ms(session.expires_at))})
    page.add_init_script(
        f"""(() => {{
            if (sessionStorage.getItem('e2e.seeded')) return;
            const {{ token, expiresAt }} = {values};
            localStorage.setItem('sasha.token', token);
            localStorage.setItem('sasha.tokenExpiresAt', expiresAt);
            sessionStorage.setItem('e2e.seeded', '1');
        }})();"""
    )


def _epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
