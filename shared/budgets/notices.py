"""The 80 % warning of a budget: a `budget.warning` event on the recipients' open sockets and an email.

A user's budget warns that user; the organization's warns every active administrator. Each delivery is best
effort and on its own: a socket or an address that fails is logged and the others still get theirs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared import email
from shared.accounts import users
from shared.accounts.views import Account
from shared.budgets import months
from shared.budgets.errors import amount
from shared.budgets.status import Usage
from shared.logs import logger
from shared.realtime import publisher

EVENT = "budget.warning"


def recipients(user_id: str, usage: Usage) -> list[Account]:
    if usage.scope != "organization":
        account = users.get(user_id)
        return [account] if account is not None and account.is_active else []
    return [account for account in users.list_all() if account.is_admin and account.is_active]


def event(usage: Usage, month: str) -> dict[str, Any]:
    return {
        "type": EVENT,
        "scope": usage.scope,
        "unit": usage.unit,
        "percent": round(usage.percent, 1),
        "limit": usage.limit,
        "spent": usage.spent,
        "month": month,
    }


def message(usage: Usage, month: str) -> email.Email:
    """The email (its `to` left empty): what is 80 % used, and what happens at 100 %."""
    whose = "The organization's" if usage.scope == "organization" else "Your"
    start = datetime.strptime(f"{month}-01", "%Y-%m-%d").replace(tzinfo=UTC)
    resets = months.next_start(start)
    text = (
        f"{whose} monthly budget of {amount(usage.unit, usage.limit)} is {usage.percent:.0f} % used "
        f"({amount(usage.unit, usage.spent)} so far in {start:%B %Y}).\n\n"
        f"When it is used up, model calls stop until the budget resets on {resets.day} {resets:%b %Y}. "
        "An administrator can raise it in Admin → Budgets."
    )
    return email.Email(to="", subject=f"{whose} monthly budget is {usage.percent:.0f} % used", text=text, tag="budget")


def warn(user_id: str, usage: Usage, month: str) -> None:
    """Tell the budget's recipients, in the app and by email."""
    payload, mail = event(usage, month), message(usage, month)
    for account in recipients(user_id, usage):
        try:
            publisher.post_to_user(account.user_id, payload)
        except Exception:
            logger.exception("could not post a budget warning", extra={"user_id": account.user_id})
        if account.email and email.is_configured():
            try:
                email.send(email.Email(account.email, mail.subject, mail.text, mail.tag))
            except Exception:
                logger.warning("could not email a budget warning", extra={"user_id": account.user_id})
