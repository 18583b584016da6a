"""What administrators do to an account beyond creating it: change it, and welcome its owner by email."""

from __future__ import annotations

from shared import email
from shared.accounts import users
from shared.accounts.schemas import UserUpdate, Welcome
from shared.accounts.views import Account
from shared.errors import ValidationError
from shared.settings import get_settings


def change(user_id: str, body: UserUpdate) -> Account:
    """An administrator's changes to an account: the fields the request carries, and only those."""
    users.existing(user_id)
    changes = body.model_dump(exclude_unset=True)
    return users.update(
        user_id,
        is_admin=changes.get("is_admin"),
        is_active=changes.get("is_active"),
        email=changes.get("email", users.UNSET),
        password=changes.get("password"),
    )


def welcome(user_id: str, sender: Account) -> Welcome:
    """Email the account's owner where and as whom to sign in; a failed delivery is reported, not raised."""
    account = users.existing(user_id)
    if not account.email:
        raise ValidationError("This user has no email address; add one first.", code="no_email")
    if not email.is_configured():
        return Welcome(sent=False, message="Email is not configured, so no welcome email was sent.")
    url = get_settings().public_url
    try:
        email.send(
            email.Email(
                to=account.email,
                subject="Welcome to Sasha Studio",
                text=(
                    f"Hello {account.username},\n\n{sender.username} created a Sasha Studio account for you.\n"
                    f"Sign in at {url}/ with the username '{account.username}'. If you were not given a password, "
                    f"use 'Forgot password' on the sign-in page.\n"
                ),
                tag="welcome",
            )
        )
    except email.EmailDeliveryError:
        # Logged by the mailer; the account exists either way, so this does not fail the request.
        return Welcome(sent=False, message="The welcome email could not be sent; it was logged. Try again later.")
    return Welcome(sent=True, message=f"A welcome email was sent to {account.email}.")
