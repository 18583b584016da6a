"""The account as the rest of the product sees it (not the table row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.models import User


@dataclass(frozen=True, slots=True)
class Account:
    user_id: str
    username: str
    email: str | None
    is_admin: bool
    is_active: bool
    token_version: int
    last_login: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: User) -> Account:
        return cls(
            user_id=row.user_id,
            username=row.username,
            email=row.email,
            is_admin=bool(row.is_admin),
            is_active=bool(row.is_active),
            token_version=int(row.token_version or 0),
            last_login=row.last_login,
            created_at=row.created_at,
        )


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an account, and how it proved it (a session token or an API key)."""

    account: Account
    via: str  # "token" or "api_key"
    api_key_id: str | None = None

    @property
    def user_id(self) -> str:
        return self.account.user_id

    @property
    def is_admin(self) -> bool:
        return self.account.is_admin
