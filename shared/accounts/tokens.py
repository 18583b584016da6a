"""Session tokens: HS256 JWTs that expire and carry the user's token version (bumping it revokes them)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

from shared import secrets
from shared.errors import AuthenticationError
from shared.settings import get_settings

ISSUER = "sasha-studio"
ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: str
    token_version: int
    expires_at: int


def _signing_key() -> str:
    settings = get_settings()
    key = secrets.resolve(settings.jwt_secret if not settings.jwt_secret_arn else None, settings.jwt_secret_arn)
    assert key, "the JWT signing secret is not configured"
    return key


def issue(user_id: str, token_version: int) -> tuple[str, int]:
    """A signed token for the user and its expiry (epoch seconds)."""
    now = int(time.time())
    expires_at = now + get_settings().jwt_ttl_seconds
    claims = {
        "iss": ISSUER,
        "sub": user_id,
        "tv": token_version,
        "iat": now,
        "exp": expires_at,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _signing_key(), algorithm=ALGORITHM), expires_at


def verify(token: str) -> TokenClaims:
    """The claims of a valid token; any flaw (signature, expiry, issuer, shape) is one 401."""
    try:
        claims = jwt.decode(
            token,
            _signing_key(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationError("Your session has expired; sign in again.", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise AuthenticationError("The session token is not valid; sign in again.", code="invalid_token") from exc
    version = claims.get("tv")
    if not isinstance(claims["sub"], str) or not isinstance(version, int):
        raise AuthenticationError("The session token is not valid; sign in again.", code="invalid_token")
    return TokenClaims(user_id=claims["sub"], token_version=version, expires_at=int(claims["exp"]))
