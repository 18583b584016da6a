"""Monthly budgets: administrators set the organization's and each user's (changes need a session); everyone
reads where they stand."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shared import audit
from shared.api.deps import AdminUser, Context, CurrentUser, SessionAdmin
from shared.audit import Action, Target
from shared.budgets import limits, status
from shared.budgets.limits import Budgets, OrganizationBudget, UserBudget, UserBudgetIn
from shared.budgets.status import MyBudget

admin_router = APIRouter(prefix="/admin/budgets", tags=["admin"])


@admin_router.get("", response_model=Budgets, summary="The organization's budget and every account's")
def list_budgets(caller: AdminUser) -> Budgets:
    return limits.listing()


@admin_router.put("/organization", response_model=OrganizationBudget, summary="Set the organization's budget")
def set_organization_budget(body: OrganizationBudget, caller: SessionAdmin, context: Context) -> OrganizationBudget:
    before = limits.organization()
    after = limits.set_organization(body, caller.user_id)
    old, new = audit.changes(before.model_dump(by_alias=True), after.model_dump(by_alias=True))
    target = Target("budget", "organization", "The organization")
    audit.record(Action.BUDGETS_CHANGED, actor=caller, target=target, context=context, before=old, after=new)
    return after


@admin_router.put("/users/{user_id}", response_model=UserBudget, summary="Set a user's budget, or exempt them")
def set_user_budget(user_id: str, body: UserBudgetIn, caller: SessionAdmin, context: Context) -> UserBudget:
    budget = limits.set_user(user_id, body, caller.user_id)
    after = budget.model_dump(by_alias=True, include={"monthly_usd", "monthly_tokens", "exempt"})
    target = Target("budget", user_id, budget.username)
    audit.record(Action.BUDGETS_CHANGED, actor=caller, target=target, context=context, after=after)
    return budget


@admin_router.delete("/users/{user_id}", status_code=204, summary="Remove a user's own budget and exemption")
def delete_user_budget(user_id: str, caller: SessionAdmin, context: Context) -> Response:
    limits.remove_user(user_id)
    target = Target("budget", user_id)
    audit.record(Action.BUDGETS_CHANGED, actor=caller, target=target, context=context, after={"removed": True})
    return Response(status_code=204)


router = APIRouter(prefix="/budgets", tags=["budgets"])


@router.get("/me", response_model=MyBudget, summary="This month's spend against the budgets that apply to me")
def my_budget(caller: CurrentUser) -> MyBudget:
    return status.mine(caller.user_id)
