"""Typed dependencies: who the caller is, what their credentials allow, and where the request came from.

    CurrentUser     a session token or an API key (an integrations key only on INTEGRATION_ROUTES)
    AdminUser       the same, an administrator
    SessionUser     a session token only: changing one's password, API keys, signing out everywhere
    SessionAdmin    an administrator's session token only: user administration, the AI provider, settings
    ClientIp        the caller's address: CloudFront's viewer address when the request provably came through it
    Context         where the request came from, for the audit log: that address and the user agent

Changing accounts or administration needs a session, so a leaked API key (full scope or not) is never an account
takeover: it cannot set a password, make an administrator or mint more keys.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from shared import secrets
from shared.accounts import access
from shared.accounts.domain import KeyScope, Principal
from shared.accounts.errors import KeyScopeError, SessionRequiredError
from shared.audit.domain import RequestContext
from shared.errors import AuthenticationError, PermissionDeniedError
from shared.settings import get_settings

_bearer = HTTPBearer(auto_error=False, description="A session token from POST /api/auth/login")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An integration key (sk_...)")

# What an integrations-scoped key may call ("{}" is one path segment): its runs, running a schedule or a skill
# now and reading those runs, and reading projects and their files. Anything else is 403 insufficient_scope.
INTEGRATION_ROUTES = (
    "POST /api/integrations/runs",
    "GET /api/integrations/runs/{}",
    "POST /api/schedules/{}/run",
    "GET /api/schedules/{}/executions",
    "GET /api/schedules/{}/executions/{}",
    "POST /api/skills/{}/run",
    "GET /api/projects",
    "GET /api/projects/{}",
    "GET /api/projects/{}/files/tree",
    "GET /api/projects/{}/files/content",
    "GET /api/projects/{}/files/download",
)
_INTEGRATION_ROUTE = re.compile(
    "|".join(re.escape(route).replace(re.escape("{}"), "[^/]+") for route in INTEGRATION_ROUTES)
)
# CloudFront adds the viewer's address, and (an origin custom header) the shared secret that proves it did.
VIEWER_ADDRESS_HEADER = "X-Viewer-Address"  # set by CloudFront's viewer-request function on /api/*
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"


def current_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    principal = access.resolve(bearer=bearer.credentials if bearer else None, api_key=api_key)
    if principal is None:
        raise AuthenticationError("Sign in first (or send an API key in X-API-Key).", code="unauthenticated")
    if principal.scope == KeyScope.INTEGRATIONS and not _INTEGRATION_ROUTE.fullmatch(
        f"{request.method} {request.url.path}"
    ):
        raise KeyScopeError()
    return principal


def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_admin:
        raise PermissionDeniedError("Only administrators may do this.", code="admin_only")
    return principal


def session_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.has_session:
        raise SessionRequiredError()
    return principal


def session_admin(principal: Annotated[Principal, Depends(admin_principal)]) -> Principal:
    """An administrator, signed in: a non-administrator hears "administrators only" whatever they present."""
    if not principal.has_session:
        raise SessionRequiredError()
    return principal


def client_ip(request: Request) -> str:
    """The caller's address, as the rate limits count it.

    Behind CloudFront, API Gateway's sourceIp is the edge's address, shared by everyone near it; the viewer's is in
    `X-Viewer-Address`, which CloudFront's function on /api/* sets (overwriting whatever the viewer sent). Anyone
    calling API Gateway directly can send that header too, so it is believed only with `X-Origin-Verify` equal to
    the configured secret, which CloudFront adds and callers never see.
    """
    event = request.scope.get("aws.event") or {}
    source = ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp")
    direct = str(source or (request.client.host if request.client else "unknown"))
    settings = get_settings()
    secret = secrets.resolve(settings.origin_verify_secret, settings.origin_verify_secret_arn)
    presented = request.headers.get(ORIGIN_VERIFY_HEADER)
    if not secret or not presented or not hmac.compare_digest(presented.encode(), secret.encode()):
        return direct
    return viewer_ip(request.headers.get(VIEWER_ADDRESS_HEADER)) or direct


def viewer_ip(header: str | None) -> str | None:
    """The IP of an `X-Viewer-Address` ("198.51.100.10", "2001:db8::1"), normalised; None if it is anything else."""
    try:
        return str(ipaddress.ip_address((header or "").strip()))
    except ValueError:
        return None


def request_context(request: Request, ip: Annotated[str, Depends(client_ip)]) -> RequestContext:
    """The client's address and user agent, as an audit entry records where an action came from."""
    return RequestContext(ip=ip, user_agent=request.headers.get("user-agent"))


CurrentUser = Annotated[Principal, Depends(current_principal)]
AdminUser = Annotated[Principal, Depends(admin_principal)]
SessionUser = Annotated[Principal, Depends(session_principal)]
SessionAdmin = Annotated[Principal, Depends(session_admin)]
ClientIp = Annotated[str, Depends(client_ip)]
Context = Annotated[RequestContext, Depends(request_context)]
