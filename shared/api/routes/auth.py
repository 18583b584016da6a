"""Registration of the first admin, sign-in, the caller's own account, and password reset."""

from __future__ import annotations

from fastapi import APIRouter, Query

from shared import audit
from shared.accounts import resets, signin, users
from shared.accounts.errors import AccountDisabledError, InvalidCredentialsError
from shared.accounts.schemas import (
    AuthStatus,
    ForgotIn,
    LoginIn,
    Message,
    MeUpdate,
    RegisterIn,
    ResetCheck,
    ResetIn,
    SignedIn,
)
from shared.accounts.views import Account
from shared.api.deps import ClientIp, Context, CurrentUser, SessionUser
from shared.audit import Action, Actor, Target
from shared.realtime import standing as sockets

router = APIRouter(prefix="/auth", tags=["auth"])

FORGOT_ANSWER = "If an account matches, we sent a link to reset its password to the account's email address."


@router.get("/status", response_model=AuthStatus, summary="Show the first-run screen or the sign-in screen?")
def status() -> AuthStatus:
    return signin.status()


@router.post("/register", response_model=SignedIn, status_code=201, summary="Create the first account (admin)")
def register(body: RegisterIn, context: Context) -> SignedIn:
    signed_in = signin.register(body)
    audit.record(
        Action.USER_CREATED,
        actor=Actor.account(signed_in.user.user_id, signed_in.user.username, "setup"),
        target=Target.user(signed_in.user),
        context=context,
        after=audit.account_summary(signed_in.user),
    )
    return signed_in


@router.post("/login", response_model=SignedIn, summary="Sign in with a username and password")
def login(body: LoginIn, ip: ClientIp, context: Context) -> SignedIn:
    try:
        signed_in = signin.login(body, ip)
    except (InvalidCredentialsError, AccountDisabledError) as exc:
        # The name tried, never the password; a refusal by the rate limits checked no password and is not written.
        tried = body.username.strip()
        target = Target("user", None, tried)
        audit.record(
            Action.SIGN_IN_FAILED, actor=Actor.anonymous(tried), target=target, context=context, outcome=exc.code
        )
        raise
    account = signed_in.user
    actor = Actor.account(account.user_id, account.username, "password")
    audit.record(Action.SIGN_IN, actor=actor, target=Target.user(account), context=context)
    return signed_in


@router.get("/me", response_model=Account, summary="The signed-in account")
def me(caller: CurrentUser) -> Account:
    return caller.account


@router.patch("/me", response_model=SignedIn, summary="Change your email or password")
def update_me(body: MeUpdate, caller: SessionUser, context: Context) -> SignedIn:
    signed_in = signin.change_own(caller, body)
    sockets.end_stale(caller.user_id)  # a new password ends the sockets of every earlier token now
    events = audit.account_events(caller.account, signed_in.user, new_password=bool(body.new_password), by_owner=True)
    for action, old, new in events:
        audit.record(action, actor=caller, target=Target.user(signed_in.user), context=context, before=old, after=new)
    return signed_in


@router.post(
    "/logout-all",
    response_model=SignedIn,
    summary="Sign out everywhere: every earlier token stops working; the answer holds a fresh one for this tab",
)
def logout_all(caller: SessionUser, context: Context) -> SignedIn:
    signed_in = signin.sign_out_everywhere(caller)
    sockets.end_stale(caller.user_id)
    audit.record(Action.LOGOUT_ALL, actor=caller, target=Target.user(caller.account), context=context)
    return signed_in


@router.post("/forgot-password", response_model=Message, status_code=202, summary="Email a password reset link")
def forgot_password(body: ForgotIn, ip: ClientIp) -> Message:
    resets.request_reset(body.identifier, ip)
    return Message(message=FORGOT_ANSWER)


@router.get("/reset-password/verify", response_model=ResetCheck, summary="Is this reset link still valid?")
def verify_reset(token: str = Query(min_length=1, max_length=200)) -> ResetCheck:
    return ResetCheck(valid=True, username=resets.verify(token))


@router.post("/reset-password", response_model=Message, summary="Choose a new password with a reset link")
def reset_password(body: ResetIn, context: Context) -> Message:
    user_id = resets.reset_password(body.token, body.password)
    sockets.end_stale(user_id)
    account = users.existing(user_id)
    actor = Actor.account(user_id, account.username, "reset_link")
    audit.record(Action.PASSWORD_RESET, actor=actor, target=Target.user(account), context=context)
    return Message(message="Your password was changed. Sign in with the new one.")
