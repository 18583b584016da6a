"""Typed dependencies: who the caller is, and whether they may act as an administrator."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from shared.accounts import access
from shared.accounts.domain import Principal
from shared.errors import AuthenticationError, PermissionDeniedError

_bearer = HTTPBearer(auto_error=False, description="A session token from POST /api/auth/login")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An integration key (sk_...)")


def current_principal(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    principal = access.resolve(bearer=bearer.credentials if bearer else None, api_key=api_key)
    if principal is None:
        raise AuthenticationError("Sign in first (or send an API key in X-API-Key).", code="unauthenticated")
    return principal


def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_admin:
        raise PermissionDeniedError("Only administrators may do this.", code="admin_only")
    return principal


def client_ip(request: Request) -> str:
    event = request.scope.get("aws.event") or {}
    source = ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp")
    return str(source or (request.client.host if request.client else "unknown"))


CurrentUser = Annotated[Principal, Depends(current_principal)]
AdminUser = Annotated[Principal, Depends(admin_principal)]
ClientIp = Annotated[str, Depends(client_ip)]
