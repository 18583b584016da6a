"""Registration of the first admin, sign-in, the caller's own account, and password reset."""

from __future__ import annotations

from fastapi import APIRouter, Query

from shared.accounts import resets, signin
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
from shared.api.deps import ClientIp, CurrentUser, SessionUser
from shared.realtime import standing as sockets

router = APIRouter(prefix="/auth", tags=["auth"])

FORGOT_ANSWER = "If an account matches, we sent a link to reset its password to the account's email address."


@router.get("/status", response_model=AuthStatus, summary="Show the first-run screen or the sign-in screen?")
def status() -> AuthStatus:
    return signin.status()


@router.post("/register", response_model=SignedIn, status_code=201, summary="Create the first account (admin)")
def register(body: RegisterIn) -> SignedIn:
    return signin.register(body)


@router.post("/login", response_model=SignedIn, summary="Sign in with a username and password")
def login(body: LoginIn, ip: ClientIp) -> SignedIn:
    return signin.login(body, ip)


@router.get("/me", response_model=Account, summary="The signed-in account")
def me(caller: CurrentUser) -> Account:
    return caller.account


@router.patch("/me", response_model=SignedIn, summary="Change your email or password")
def update_me(body: MeUpdate, caller: SessionUser) -> SignedIn:
    signed_in = signin.change_own(caller, body)
    sockets.end_stale(caller.user_id)  # a new password ends the sockets of every earlier token now
    return signed_in


@router.post(
    "/logout-all",
    response_model=SignedIn,
    summary="Sign out everywhere: every earlier token stops working; the answer holds a fresh one for this tab",
)
def logout_all(caller: SessionUser) -> SignedIn:
    signed_in = signin.sign_out_everywhere(caller)
    sockets.end_stale(caller.user_id)
    return signed_in


@router.post("/forgot-password", response_model=Message, status_code=202, summary="Email a password reset link")
def forgot_password(body: ForgotIn, ip: ClientIp) -> Message:
    resets.request_reset(body.identifier, ip)
    return Message(message=FORGOT_ANSWER)


@router.get("/reset-password/verify", response_model=ResetCheck, summary="Is this reset link still valid?")
def verify_reset(token: str = Query(min_length=1, max_length=200)) -> ResetCheck:
    return ResetCheck(valid=True, username=resets.verify(token))


@router.post("/reset-password", response_model=Message, summary="Choose a new password with a reset link")
def reset_password(body: ResetIn) -> Message:
    sockets.end_stale(resets.reset_password(body.token, body.password))
    return Message(message="Your password was changed. Sign in with the new one.")
