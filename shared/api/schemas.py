"""Public request and response schemas (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from shared.accounts.api_keys import KeyInfo
from shared.accounts.domain import Account

Username = Annotated[str, Field(min_length=1, max_length=64)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
EmailField = Annotated[str | None, Field(default=None, max_length=254)]


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class UserOut(Schema):
    id: str
    username: str
    email: str | None
    is_admin: bool
    is_active: bool
    last_login: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, account: Account) -> UserOut:
        return cls(
            id=account.user_id,
            username=account.username,
            email=account.email,
            is_admin=account.is_admin,
            is_active=account.is_active,
            last_login=account.last_login,
            created_at=account.created_at,
        )


class SessionOut(Schema):
    token: str
    expires_at: datetime
    user: UserOut


class AuthStatus(Schema):
    needs_setup: bool
    setup_token_required: bool
    email_enabled: bool


class RegisterIn(Schema):
    username: Username
    password: Password
    email: EmailField
    setup_token: Annotated[str | None, Field(default=None, max_length=512)]


class LoginIn(Schema):
    username: Username
    password: Password


class ForgotIn(Schema):
    identifier: Annotated[str, Field(min_length=1, max_length=254, description="A username or an email address")]


class ResetIn(Schema):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    password: Password


class ResetCheck(Schema):
    valid: bool
    username: str


class Message(Schema):
    message: str


class MeUpdate(Schema):
    email: EmailField
    current_password: Annotated[str | None, Field(default=None, max_length=1024)]
    new_password: Annotated[str | None, Field(default=None, max_length=1024)]


class UserCreate(Schema):
    username: Username
    password: Password
    email: EmailField
    is_admin: bool = False


class UserUpdate(Schema):
    is_admin: bool | None = None
    is_active: bool | None = None
    email: EmailField
    password: Annotated[str | None, Field(default=None, max_length=1024)]


class WelcomeOut(Schema):
    sent: bool
    message: str


class ApiKeyIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    callback_url: Annotated[str | None, Field(default=None, max_length=2048)]


class ApiKeyOut(Schema):
    id: str
    name: str
    callback_url: str | None
    is_active: bool
    last_used_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, info: KeyInfo) -> ApiKeyOut:
        return cls(
            id=info.key_id,
            name=info.name,
            callback_url=info.callback_url,
            is_active=info.is_active,
            last_used_at=info.last_used_at,
            created_at=info.created_at,
        )


class NewApiKeyOut(ApiKeyOut):
    key: str = Field(description="The full key. It is shown once and cannot be retrieved again.")
    signing_secret: str = Field(description="The HMAC-SHA256 secret that signs callbacks. Shown once.")
