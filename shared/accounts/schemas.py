"""What the accounts API accepts: registration, sign-in, resets, one's own changes, user administration, keys.

The limits here only bound the request's size; what a username, an email or a password may be is decided
in shared.accounts.validation, with the error codes the API answers with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from shared.accounts.views import Account
from shared.models.api_keys import KeyScope
from shared.schema import Schema

Username = Annotated[str, Field(min_length=1, max_length=64)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
OptionalPassword = Annotated[str | None, Field(default=None, max_length=1024)]
EmailField = Annotated[str | None, Field(default=None, max_length=254)]


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


class MeUpdate(Schema):
    email: EmailField
    current_password: OptionalPassword
    new_password: OptionalPassword


class UserCreate(Schema):
    username: Username
    password: Password
    email: EmailField
    is_admin: bool = False


class UserUpdate(Schema):
    is_admin: bool | None = None
    is_active: bool | None = None
    email: EmailField
    password: OptionalPassword


class ApiKeyIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    callback_url: Annotated[str | None, Field(default=None, max_length=2048)]
    scope: KeyScope = Field(
        default=KeyScope.INTEGRATIONS,
        description="integrations (the default): the integration routes and reading projects and files only; "
        "full: what you may do, bar changing accounts and administration",
    )


# Answers of the sign-in and account routes (the account itself is the view shared.accounts.views.Account).


class SignedIn(Schema):
    """The answer of registering, signing in and changing one's own account: a session token and the account."""

    token: str
    expires_at: datetime
    user: Account


class AuthStatus(Schema):
    """What the sign-in page shows: the first-run form, a setup token field, a "forgot password" link."""

    needs_setup: bool
    setup_token_required: bool
    email_enabled: bool


class ResetCheck(Schema):
    """A reset link that is still valid, and the account it resets."""

    valid: bool
    username: str


class Welcome(Schema):
    """Whether the welcome email went out, in words an administrator reads."""

    sent: bool
    message: str


class Message(Schema):
    """An answer that is only a sentence."""

    message: str
