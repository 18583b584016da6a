"""What a username, an email address and a password may be."""

from __future__ import annotations

import re

from shared.errors import ValidationError

# ASCII only: look-alike letters from other scripts (a Cyrillic "a" in "admin") cannot impersonate anyone.
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")
_EMAIL = re.compile(r"^[^@\s\x00-\x1f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
USERNAME_MAX = 64
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX = 1024


def username(value: str) -> str:
    value = value.strip()
    if not _USERNAME.match(value):
        raise ValidationError(
            "A username is 3 to 64 characters: letters a-z, digits, '.', '_' or '-', starting with a letter or digit.",
            code="invalid_username",
        )
    return value


def email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > EMAIL_MAX or not _EMAIL.match(value):
        raise ValidationError("That does not look like an email address.", code="invalid_email")
    return value


def password(value: str) -> str:
    if len(value) < PASSWORD_MIN:
        raise ValidationError(f"A password needs at least {PASSWORD_MIN} characters.", code="weak_password")
    if len(value) > PASSWORD_MAX:
        raise ValidationError(f"A password may be at most {PASSWORD_MAX} characters.", code="invalid_password")
    if "\x00" in value:
        raise ValidationError("A password may not contain NUL characters.", code="invalid_password")
    return value
