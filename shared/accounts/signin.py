"""Signing in: the first-run status, the first administrator, password sign-in, and one's own email or password.

Each answers as the API does, with a session token and the account (`SignedIn`).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from shared import email, secrets
from shared.accounts import credentials, ratelimit, tokens, users, validation
from shared.accounts.domain import Principal
from shared.accounts.errors import InvalidCredentialsError, SessionRequiredError, SetupTokenError
from shared.accounts.schemas import AuthStatus, LoginIn, MeUpdate, RegisterIn, SignedIn
from shared.accounts.views import Account
from shared.errors import ValidationError
from shared.models.accounts import RateLimitScope
from shared.settings import get_settings


def setup_token_required() -> bool:
    settings = get_settings()
    return bool(settings.setup_token or settings.setup_token_arn)


def status() -> AuthStatus:
    """Whether the sign-in page shows the first-run form, asks for the setup token, offers a reset by email."""
    return AuthStatus(
        needs_setup=users.needs_setup(),
        setup_token_required=setup_token_required(),
        email_enabled=email.is_configured(),
    )


def session(account: Account) -> SignedIn:
    """A new session token for the account, with the account."""
    token, expires_at = tokens.issue(account.user_id, account.token_version)
    return SignedIn(token=token, expires_at=datetime.fromtimestamp(expires_at, UTC), user=account)


def register(body: RegisterIn) -> SignedIn:
    """The first account (an administrator), with the setup token when one is configured (always in the cloud)."""
    expected = secrets.resolve(get_settings().setup_token, get_settings().setup_token_arn)
    if expected and not hmac.compare_digest((body.setup_token or "").encode(), expected.encode()):
        raise SetupTokenError()
    return session(users.register_first(body.username, body.password, body.email))


def login(body: LoginIn, source_ip: str) -> SignedIn:
    return session(authenticate(body.username, body.password, source_ip))


def authenticate(username: str, password: str, source_ip: str) -> Account:
    """Sign in; the same answer for an unknown user and a wrong password.

    Each attempt is counted before its password is checked (shared.accounts.ratelimit), against three limits:
    the address; the account from that address (the lockout: a stranger's guesses from elsewhere do not lock the
    owner out); the account from anywhere (a much higher backstop against guessing from many addresses).
    """
    username = username.strip()  # the lookup ignores surrounding spaces, so the rate limit must too
    address = ratelimit.address(source_ip)
    taken = ratelimit.take_each(
        (RateLimitScope.LOGIN_IP, (address,)),
        (RateLimitScope.LOGIN_USER_IP, (username, address)),
        (RateLimitScope.LOGIN_USER, (username,)),
    )
    account = credentials.sign_in(username, password)
    if account is None:
        raise InvalidCredentialsError()
    ratelimit.clear(RateLimitScope.LOGIN_USER_IP, username, address)
    ratelimit.give_back(taken[0], taken[2])
    return account


def sign_out_everywhere(caller: Principal) -> SignedIn:
    """Revoke every token of the caller's account; the caller gets a fresh one, so their own tab stays signed in."""
    if not caller.has_session:
        # An API key must never turn into a session token (nor sign its owner out); the route refuses it first.
        raise SessionRequiredError()
    return session(users.revoke_tokens(caller.user_id))


def change_own(caller: Principal, body: MeUpdate) -> SignedIn:
    """The caller changes their email or password, proving it with the current password; a new session follows."""
    if not caller.has_session:
        # A leaked key must not be able to take over its owner's account through the email or password.
        raise SessionRequiredError()
    changes = body.model_dump(exclude_unset=True)
    if "email" in changes:
        validation.email(changes["email"])  # a malformed address is the first thing to say
    if "new_password" in changes:
        validation.password(changes["new_password"] or "")
    if "new_password" in changes or "email" in changes:
        if not body.current_password:
            raise ValidationError(
                "Give your current password to change your email or password.", code="current_password_required"
            )
        if not credentials.password_matches(caller.user_id, body.current_password):
            raise InvalidCredentialsError()
    email_change = changes.get("email", users.UNSET)
    return session(users.update(caller.user_id, email=email_change, password=changes.get("new_password")))
