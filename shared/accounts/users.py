"""Users: the first admin, lookups and administration, with uniqueness and the last admin kept by transactions.

Every write that changes who is an active administrator also moves the `active-admins` counter in the same
transaction, conditional on it staying above zero: two admins demoting each other at once cannot both win.
Users, claims and the counter are written here (a reset's password by credentials, which with callers reads rows);
outside this package, accounts are `Account` views, never rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from shared.accounts import passwords, validation
from shared.accounts.errors import (
    EmailTakenError,
    LastAdminError,
    RegistrationClosedError,
    UsernameTakenError,
    UserNotFoundError,
)
from shared.accounts.views import Account
from shared.db import failed_steps, one_attribute, transaction
from shared.errors import ConflictError
from shared.logs import logger
from shared.models.accounts import FIRST_USER_CLAIM, ClaimKind, UniqueClaim, User, claim_key
from shared.models.base import utcnow
from shared.models.counters import ACTIVE_ADMINS, Counter
from shared.models.fields import normalize_key

UNSET: Any = object()
MAX_ID_LENGTH = 64  # no user id is longer (uuid4().hex); a longer one is not looked up


def needs_setup() -> bool:
    """True until the first account exists (the bootstrap claim is never released)."""
    try:
        UniqueClaim.get(FIRST_USER_CLAIM, consistent_read=True)
    except DoesNotExist:
        return True
    return False


def get(user_id: str) -> Account | None:
    try:
        return Account.model_validate(User.get(user_id, consistent_read=True))
    except DoesNotExist:
        return None


def existing(user_id: str) -> Account:
    """The account, or "no such user" (404)."""
    account = get(user_id) if len(user_id) <= MAX_ID_LENGTH else None
    if account is None:
        raise UserNotFoundError()
    return account


def find(identifier: str) -> Account | None:
    """The account with this username, or with this email address when the identifier holds an "@"."""
    identifier = identifier.strip()
    if "@" not in identifier:
        row = find_row_by_username(identifier)
        return Account.model_validate(row) if row else None
    key = normalize_key(identifier)
    if len(key) > validation.EMAIL_MAX:
        return None
    keys = list(User.by_email.query(key, limit=1))
    return get(keys[0].user_id) if keys else None


def list_all() -> list[Account]:
    """Every account (administration only; the users table is small)."""
    accounts = (Account.model_validate(row) for row in User.scan())
    return sorted(accounts, key=lambda account: account.username.lower())


def usernames(user_ids: Iterable[str]) -> dict[str, str]:
    """The username of each id that has an account (one attribute read, 100 ids a call): names for lists."""
    return {user_id: str(name) for user_id, name in one_attribute(User, user_ids, "username").items()}


def row_of(user_id: str) -> User:
    """The table row (for this package's own writes: credentials), or "no such user"."""
    try:
        return User.get(user_id, consistent_read=True)
    except DoesNotExist:
        raise UserNotFoundError() from None


def find_row_by_username(username: str) -> User | None:
    """The table row of a username, compared in its normalized form (for this package: credentials)."""
    key = normalize_key(username.strip())
    if not key or len(key) > validation.USERNAME_MAX:
        return None  # no stored username is longer; such a key may even be too long for DynamoDB
    rows = list(User.by_username.query(key, limit=1))
    return rows[0] if rows else None


def _new_row(username: str, password: str, email: str | None, *, is_admin: bool) -> User:
    username = validation.username(username)
    email = validation.email(email)
    validation.password(password)
    return User(
        uuid.uuid4().hex,
        username=username,
        username_key=normalize_key(username),
        email=email,
        email_key=normalize_key(email) if email else None,
        password_hash=passwords.hash_password(password),
        is_admin=is_admin,
        is_active=True,
    )


def _claims(row: User) -> list[UniqueClaim]:
    claims = [UniqueClaim(claim_key(ClaimKind.USERNAME, row.username), owner_id=row.user_id)]
    if row.email:
        claims.append(UniqueClaim(claim_key(ClaimKind.EMAIL, row.email), owner_id=row.user_id))
    return claims


def register_first(username: str, password: str, email: str | None) -> Account:
    """Create the first account, an administrator; refused once any account exists (the setup token, when one
    is configured, is checked before: shared.accounts.signin)."""
    if not needs_setup():
        raise RegistrationClosedError()
    row = _new_row(username, password, email, is_admin=True)
    claims = _claims(row)
    try:
        with transaction() as tx:
            tx.save(UniqueClaim(FIRST_USER_CLAIM, owner_id=row.user_id), condition=UniqueClaim.claim.does_not_exist())
            for claim in claims:
                tx.save(claim, condition=UniqueClaim.claim.does_not_exist())
            tx.save(row, condition=User.user_id.does_not_exist())
            tx.update(Counter(ACTIVE_ADMINS), actions=[Counter.value.add(1)])
    except TransactWriteError as exc:
        # Step 0 is the bootstrap claim: losing it means another first registration won the race.
        raise RegistrationClosedError() from exc
    logger.info("first administrator registered", extra={"user_id": row.user_id})
    return Account.model_validate(row)


def create(username: str, password: str, email: str | None, *, is_admin: bool) -> Account:
    """An administrator creates an account."""
    row = _new_row(username, password, email, is_admin=is_admin)
    claims = _claims(row)
    try:
        with transaction() as tx:
            for claim in claims:
                tx.save(claim, condition=UniqueClaim.claim.does_not_exist())
            tx.save(row, condition=User.user_id.does_not_exist())
            if is_admin:
                tx.update(Counter(ACTIVE_ADMINS), actions=[Counter.value.add(1)])
    except TransactWriteError as exc:
        failed = failed_steps(exc)
        if 0 in failed:
            raise UsernameTakenError(row.username) from exc
        raise EmailTakenError() from exc
    return Account.model_validate(row)


def update(
    user_id: str,
    *,
    is_admin: bool | None = None,
    is_active: bool | None = None,
    email: Any = UNSET,
    password: str | None = None,
) -> Account:
    """Change flags, email or password; disabling or a new password revokes the user's tokens."""
    row = row_of(user_id)
    was_admin = bool(row.is_admin and row.is_active)
    old_email = row.email
    revoke = False
    if is_admin is not None:
        row.is_admin = is_admin
    if is_active is not None:
        revoke |= bool(row.is_active) and not is_active
        row.is_active = is_active
    if email is not UNSET:
        row.email = validation.email(email)
        row.email_key = normalize_key(row.email) if row.email else None
    if password is not None:
        row.password_hash = passwords.hash_password(validation.password(password))
        revoke = True
    if revoke:
        row.token_version = int(row.token_version or 0) + 1
    row.updated_at = utcnow()
    _commit(row, was_admin=was_admin, old_email=old_email)
    return Account.model_validate(row)


def _commit(row: User, *, was_admin: bool, old_email: str | None) -> None:
    is_admin = bool(row.is_admin and row.is_active)
    steps: list[str] = []
    try:
        with transaction() as tx:
            tx.save(row)  # guarded by the version attribute
            steps.append("user")
            if was_admin and not is_admin:
                tx.update(Counter(ACTIVE_ADMINS), actions=[Counter.value.add(-1)], condition=Counter.value > 1)
                steps.append("admins")
            elif is_admin and not was_admin:
                tx.update(Counter(ACTIVE_ADMINS), actions=[Counter.value.add(1)])
                steps.append("admins")
            if normalize_key(old_email or "") != normalize_key(row.email or ""):
                if old_email:
                    tx.delete(UniqueClaim(claim_key(ClaimKind.EMAIL, old_email)))
                    steps.append("old-email")
                if row.email:
                    claim = UniqueClaim(claim_key(ClaimKind.EMAIL, row.email), owner_id=row.user_id)
                    tx.save(claim, condition=UniqueClaim.claim.does_not_exist())
                    steps.append("email")
    except TransactWriteError as exc:
        failed = {steps[index] for index in failed_steps(exc) if index < len(steps)}
        if "admins" in failed:
            raise LastAdminError() from exc
        if "email" in failed:
            raise EmailTakenError() from exc
        raise ConflictError("The account changed meanwhile; reload and try again.") from exc


def revoke_tokens(user_id: str) -> Account:
    """Move the account's token version on: every token issued before stops working (sign out everywhere)."""
    row = row_of(user_id)
    row.update(actions=[User.token_version.add(1), User.updated_at.set(utcnow())])
    return Account.model_validate(row)


def disable_for_removal(user_id: str) -> None:
    """The first step of deleting an account (shared.lifecycle): disable it, never the last active administrator.

    The last-admin rule is checked in that transaction, and every token of the account stops working at once.
    """
    row = row_of(user_id)
    if row.is_active or row.is_admin:
        update(user_id, is_active=False, is_admin=False)


def remove(user_id: str) -> None:
    """The last step of deleting an account: its name and email claims and the account itself."""
    row = row_of(user_id)
    with transaction() as tx:
        for claim in _claims(row):
            tx.delete(claim)
        tx.delete(row)
    logger.info("user deleted", extra={"user_id": user_id})
