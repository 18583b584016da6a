"""User management for administrators."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shared import email, lifecycle
from shared.accounts import users
from shared.api.deps import AdminUser
from shared.api.schemas import Schema, UserCreate, UserOut, UserUpdate, WelcomeOut
from shared.chat import policy
from shared.email import EmailDeliveryError
from shared.errors import ValidationError
from shared.settings import get_settings

router = APIRouter(prefix="/admin/users", tags=["admin"])


def _existing(user_id: str) -> users.Account:
    account = users.get(user_id) if len(user_id) <= 64 else None
    if account is None:
        raise users.UserNotFoundError()
    return account


@router.get("", response_model=list[UserOut], summary="Every account")
def list_users(admin: AdminUser) -> list[UserOut]:
    return [UserOut.of(account) for account in users.list_all()]


@router.post("", response_model=UserOut, status_code=201, summary="Create an account")
def create_user(body: UserCreate, admin: AdminUser) -> UserOut:
    return UserOut.of(users.create(body.username, body.password, body.email, is_admin=body.is_admin))


@router.get("/{user_id}", response_model=UserOut, summary="One account")
def get_user(user_id: str, admin: AdminUser) -> UserOut:
    return UserOut.of(_existing(user_id))


@router.patch("/{user_id}", response_model=UserOut, summary="Change flags, email or password")
def update_user(user_id: str, body: UserUpdate, admin: AdminUser) -> UserOut:
    _existing(user_id)
    changes = body.model_dump(exclude_unset=True)
    account = users.update(
        user_id,
        is_admin=changes.get("is_admin"),
        is_active=changes.get("is_active"),
        email=changes.get("email", users.UNSET),
        password=changes.get("password"),
    )
    return UserOut.of(account)


@router.delete("/{user_id}", status_code=204, summary="Delete an account and everything it owns")
def delete_user(user_id: str, admin: AdminUser) -> Response:
    _existing(user_id)
    lifecycle.delete_user(user_id)
    return Response(status_code=204)


@router.post("/{user_id}/welcome-email", response_model=WelcomeOut, status_code=202, summary="Send a welcome email")
def welcome_email(user_id: str, admin: AdminUser) -> WelcomeOut:
    account = _existing(user_id)
    if not account.email:
        raise ValidationError("This user has no email address; add one first.", code="no_email")
    if not email.is_configured():
        return WelcomeOut(sent=False, message="Email is not configured, so no welcome email was sent.")
    url = get_settings().public_url
    try:
        email.send(
            email.Email(
                to=account.email,
                subject="Welcome to Sasha Studio",
                text=(
                    f"Hello {account.username},\n\n{admin.account.username} created a Sasha Studio account for you.\n"
                    f"Sign in at {url}/ with the username '{account.username}'. If you were not given a password, "
                    f"use 'Forgot password' on the sign-in page.\n"
                ),
                tag="welcome",
            )
        )
    except EmailDeliveryError:
        # Logged by the mailer; the account exists either way, so this does not fail the request.
        return WelcomeOut(sent=False, message="The welcome email could not be sent; it was logged. Try again later.")
    return WelcomeOut(sent=True, message=f"A welcome email was sent to {account.email}.")


class ChatPolicy(Schema):
    allowed_permission_modes: list[str]


settings_router = APIRouter(prefix="/admin/settings", tags=["admin"])


@settings_router.get("/chat", response_model=ChatPolicy, summary="Which permission modes users may pick")
def get_chat_policy(admin: AdminUser) -> ChatPolicy:
    return ChatPolicy(allowed_permission_modes=policy.allowed_modes())


@settings_router.put("/chat", response_model=ChatPolicy, summary="Choose the permission modes users may pick")
def set_chat_policy(body: ChatPolicy, admin: AdminUser) -> ChatPolicy:
    return ChatPolicy(allowed_permission_modes=policy.set_allowed_modes(body.allowed_permission_modes, admin.user_id))
