"""Job tokens: what the CLI presents as its API key, and the grant each one stands for.

A token is issued for a job, may be rebound to a new grant (a kept-alive CLI process serving a later turn, or a
turn that uses another provider), and is revoked when the job ends; an expired grant is refused like a revoked
one. The token is the dictionary key, so a lookup compares no secret byte by byte. The book also keeps, per
token, how its last failed upstream request failed, until the token is revoked.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from runner.gateway.errors import TokenRefusedError, UnknownTokenError
from runner.gateway.upstream import Upstream

# Recognisable in a leaked environment or log, and never valid at Anthropic. (A prefix, not a secret.)
TOKEN_PREFIX = "sk-studio-gw-"  # noqa: S105


@dataclass(frozen=True, slots=True)
class Grant:
    """Whose model calls a token pays for, where they go, and until when."""

    user_id: str
    job_id: str
    kind: str  # a shared.models.UsageKind value: "chat", "skill", "scheduled_prompt", …
    expires_at: float  # epoch seconds
    upstream: Upstream  # where the token's requests go, with whose credential
    project_id: str | None = None
    session_id: str | None = None
    turn: int | None = None
    execution_id: str | None = None


class TokenBook:
    """Which token stands for which grant; safe to use from any thread."""

    def __init__(self) -> None:
        self._grants: dict[str, Grant] = {}
        self._failures: dict[str, int] = {}  # per token: the last upstream status >= 400, or UPSTREAM_UNREACHABLE
        self._lock = threading.Lock()

    def issue(self, grant: Grant) -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            self._grants[token] = grant
        return token

    def rebind(self, token: str, grant: Grant) -> None:
        """Let `token` stand for `grant`; how its requests failed under the last grant is forgotten."""
        with self._lock:
            if token not in self._grants:
                raise UnknownTokenError("that token was never issued or has been revoked")
            self._grants[token] = grant
            self._failures.pop(token, None)

    def revoke(self, token: str) -> bool:
        """Forget `token`; False if it was not known."""
        with self._lock:
            self._failures.pop(token, None)
            return self._grants.pop(token, None) is not None

    def failed(self, token: str, status: int) -> None:
        """Note how a request of `token` failed upstream (ignored once the token is revoked)."""
        with self._lock:
            if token in self._grants:
                self._failures[token] = status

    def failure(self, token: str) -> int | None:
        """How the last failed upstream request of `token` failed, if one did and the token is not revoked."""
        with self._lock:
            return self._failures.get(token)

    def check(self, token: str, *, now: float | None = None) -> Grant:
        """The grant `token` stands for, or TokenRefusedError saying why there is none."""
        if not token:
            raise TokenRefusedError("No API key: send the job's token as x-api-key or Authorization: Bearer.")
        with self._lock:
            grant = self._grants.get(token)
        if grant is None:
            raise TokenRefusedError("Invalid API key: the job's model token is unknown or revoked.")
        if grant.expires_at <= (time.time() if now is None else now):  # kept: a rebind may extend it
            raise TokenRefusedError("The job's model token has expired.")
        return grant


def presented_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The token a request carries: `x-api-key`, else `authorization: Bearer …` (ANTHROPIC_AUTH_TOKEN)."""
    bearer = None
    for name, value in headers:
        if name == b"x-api-key":
            return value.decode("latin-1").strip()
        if name == b"authorization":
            scheme, _, credential = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                bearer = credential.strip()
    return bearer
