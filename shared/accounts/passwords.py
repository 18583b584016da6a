"""Password hashing with bcrypt.

Passwords are pre-hashed with SHA-256 (base64) before bcrypt, so a long passphrase is not silently cut at
bcrypt's 72-byte limit; the result is still a standard bcrypt hash.
"""

from __future__ import annotations

import base64
import functools
import hashlib

import bcrypt

from shared.settings import get_settings


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=get_settings().bcrypt_rounds)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode())
    except ValueError:  # a malformed stored hash never matches
        return False


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")


def burn_verify_time(password: str) -> None:
    """Spend what a real verify costs, so an unknown username answers as slowly as a wrong password."""
    verify_password(password, _dummy_hash())
