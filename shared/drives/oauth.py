"""Signing a connection in to Microsoft or Google: authorization code with PKCE (S256), in a popup.

    start (owner or admin, signed in)                       callback (no session: the state is the credential)
      state    = 32 random bytes; the connection keeps        find the connection by SHA-256(state); the state must
                 only SHA-256(state), for 10 minutes          be unexpired; take it out (conditional: single use)
      verifier = 64 random bytes, sealed on the connection    error=...  → last_error, status unchanged
      authorizeUrl with code_challenge = S256(verifier)       code       → POST the token URL with the verifier;
                                                                           OneDrive without a provider drive id:
                                                                           GET Graph's /me/drive (none → last_error);
                                                                           tokens sealed, status → authorized

The redirect URI is the API's public URL (STUDIO_PUBLIC_URL, as in reset-password links) + /api/auth/{id}/callback,
the same in the authorize request and the token exchange.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from shared import crypto
from shared.accounts.domain import Principal
from shared.drives import connections, credentials, graph, providers
from shared.drives.errors import ConnectionNotAuthorizedError
from shared.drives.schemas import OAUTH_TYPES
from shared.drives.token_endpoint import TokenAnswer, TokenEndpointError, post_form
from shared.drives.views import OAuthStart
from shared.errors import NotFoundError
from shared.logs import logger
from shared.models.base import utcnow
from shared.models.cloud import CloudProvider
from shared.settings import get_settings

STATE_TTL = timedelta(minutes=10)
_MICROSOFT = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/{endpoint}"
_GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth"
_GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"  # noqa: S105  # a URL, not a password
_SCOPES = {
    "onedrive": "offline_access Files.ReadWrite.All",
    "sharepoint": "offline_access Files.ReadWrite.All Sites.ReadWrite.All",
    "gdrive": "https://www.googleapis.com/auth/drive",
}
DENIED = "The sign-in was declined at the drive; start again to connect it."
EXPIRED = "The sign-in took longer than 10 minutes; start again."
UNKNOWN_STATE = "This sign-in is not valid or was already used; start again from Sasha Studio."
UNREACHABLE = "The drive's sign-in service did not answer; try again."
NO_DRIVE = "Signed in, but OneDrive did not say which drive to use ({why}); start again."


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a callback ended, for the popup page (no secret in it)."""

    ok: bool
    connection_id: str | None
    status: str | None
    reason: str | None = None


def authorize_url_of(provider: CloudProvider) -> str:
    if provider.authorize_url:
        return provider.authorize_url
    if provider.provider_type == "gdrive":
        return _GOOGLE_AUTHORIZE
    return _MICROSOFT.format(tenant=provider.tenant_id or "common", endpoint="authorize")


def token_url_of(provider: CloudProvider) -> str:
    if provider.token_url:
        return provider.token_url
    if provider.provider_type == "gdrive":
        return _GOOGLE_TOKEN
    return _MICROSOFT.format(tenant=provider.tenant_id or "common", endpoint="token")


def redirect_uri(provider_id: str) -> str:
    return f"{get_settings().public_url}/api/auth/{provider_id}/callback"


