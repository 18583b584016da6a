"""What the accounts API shows: the account, API keys, and the answers of signing in and of resets.

    Account.model_validate(row)            # a users row: never its password hash
    KeyInfo.model_validate(row)            # an api_keys row: never its secret hash or signing secret

Each field is written once, here; the routes declare these as their response models.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, Field, field_validator

from shared.models.api_keys import KeyScope
from shared.schema import View


class Account(View):
    """An account as the product and the API see it (its `user_id` is `id` on the wire)."""

    user_id: str = Field(validation_alias=AliasChoices("user_id", "id"), serialization_alias="id")
    username: str
    email: str | None
    is_admin: bool
    is_active: bool
    last_login: datetime | None
    created_at: datetime
    # Every session token carries the version it was issued under (shared.accounts.tokens); never on the wire.
    token_version: int = Field(default=0, exclude=True)


class KeyInfo(View):
    """An API key as its owner sees it in the listing: never its secret."""

    key_id: str = Field(validation_alias=AliasChoices("key_id", "id"), serialization_alias="id")
    name: str
    callback_url: str | None
    scope: KeyScope = Field(
        description="integrations: the integration routes and reading projects and files; full: what its owner may, "
        "bar the routes that need a signed-in session. Keys made before scopes existed are full."
    )
    is_active: bool
    last_used_at: datetime | None
    created_at: datetime

    @field_validator("scope", mode="before")
    @classmethod
    def _unscoped_is_full(cls, value: object) -> object:
        return KeyScope.FULL if value is None else value


class NewKey(KeyInfo):
    """A key just created: the listing's fields and, this once, the key and its callback signing secret."""

    key: str = Field(description="The full key. It is shown once and cannot be retrieved again.")
    signing_secret: str = Field(description="The HMAC-SHA256 secret that signs callbacks. Shown once.")
