"""Who is calling, as every domain sees it: an account, and how it proved who it is."""

from __future__ import annotations

from dataclasses import dataclass

from shared.accounts.views import Account
from shared.models.api_keys import KeyScope

__all__ = ["Account", "KeyScope", "Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an account, and how it proved it (a session token, an API key, or a schedule's owner)."""

    account: Account
    via: str  # "token", "api_key" or "schedule"
    api_key_id: str | None = None
    scope: KeyScope | None = None  # an API key's; None otherwise

    @property
    def has_session(self) -> bool:
        """Whether a person signed in with their password is calling (not an API key, not a schedule)."""
        return self.via == "token"

    @property
    def user_id(self) -> str:
        return self.account.user_id

    @property
    def is_admin(self) -> bool:
        return self.account.is_admin
