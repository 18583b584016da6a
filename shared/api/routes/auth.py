"""Registration of the first admin, sign-in, the caller's own account, and password reset."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Query

from shared import email
from shared.accounts import passwords, resets, tokens, users, validation
from shared.accounts.domain import Account
from shared.accounts.errors import InvalidCredentialsError
from shared.api.deps import ClientIp, CurrentUser
from shared.api.schemas import (
    AuthStatus,
    ForgotIn,
    LoginIn,
    Message,
    MeUpdate,
    RegisterIn,
    ResetCheck,
    ResetIn,
    SessionOut,
    UserOut,
)
from shared.errors import PermissionDeniedError, ValidationError

router = APIRouter(prefix="/auth", tags=["auth"])

FORGOT_ANSWER = "If an account matches, we sent a link to reset its password to the account's email address."


def _session(account: Account) -> SessionOut:
    token, expires_at = tokens.issue(account.user_id, account.token_version)
    return SessionOut(token=token, expires_at=datetime.fromtimestamp(expires_at, UTC), user=UserOut.of(account))


@router.get("/status", response_model=AuthStatus, summary="Show the first-run screen or the sign-in screen?")
def status() -> AuthStatus:
    return AuthStatus(
        needs_setup=users.needs_setup(),
        setup_token_required=users.setup_token_required(),
        email_enabled=email.is_configured(),
    )


@router.post("/register", response_model=SessionOut, status_code=201, summary="Create the first account (admin)")
def register(body: RegisterIn) -> SessionOut:
    return _session(users.register_first(body.username, body.password, body.email, body.setup_token))


@router.post("/login", response_model=SessionOut, summary="Sign in with a username and password")
def login(body: LoginIn, ip: ClientIp) -> SessionOut:
    return _session(users.authenticate(body.username, body.password, ip))


@router.get("/me", response_model=UserOut, summary="The signed-in account")
def me(caller: CurrentUser) -> UserOut:
    return UserOut.of(caller.account)


@router.patch("/me", response_model=SessionOut, summary="Change your email or password")
def update_me(body: MeUpdate, caller: CurrentUser) -> SessionOut:
    changes = body.model_dump(exclude_unset=True)
    if caller.via == "api_key":
        # A leaked key must not be able to take over its owner's account through the email or password.
        raise PermissionDeniedError("Sign in with your password to change your account.", code="password_required")
    if "email" in changes:
        validation.email(changes["email"])  # a malformed address is the first thing to say
    if "new_password" in changes:
        validation.password(changes["new_password"] or "")
    if "new_password" in changes or "email" in changes:
        if not body.current_password:
            raise ValidationError(
                "Give your current password to change your email or password.", code="current_password_required"
            )
        row = users.find_row_by_username(caller.account.username)
        if row is None or not passwords.verify_password(body.current_password, row.password_hash):
            raise InvalidCredentialsError()
    account = users.update(
        caller.user_id,
        email=changes.get("email", users.UNSET),
        password=changes.get("new_password"),
    )
    return _session(account)


@router.post("/forgot-password", response_model=Message, status_code=202, summary="Email a password reset link")
def forgot_password(body: ForgotIn, ip: ClientIp) -> Message:
    resets.request_reset(body.identifier, ip)
    return Message(message=FORGOT_ANSWER)


@router.get("/reset-password/verify", response_model=ResetCheck, summary="Is this reset link still valid?")
def verify_reset(token: str = Query(min_length=1, max_length=200)) -> ResetCheck:
    return ResetCheck(valid=True, username=resets.verify(token))


@router.post("/reset-password", response_model=Message, summary="Choose a new password with a reset link")
def reset_password(body: ResetIn) -> Message:
    resets.reset_password(body.token, body.password)
    return Message(message="Your password was changed. Sign in with the new one.")
