"""Who acted, on what, from where: the values an audit entry is made of.

The audit domain sits below every domain that audits, so it knows a caller only by shape (`Caller`: an
accounts Principal fits) and a thing only by its type, id and name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

ANONYMOUS = "anonymous"  # a failed sign-in: the name tried, no account


class _Named(Protocol):
    @property
    def username(self) -> str: ...


class AccountLike(Protocol):
    """An account as the audit log describes it (shared.accounts.views.Account)."""

    @property
    def user_id(self) -> str: ...

    @property
    def username(self) -> str: ...

    @property
    def email(self) -> str | None: ...

    @property
    def is_admin(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...


class Caller(Protocol):
    """An authenticated caller (shared.accounts.domain.Principal)."""

    @property
    def account(self) -> _Named: ...

    @property
    def user_id(self) -> str: ...

    @property
    def via(self) -> str: ...

    @property
    def api_key_id(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it: an account (or, for a failed sign-in, only the name tried) and how they proved who they were.

    `via`: "session", "api_key:<key id>", "password" (a sign-in), "reset_link", "oauth", "setup" or "anonymous".
    """

    id: str | None
    name: str | None
    via: str

    @classmethod
    def of(cls, caller: Caller) -> Actor:
        via = {"token": "session", "api_key": f"api_key:{caller.api_key_id}"}.get(caller.via, caller.via)
        return cls(caller.user_id, caller.account.username, via)

    @classmethod
    def account(cls, user_id: str, username: str | None, via: str) -> Actor:
        return cls(user_id, username, via)

    @classmethod
    def anonymous(cls, name_tried: str) -> Actor:
        return cls(None, name_tried, ANONYMOUS)


@dataclass(frozen=True, slots=True)
class Target:
    """What it was done to: "user", "api_key", "provider", "settings", "rules", "drive_provider",
    "drive_connection" or "git_remote", with its id and a name a person recognises."""

    type: str
    id: str | None = None
    name: str | None = None

    @classmethod
    def user(cls, account: AccountLike) -> Target:
        return cls("user", account.user_id, account.username)


def account_summary(account: AccountLike) -> dict[str, object]:
    """What the audit log keeps of an account before and after a change: never a password."""
    return {"isAdmin": account.is_admin, "isActive": account.is_active, "email": account.email}


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Where the request came from: the client's address (as the rate limits see it) and its user agent."""

    ip: str | None = None
    user_agent: str | None = None
