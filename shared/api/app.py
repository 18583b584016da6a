"""The FastAPI application: routers and error handling only; every route calls one service."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from shared.api import errors, openapi
from shared.api.routes import (
    admin_users,
    api_keys,
    audit,
    auth,
    budgets,
    drives,
    files,
    git,
    health,
    integrations,
    meetings,
    onboarding,
    projects,
    prompts,
    provider,
    rules,
    schedules,
    sessions,
    skills,
    usage,
)
from shared.constants import APP_NAME, VERSION


def _request_id(request: Request) -> str:
    event = request.scope.get("aws.event") or {}
    from_gateway = (event.get("requestContext") or {}).get("requestId")
    return str(from_gateway or request.headers.get("x-request-id") or uuid.uuid4().hex)


def create_app() -> FastAPI:
    app = FastAPI(
        title="Sasha Studio API",
        version=VERSION,
        summary=f"REST API of {APP_NAME}: accounts, projects, chat, files, skills, schedules and more.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )

    @app.middleware("http")
    async def add_request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = _request_id(request)
        response = await call_next(request)
        response.headers["X-Request-Id"] = request.state.request_id
        return response

    errors.install(app)
    for router in (
        health.router,
        auth.router,
        admin_users.router,
        admin_users.settings_router,
        audit.router,
        api_keys.router,
        projects.router,
        sessions.router,
        prompts.router,
        integrations.router,
        skills.router,
        schedules.router,
        files.router,
        provider.router,
        onboarding.router,
        rules.router,
        git.router,
        drives.router,
        drives.oauth_router,
        drives.mounts_router,
        meetings.router,
        budgets.admin_router,
        budgets.router,
        usage.router,
    ):
        app.include_router(router, prefix="/api")
    openapi.install(app)
    return app