def start(caller: Principal, provider_id: str, connection_id: str) -> OAuthStart:
    """A new state and PKCE pair for the connection; where to send the popup."""
    connection = connections.reachable(caller, connection_id)
    provider = providers.row(provider_id)
    if provider is None or connection.provider_id != provider_id:
        raise NotFoundError("This connection does not sign in through that provider.", code="connection_not_found")
    if provider.provider_type not in OAUTH_TYPES:
        raise ConnectionNotAuthorizedError(f"A {provider.provider_type} connection does not sign in with OAuth.")
    state, verifier = _random(32), _random(64)
    expires_at = utcnow() + STATE_TTL
    sealed = crypto.seal(verifier, context=connections.verifier_context(connection_id))
    connections.begin_oauth(connection_id, _digest(state), expires_at, sealed)
    query: dict[str, str] = {
        "client_id": provider.client_id or "",
        "response_type": "code",
        "redirect_uri": redirect_uri(provider_id),
        "scope": _SCOPES[provider.provider_type],
        "state": state,
        "code_challenge": base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    if provider.provider_type == "gdrive":
        query |= {"access_type": "offline", "prompt": "consent"}
    else:
        query |= {"response_mode": "query"}
    return OAuthStart(authorize_url=_with_query(authorize_url_of(provider), query), state=state, expires_at=expires_at)


def callback(provider_id: str, *, state: str | None, code: str | None, error: str | None) -> Outcome:
    """Finish a sign-in: tokens sealed and the connection authorized, or the reason it was not."""
    connection = connections.find_by_state(_digest(state)) if state else None
    if connection is None or connection.provider_id != provider_id:
        return Outcome(False, None, None, UNKNOWN_STATE)
    connection_id, status = connection.connection_id, connection.status
    verifier = connections.unseal_verifier(connection)
    if not connections.claim_state(connection_id, connection.oauth_state_hash or ""):
        return Outcome(False, None, None, UNKNOWN_STATE)  # another callback took it first
    reason = None
    if connection.oauth_state_expires_at is None or connection.oauth_state_expires_at <= utcnow():
        reason = EXPIRED
    elif error or not code or not verifier:
        reason = DENIED if error in (None, "access_denied") else f"The drive refused the sign-in ({_code(error)})."
    if reason is None:
        reason = _sign_in(connection_id, connection.user_id, provider_id, str(code), str(verifier))
    if reason is not None:
        connections.record_failure(connection_id, reason)
        return Outcome(False, connection_id, status, reason)
    return Outcome(True, connection_id, "authorized")


def refresh_grant(provider: CloudProvider, refresh_token: str) -> TokenAnswer:
    """Ask the token endpoint for new tokens; raises TokenEndpointError when it cannot be reached."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, **_client(provider)}
    if provider.provider_type != "gdrive":
        form["scope"] = _SCOPES[provider.provider_type]
    return post_form(token_url_of(provider), form)


def tokens_of(answer: TokenAnswer, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """What to seal from a token answer; a refresh that sends no new refresh token keeps the old one."""
    body = answer.body
    expires_in = body.get("expires_in")
    expires_at = None
    if isinstance(expires_in, int | float | str) and str(expires_in).isdigit():
        expires_at = (datetime.now(UTC) + timedelta(seconds=int(expires_in))).isoformat(timespec="seconds")
    return {
        "access_token": str(body["access_token"]),
        "refresh_token": body.get("refresh_token") or (previous or {}).get("refresh_token"),
        "expires_at": expires_at,
        "token_type": str(body.get("token_type") or "Bearer"),
        "scope": body.get("scope"),
    }


def _sign_in(connection_id: str, user_id: str, provider_id: str, code: str, verifier: str) -> str | None:
    """Trade the code for tokens, find the drive if the provider names none, seal the tokens and authorize.

    The reason it failed, or None. Nothing is stored before every step worked: a OneDrive sign-in whose drive is
    unknown would give a mount that cannot sync.
    """
    provider = providers.row(provider_id)
    if provider is None:
        return UNKNOWN_STATE
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(provider_id),
        "code_verifier": verifier,
        **_client(provider),
    }
    try:
        answer = post_form(token_url_of(provider), form)
    except TokenEndpointError as exc:
        logger.warning("drive token exchange failed", extra={"connection_id": connection_id, "reason": str(exc)})
        return UNREACHABLE
    if answer.error or not isinstance(answer.body.get("access_token"), str):
        return f"The drive refused the sign-in code ({answer.error or 'no access token'}); start again."
    tokens = tokens_of(answer)
    drive = None
    if graph.needs_lookup(provider):
        try:
            drive = graph.my_drive(provider, tokens["access_token"])
        except graph.DriveLookupError as exc:
            return NO_DRIVE.format(why=exc)
    credentials.store(connection_id, user_id, tokens)
    connections.mark_authorized(connection_id, drive)
    return None


def _client(provider: CloudProvider) -> dict[str, str]:
    secret = providers.client_secret(provider)
    return {"client_id": provider.client_id or "", **({"client_secret": secret} if secret else {})}


def _with_query(url: str, query: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


def _code(error: str) -> str:
    """An OAuth error code as the drive sent it, reduced to the characters such codes use."""
    return re.sub(r"[^A-Za-z0-9_.-]", "", error)[:60] or "unknown error"


def _random(size: int) -> str:
    return secrets.token_urlsafe(size)


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()
