"""User management for administrators, the installation's chat policy and quotas; changes need a signed-in session."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shared import audit, lifecycle
from shared.accounts import admin, users
from shared.accounts.schemas import UserCreate, UserUpdate, Welcome
from shared.accounts.views import Account
from shared.api.deps import AdminUser, Context, SessionAdmin
from shared.audit import Action, Target
from shared.chat import policy
from shared.chat.policy import ChatPolicy
from shared.quotas import settings as quotas
from shared.quotas.settings import QuotaSettings
from shared.realtime import standing as sockets

router = APIRouter(prefix="/admin/users", tags=["admin"])


@router.get("", response_model=list[Account], summary="Every account")
def list_users(caller: AdminUser) -> list[Account]:
    return users.list_all()


@router.post("", response_model=Account, status_code=201, summary="Create an account")
def create_user(body: UserCreate, caller: SessionAdmin, context: Context) -> Account:
    account = users.create(body.username, body.password, body.email, is_admin=body.is_admin)
    audit.record(
        Action.USER_CREATED,
        actor=caller,
        target=Target.user(account),
        context=context,
        after=audit.account_summary(account),
    )
    return account


@router.get("/{user_id}", response_model=Account, summary="One account")
def get_user(user_id: str, caller: AdminUser) -> Account:
    return users.existing(user_id)


@router.patch("/{user_id}", response_model=Account, summary="Change flags, email or password")
def update_user(user_id: str, body: UserUpdate, caller: SessionAdmin, context: Context) -> Account:
    before = users.existing(user_id)
    account = admin.change(user_id, body)
    sockets.end_stale(user_id)  # disabled, or a new password: the account's open sockets close now
    for action, old, new in audit.account_events(before, account, new_password=bool(body.password)):
        audit.record(action, actor=caller, target=Target.user(account), context=context, before=old, after=new)
    return account


@router.delete("/{user_id}", status_code=204, summary="Delete an account and everything it owns")
def delete_user(user_id: str, caller: SessionAdmin, context: Context) -> Response:
    account = users.existing(user_id)
    lifecycle.delete_user(user_id)
    audit.record(
        Action.USER_DELETED,
        actor=caller,
        target=Target.user(account),
        context=context,
        before=audit.account_summary(account),
    )
    return Response(status_code=204)


@router.post("/{user_id}/welcome-email", response_model=Welcome, status_code=202, summary="Send a welcome email")
def welcome_email(user_id: str, caller: SessionAdmin) -> Welcome:
    return admin.welcome(user_id, sender=caller.account)


settings_router = APIRouter(prefix="/admin/settings", tags=["admin"])


@settings_router.get("/chat", response_model=ChatPolicy, summary="Which permission modes users may pick")
def get_chat_policy(caller: AdminUser) -> ChatPolicy:
    return ChatPolicy(allowed_permission_modes=policy.allowed_modes())


@settings_router.put("/chat", response_model=ChatPolicy, summary="Choose the permission modes users may pick")
def set_chat_policy(body: ChatPolicy, caller: SessionAdmin, context: Context) -> ChatPolicy:
    before = policy.allowed_modes()
    after = policy.set_allowed_modes(body.allowed_permission_modes, caller.user_id)
    audit.record(
        Action.POLICY_PERMISSION_MODES,
        actor=caller,
        target=Target("settings", "chat", "Permission modes"),
        context=context,
        before={"allowedPermissionModes": before},
        after={"allowedPermissionModes": after},
    )
    return ChatPolicy(allowed_permission_modes=after)


@settings_router.get("/quotas", response_model=QuotaSettings, summary="Per-user limits on schedules and uploads")
def get_quotas(caller: AdminUser) -> QuotaSettings:
    return quotas.current()


@settings_router.put("/quotas", response_model=QuotaSettings, summary="Set the per-user limits")
def set_quotas(body: QuotaSettings, caller: SessionAdmin, context: Context) -> QuotaSettings:
    before = quotas.current()
    after = quotas.change(body, caller.user_id)
    old, new = audit.changes(before.model_dump(by_alias=True), after.model_dump(by_alias=True))
    target = Target("settings", "quotas", "Quotas")
    audit.record(Action.QUOTAS_CHANGED, actor=caller, target=target, context=context, before=old, after=new)
    return after
