"""Passwords against the users table: signing in, confirming the current password, a reset's new password.

Stored passwords are bcrypt hashes (shared.accounts.passwords); the rows come from shared.accounts.users, and
no row or hash leaves this package.
"""

from __future__ import annotations

from pynamodb.transactions import TransactWrite

from shared.accounts import passwords, users
from shared.accounts.errors import AccountDisabledError, UserNotFoundError
from shared.accounts.views import Account
from shared.models.accounts import User
from shared.models.base import utcnow


def sign_in(username: str, password: str) -> Account | None:
    """The account this password opens, its login recorded; None for an unknown username or a wrong password.

    An unknown username costs the time a wrong password costs (no telling which names exist); a disabled
    account is refused only once its password is right.
    """
    row = users.find_row_by_username(username) if username.strip() else None
    if row is None:
        passwords.burn_verify_time(password)
        return None
    if not passwords.verify_password(password, row.password_hash):
        return None
    if not row.is_active:
        raise AccountDisabledError()
    row.update(actions=[User.last_login.set(utcnow())])
    return Account.model_validate(row)


def password_matches(user_id: str, password: str) -> bool:
    """Whether `password` is the account's current one (asked before an email or password change)."""
    try:
        row = users.row_of(user_id)
    except UserNotFoundError:
        return False
    return passwords.verify_password(password, row.password_hash)


def set_password_in(tx: TransactWrite, user_id: str, password: str) -> None:
    """Add an active account's new password to `tx`, revoking its tokens; the row's version guards the write.

    A disabled account raises AccountDisabledError: a password reset must not reopen it.
    """
    row = users.row_of(user_id)
    if not row.is_active:
        raise AccountDisabledError()
    row.password_hash = passwords.hash_password(password)
    row.token_version = int(row.token_version or 0) + 1
    row.updated_at = utcnow()
    tx.save(row)
