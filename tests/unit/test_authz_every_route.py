"""Who may call what, for every route of the REST API and every kind of caller, through the api Lambda's entry point.

Each route is classified once in ROUTES: who may call it (`Access`), what it needs to the thing it names (`Reach`),
and whether an integrations-scoped key may. The expected answer for each caller is derived from that class:

    public route                          anyone, whatever credentials they present (or none)
    no, revoked, expired or forged creds  401 with the credential's code
    integrations key off its routes       403 insufficient_scope
    non-administrator on an admin route   403 admin_only
    any key on a session-only route       403 session_required
    stranger to "user"'s thing            404 with the route's not-found code (it does not say the thing exists)
    viewer changing the project           403 read_only_project; editor or viewer on an owner's route: owner_only

An allowed caller is never refused (401, 403, or the not-found that hides the thing) and never meets a 5xx; with the
minimal bodies sent here it may still hear a 400, 404 or 409 about the request itself. A route of the app missing
from ROUTES fails `test_every_route_of_the_app_is_classified`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from shared.api.app import create_app
from shared.api.deps import INTEGRATION_ROUTES
from shared.chat.policy import DEFAULT_MODES
from shared.provider.catalog import DEFAULT_MODELS
from tests.support.accounts import PASSWORD, AccountsStack
from tests.support.authz import SKILL, World, answer, built_world, made


class Access(Enum):
    PUBLIC = "anyone"
    CLOSED = "no one (registration, after the first account)"
    SIGNED_IN = "a session or a key (CurrentUser)"
    SESSION = "a session only (SessionUser)"
    ADMIN = "an administrator's session or full-scope key (AdminUser)"
    SESSION_ADMIN = "an administrator's session only (SessionAdmin)"


class Reach(Enum):
    """What the caller needs to the thing the route names; "user" owns every such thing."""

    ANY = "nothing, or only the caller's own things"
    OWN = "to be its owner"
    OWN_OR_ADMIN = "to be its owner or an administrator"
    PROJECT_READ = "to reach the project: a member or an administrator"
    PROJECT_WRITE = "to change the project: its owner, an editor or an administrator"
    PROJECT_OWNER = "to be the project's owner or an administrator"
    SELF_OR_ADMIN = "to be the user named (userId) or an administrator"


@dataclass(frozen=True)
class Route:
    name: str
    access: Access
    reach: Reach = Reach.ANY
    integrations: bool = False  # an integrations-scoped key may call it
    query: dict[str, str] | None = None
    body: Any = None
    fresh: tuple[str, ...] = ()  # targets made anew for each case: the route deletes or ends them
    args: dict[str, str] = field(default_factory=dict)  # path parameter → target, where ARGS does not fit
    hidden: str = "project_not_found"
    # The route waits for a runner; none runs here and the wait is cut to zero, so an allowed caller's request,
    # queued, answers 503 unavailable: that still proves it passed every check.
    runner: bool = False


@dataclass(frozen=True)
class Caller:
    person: str | None  # whose credentials: "user" owns the targets; "other" is a stranger to them
    credential: str  # session, full_key, integrations_key; for a bad credential, the code of its 401


SESSION, FULL_KEY, INTEGRATIONS_KEY = "session", "full_key", "integrations_key"
CALLERS = {
    "anonymous": Caller(None, "unauthenticated"),
    "user": Caller("user", SESSION),
    "editor": Caller("editor", SESSION),
    "viewer": Caller("viewer", SESSION),
    "other": Caller("other", SESSION),
    "admin": Caller("admin", SESSION),
    "user_key": Caller("user", FULL_KEY),
    "admin_key": Caller("admin", FULL_KEY),
    "user_int_key": Caller("user", INTEGRATIONS_KEY),
    "admin_int_key": Caller("admin", INTEGRATIONS_KEY),
    "revoked_key": Caller(None, "invalid_api_key"),
    "expired_jwt": Caller(None, "token_expired"),
    "tampered_jwt": Caller(None, "invalid_token"),
}
# Who is refused what on the thing a route names (a status of 404 answers with the route's `hidden` code).
REACH_REFUSALS: dict[Reach, dict[str, tuple[int, str | None]]] = {
    Reach.ANY: {},
    Reach.OWN: {person: (404, None) for person in ("editor", "viewer", "other", "admin")},
    Reach.OWN_OR_ADMIN: {person: (404, None) for person in ("editor", "viewer", "other")},
    Reach.PROJECT_READ: {"other": (404, None)},
    Reach.PROJECT_WRITE: {"other": (404, None), "viewer": (403, "read_only_project")},
    Reach.PROJECT_OWNER: {"other": (404, None), "viewer": (403, "owner_only"), "editor": (403, "owner_only")},
    Reach.SELF_OR_ADMIN: {person: (403, "usage_of_others") for person in ("editor", "viewer", "other")},
}
ARGS = {
    "project_id": "project",
    "projectName": "project",
    "session_id": "session",
    "user_id": "member",
    "key_id": "key",
    "schedule_id": "schedule",
    "execution_id": "execution",
    "run_id": "run",
    "persona_id": "persona",
    "guide_id": "guide",
    "upload_id": "upload",
    "job_id": "job",
    "name": "skill",
    "version": "version",
    "provider_id": "missing",
    "connection_id": "missing",
    "mount_id": "missing",
    "meeting_id": "meeting",
}

PROJECT = {"projectId": "{project}"}
RULES = {"scope": "project", "projectId": "{project}"}
QUOTAS = {
    "maxActiveSchedules": 20,
    "minScheduleIntervalMinutes": 15,
    "uploadsPerHour": 200,
    "turnsPerDay": 500,
    "tokensPerDay": 5_000_000,
}
REMOTE = {"name": "remote"}
MEETING = {"meetingId": "{meeting}"}
USAGE = {"from": "2025-01-01", "to": "2025-01-31"}
USAGE_OF_USER = {**USAGE, "userId": "{owner}"}
A, R = Access, Reach
ROUTES: dict[str, Route] = {
    "GET /api/openapi.json": Route("openapi", A.PUBLIC),
    "GET /api/docs": Route("docs", A.PUBLIC),
    "GET /docs/oauth2-redirect": Route("docs_oauth2_redirect", A.PUBLIC),
    "GET /api/health": Route("health", A.PUBLIC),
    # accounts
    "GET /api/auth/status": Route("auth.status", A.PUBLIC),
    "POST /api/auth/register": Route(
        "auth.register", A.CLOSED, body={"username": "late-{unique}", "password": PASSWORD}
    ),
    "POST /api/auth/login": Route("auth.login", A.PUBLIC, body={"username": "other", "password": PASSWORD}),
    "GET /api/auth/me": Route("auth.me", A.SIGNED_IN),
    "PATCH /api/auth/me": Route("auth.update_me", A.SESSION, body={}),
    "POST /api/auth/logout-all": Route("auth.logout_all", A.SESSION, fresh=("caller",)),
    "POST /api/auth/forgot-password": Route("auth.forgot", A.PUBLIC, body={"identifier": "nobody-{unique}"}),
    "GET /api/auth/reset-password/verify": Route("auth.verify_reset", A.PUBLIC, query={"token": "bogus"}),
    "POST /api/auth/reset-password": Route("auth.reset", A.PUBLIC, body={"token": "bogus", "password": PASSWORD}),
    "GET /api/admin/users": Route("admin.list_users", A.ADMIN),
    "POST /api/admin/users": Route(
        "admin.create_user", A.SESSION_ADMIN, body={"username": "made-{unique}", "password": PASSWORD}
    ),
    "GET /api/admin/users/{user_id}": Route("admin.get_user", A.ADMIN),
    "PATCH /api/admin/users/{user_id}": Route("admin.update_user", A.SESSION_ADMIN, body={"isActive": True}),
    "DELETE /api/admin/users/{user_id}": Route("admin.delete_user", A.SESSION_ADMIN, fresh=("member",)),
    "POST /api/admin/users/{user_id}/welcome-email": Route("admin.welcome", A.SESSION_ADMIN),
    "GET /api/admin/settings/chat": Route("settings.get_chat", A.ADMIN),
    "PUT /api/admin/settings/chat": Route(
        "settings.set_chat", A.SESSION_ADMIN, body={"allowedPermissionModes": list(DEFAULT_MODES)}
    ),
    "GET /api/admin/settings/quotas": Route("settings.get_quotas", A.ADMIN),
    "PUT /api/admin/settings/quotas": Route("settings.set_quotas", A.SESSION_ADMIN, body=QUOTAS),
    "GET /api/admin/audit": Route("audit.search", A.ADMIN, query={"action": "user.created", "limit": "5"}),
    "GET /api/admin/audit/actions": Route("audit.actions", A.ADMIN),
    "GET /api/admin/budgets": Route("budgets.list", A.ADMIN),
    "PUT /api/admin/budgets/organization": Route(
        "budgets.set_organization", A.SESSION_ADMIN, body={"monthlyUsd": 500, "monthlyTokens": None}
    ),
    "PUT /api/admin/budgets/users/{user_id}": Route(
        "budgets.set_user", A.SESSION_ADMIN, body={"monthlyUsd": 50.5, "monthlyTokens": 2_000_000, "exempt": False}
    ),
    "DELETE /api/admin/budgets/users/{user_id}": Route("budgets.delete_user", A.SESSION_ADMIN),
    "GET /api/budgets/me": Route("budgets.me", A.SIGNED_IN),
    "POST /api/api-keys": Route("keys.create", A.SESSION, body={"name": "matrix"}),
    "POST /api/api-keys/": Route("keys.create_slash", A.SESSION, body={"name": "matrix"}),
    "GET /api/api-keys": Route("keys.list", A.SIGNED_IN),
    "GET /api/api-keys/": Route("keys.list_slash", A.SIGNED_IN),
    "DELETE /api/api-keys/{key_id}": Route("keys.delete", A.SESSION, R.OWN, fresh=("key",), hidden="api_key_not_found"),
    # projects and chat
    "GET /api/projects": Route("projects.list", A.SIGNED_IN, integrations=True),
    "POST /api/projects": Route("projects.create", A.SIGNED_IN, body={"name": "new-{unique}"}),
    "GET /api/projects/{project_id}": Route("projects.get", A.SIGNED_IN, R.PROJECT_READ, integrations=True),
    "PATCH /api/projects/{project_id}": Route(
        "projects.rename", A.SIGNED_IN, R.PROJECT_WRITE, body={"name": "handbook"}
    ),
    "DELETE /api/projects/{project_id}": Route("projects.delete", A.SIGNED_IN, R.PROJECT_OWNER, fresh=("project",)),
    "GET /api/projects/{project_id}/sessions": Route("sessions.list", A.SIGNED_IN, R.PROJECT_READ),
    "GET /api/sessions/{session_id}": Route("sessions.get", A.SIGNED_IN, R.OWN, hidden="session_not_found"),
    "PATCH /api/sessions/{session_id}": Route(
        "sessions.update", A.SIGNED_IN, R.OWN, body={"title": "Renamed"}, hidden="session_not_found"
    ),
    "DELETE /api/sessions/{session_id}": Route(
        "sessions.delete", A.SIGNED_IN, R.OWN, fresh=("session",), hidden="session_not_found"
    ),
    "GET /api/sessions/{session_id}/turns": Route("sessions.turns", A.SIGNED_IN, R.OWN, hidden="session_not_found"),
    "GET /api/personas": Route("personas.list", A.SIGNED_IN),
    "POST /api/personas": Route("personas.create", A.SIGNED_IN, body={"name": "p-{unique}", "prompt": "Be brief."}),
    "PUT /api/personas/{persona_id}": Route(
        "personas.update", A.SIGNED_IN, R.OWN, body={"name": "Brief", "prompt": "Be brief."}, hidden="persona_not_found"
    ),
    "DELETE /api/personas/{persona_id}": Route(
        "personas.delete", A.SIGNED_IN, R.OWN, fresh=("persona",), hidden="persona_not_found"
    ),
    "GET /api/guides": Route("guides.list", A.SIGNED_IN),
    "POST /api/guides": Route("guides.create", A.SIGNED_IN, body={"name": "g-{unique}", "body": "Cite sources."}),
    "PUT /api/guides/{guide_id}": Route(
        "guides.update", A.SIGNED_IN, R.OWN, body={"name": "Cite", "body": "Cite sources."}, hidden="guide_not_found"
    ),
    "DELETE /api/guides/{guide_id}": Route(
        "guides.delete", A.SIGNED_IN, R.OWN, fresh=("guide",), hidden="guide_not_found"
    ),
    # integrations, skills, schedules
    "POST /api/integrations/runs": Route(
        "integrations.start", A.SIGNED_IN, R.PROJECT_WRITE, integrations=True, body={**PROJECT, "prompt": "Hello"}
    ),
    "GET /api/integrations/runs/{run_id}": Route(
        "integrations.get", A.SIGNED_IN, R.OWN, integrations=True, hidden="run_not_found"
    ),
    "GET /api/skills": Route("skills.list", A.SIGNED_IN, R.PROJECT_READ, query=PROJECT),
    "GET /api/skills/{name}": Route("skills.get", A.SIGNED_IN, R.PROJECT_READ, query=PROJECT),
    "PUT /api/skills/{name}": Route(
        "skills.put",
        A.SIGNED_IN,
        R.PROJECT_WRITE,
        query=PROJECT,
        body={"content": SKILL.format(name="weekly-report")},
    ),
    "DELETE /api/skills/{name}": Route("skills.delete", A.SIGNED_IN, R.PROJECT_WRITE, query=PROJECT, fresh=("skill",)),
    "POST /api/skills/{name}/run": Route("skills.run", A.SIGNED_IN, R.PROJECT_WRITE, integrations=True, body=PROJECT),
    "GET /api/schedules": Route("schedules.list", A.SIGNED_IN),
    "POST /api/schedules": Route(
        "schedules.create",
        A.SIGNED_IN,
        R.PROJECT_WRITE,
        body={**PROJECT, "name": "s-{unique}", "cron": "0 9 * * *", "prompt": "Hi", "enabled": False},
    ),
    "GET /api/schedules/preview": Route("schedules.preview", A.SIGNED_IN, query={"cron": "0 9 * * *"}),
    "GET /api/schedules/{schedule_id}": Route(
        "schedules.get", A.SIGNED_IN, R.OWN_OR_ADMIN, hidden="schedule_not_found"
    ),
    "PATCH /api/schedules/{schedule_id}": Route(
        "schedules.update", A.SIGNED_IN, R.OWN_OR_ADMIN, body={"name": "Digest"}, hidden="schedule_not_found"
    ),
    "DELETE /api/schedules/{schedule_id}": Route(
        "schedules.delete", A.SIGNED_IN, R.OWN_OR_ADMIN, fresh=("schedule",), hidden="schedule_not_found"
    ),
    "POST /api/schedules/{schedule_id}/run": Route(
        "schedules.run", A.SIGNED_IN, R.OWN_OR_ADMIN, integrations=True, hidden="schedule_not_found"
    ),
    "GET /api/schedules/{schedule_id}/executions": Route(
        "schedules.executions", A.SIGNED_IN, R.OWN_OR_ADMIN, integrations=True, hidden="schedule_not_found"
    ),
    "GET /api/schedules/{schedule_id}/executions/{execution_id}": Route(
        "schedules.execution", A.SIGNED_IN, R.OWN_OR_ADMIN, integrations=True, hidden="schedule_not_found"
    ),
    # files
    "POST /api/files/{projectName}/upload-documents": Route("files.upload_documents", A.SIGNED_IN, R.PROJECT_WRITE),
    "POST /api/projects/{project_id}/files/uploads": Route(
        "files.start_upload", A.SIGNED_IN, R.PROJECT_WRITE, body={"path": "in/{unique}.txt", "size": 5}
    ),
    "GET /api/projects/{project_id}/files/uploads/{upload_id}": Route("files.get_upload", A.SIGNED_IN, R.PROJECT_READ),
    "POST /api/projects/{project_id}/files/uploads/{upload_id}/cancel": Route(
        "files.cancel_upload", A.SIGNED_IN, R.PROJECT_WRITE
    ),
    "GET /api/projects/{project_id}/files/tree": Route("files.tree", A.SIGNED_IN, R.PROJECT_READ, integrations=True),
    "GET /api/projects/{project_id}/files/content": Route(
        "files.read", A.SIGNED_IN, R.PROJECT_READ, integrations=True, query={"path": "{file}"}
    ),
    "PUT /api/projects/{project_id}/files/content": Route(
        "files.save", A.SIGNED_IN, R.PROJECT_WRITE, body={"path": "{file}", "content": "Hello"}
    ),
    "GET /api/projects/{project_id}/files/download": Route(
        "files.download", A.SIGNED_IN, R.PROJECT_READ, integrations=True, query={"path": "{file}"}
    ),
    "POST /api/projects/{project_id}/files/folders": Route(
        "files.create_folder", A.SIGNED_IN, R.PROJECT_WRITE, body={"path": "folder-{unique}"}
    ),
    "POST /api/projects/{project_id}/files/move": Route(
        "files.move",
        A.SIGNED_IN,
        R.PROJECT_WRITE,
        body={"from": "{file}", "to": "notes/moved-{unique}.md"},
        fresh=("file",),
    ),
    "DELETE /api/projects/{project_id}/files": Route(
        "files.delete", A.SIGNED_IN, R.PROJECT_WRITE, query={"path": "{file}"}, fresh=("file",)
    ),
    # the AI provider
    "GET /api/setup/status": Route("setup.status", A.SIGNED_IN),
    "GET /api/admin/ai-provider": Route("provider.get", A.ADMIN),
    "POST /api/setup/configure-claude": Route(
        "provider.configure_claude", A.SESSION_ADMIN, body={"apiKey": "sk-ant-api03-matrix-0123456789"}
    ),
    "POST /api/setup/test-claude-key": Route(
        "provider.test_claude_key", A.SESSION_ADMIN, body={"apiKey": "sk-ant-api03-matrix-0123456789"}, runner=True
    ),
    "POST /api/admin/bedrock/configure": Route(
        "bedrock.configure", A.SESSION_ADMIN, body={"region": "us-east-1", "useTaskRole": True}
    ),
    "POST /api/admin/bedrock/test": Route("bedrock.test", A.SESSION_ADMIN, body={}, runner=True),
    "GET /api/admin/bedrock/models": Route("bedrock.models", A.ADMIN),
    "POST /api/admin/bedrock/switch-model": Route(
        "bedrock.switch_model", A.SESSION_ADMIN, body={"modelId": DEFAULT_MODELS[0].id}
    ),
    "POST /api/admin/bedrock/disable": Route("bedrock.disable", A.SESSION_ADMIN),
    "POST /api/admin/bedrock/context-1m": Route("bedrock.context_1m", A.SESSION_ADMIN, body={"enabled": False}),
    "GET /api/admin/bedrock/context-audit": Route("bedrock.context_audit", A.ADMIN),
    # onboarding (the company's project is "user"'s project)
    "GET /api/profile/organization": Route("onboarding.profile", A.SIGNED_IN),
    "POST /api/profile/organization/initialize": Route("onboarding.initialize", A.SESSION_ADMIN, body={"name": "Acme"}),
    "POST /api/profile/organization/detect": Route("onboarding.detect", A.ADMIN, body={"url": "ftp://acme.example"}),
    "POST /api/profile/organization/research/{project_id}": Route("onboarding.research", A.SESSION_ADMIN),
    "POST /api/profile/organization/research/{project_id}/skip": Route("onboarding.skip", A.SESSION_ADMIN),
    "GET /api/profile/organization/research/{project_id}/stream": Route(
        "onboarding.stream", A.SIGNED_IN, R.PROJECT_READ, query={"wait": "0"}
    ),
    "GET /api/profile/organization/research/{project_id}/documents": Route(
        "onboarding.documents", A.SIGNED_IN, R.PROJECT_READ
    ),
    "POST /api/profile/onboarding/complete": Route("onboarding.complete", A.SESSION_ADMIN),
    # CLAUDE.md versions of the project
    "GET /api/rules/claude-md": Route("rules.read", A.SIGNED_IN, R.PROJECT_READ, query=RULES),
    "PUT /api/rules/claude-md": Route(
        "rules.save", A.SIGNED_IN, R.PROJECT_WRITE, body={**RULES, "content": "# Rules", "baseVersion": 2}
    ),
    "GET /api/rules/claude-md/versions": Route("rules.history", A.SIGNED_IN, R.PROJECT_READ, query=RULES),
    "GET /api/rules/claude-md/versions/{version}": Route("rules.version", A.SIGNED_IN, R.PROJECT_READ, query=RULES),
    "GET /api/rules/claude-md/diff": Route(
        "rules.diff", A.SIGNED_IN, R.PROJECT_READ, query={**RULES, "from": "1", "to": "2"}
    ),
    "POST /api/rules/claude-md/restore": Route(
        "rules.restore", A.SIGNED_IN, R.PROJECT_WRITE, body={**RULES, "version": 1, "baseVersion": 2}
    ),
    # Git
    "GET /api/git/status": Route("git.status", A.SIGNED_IN, R.PROJECT_READ, query=PROJECT, runner=True),
    "GET /api/git/diff": Route(
        "git.diff", A.SIGNED_IN, R.PROJECT_READ, query={**PROJECT, "path": "README.md"}, runner=True
    ),
    "GET /api/git/log": Route("git.log", A.SIGNED_IN, R.PROJECT_READ, query=PROJECT, runner=True),
    "GET /api/git/branches": Route("git.branches", A.SIGNED_IN, R.PROJECT_READ, query=PROJECT, runner=True),
    "POST /api/git/init": Route("git.init", A.SIGNED_IN, R.PROJECT_WRITE, body=PROJECT),
    "POST /api/git/stage": Route("git.stage", A.SIGNED_IN, R.PROJECT_WRITE, body={**PROJECT, "all": True}),
    "POST /api/git/unstage": Route("git.unstage", A.SIGNED_IN, R.PROJECT_WRITE, body={**PROJECT, "all": True}),
    "POST /api/git/generate-commit-message": Route("git.commit_message", A.SIGNED_IN, R.PROJECT_WRITE, body=PROJECT),
    "POST /api/git/commit": Route("git.commit", A.SIGNED_IN, R.PROJECT_WRITE, body={**PROJECT, "message": "Matrix"}),
    "POST /api/git/push": Route("git.push", A.SIGNED_IN, R.PROJECT_WRITE, body=PROJECT),
    "POST /api/git/pull": Route("git.pull", A.SIGNED_IN, R.PROJECT_WRITE, body=PROJECT),
    "POST /api/git/fetch": Route("git.fetch", A.SIGNED_IN, R.PROJECT_WRITE, body=PROJECT),
    "POST /api/git/merge/abort": Route("git.merge_abort", A.SIGNED_IN, R.PROJECT_WRITE, body=PROJECT),
    "POST /api/git/branches": Route(
        "git.create_branch", A.SIGNED_IN, R.PROJECT_WRITE, body={**PROJECT, "name": "feature"}
    ),
    "POST /api/git/checkout": Route("git.checkout", A.SIGNED_IN, R.PROJECT_WRITE, body={**PROJECT, "branch": "main"}),
    "GET /api/git/remotes": Route("git.remotes", A.SIGNED_IN, R.PROJECT_READ, query=PROJECT),
    "PUT /api/git/remotes/{name}": Route(
        "git.put_remote",
        A.SIGNED_IN,
        R.PROJECT_OWNER,
        body={**PROJECT, "url": "https://git.example.com/acme/handbook.git"},
        args=REMOTE,
    ),
    "DELETE /api/git/remotes/{name}": Route(
        "git.delete_remote", A.SIGNED_IN, R.PROJECT_OWNER, query=PROJECT, fresh=("remote",), args=REMOTE
    ),
    "GET /api/git/jobs/{job_id}": Route("git.job", A.SIGNED_IN, R.OWN, hidden="job_not_found"),
    # cloud drives: every route checks its caller before it looks up the provider, connection or mount it names,
    # so those are ids of nothing (an allowed caller hears that they do not exist).
    "GET /api/drives/providers": Route("drives.providers", A.ADMIN),
    "POST /api/drives/providers": Route("drives.create_provider", A.SESSION_ADMIN, body={}),
    "PATCH /api/drives/providers/{provider_id}": Route(
        "drives.update_provider", A.SESSION_ADMIN, body={"displayName": "Drive"}
    ),
    "DELETE /api/drives/providers/{provider_id}": Route("drives.delete_provider", A.SESSION_ADMIN),
    "GET /api/drives/connections": Route("drives.connections", A.SIGNED_IN),
    "POST /api/drives/connections": Route(
        "drives.create_connection", A.SESSION_ADMIN, body={"providerId": "{missing}", "displayName": "Drive"}
    ),
    "DELETE /api/drives/connections/{connection_id}": Route("drives.delete_connection", A.SESSION_ADMIN),
    "GET /api/auth/{provider_id}/start": Route("drives.oauth_start", A.SESSION, query={"connectionId": "{missing}"}),
    "GET /api/auth/{provider_id}/callback": Route("drives.oauth_callback", A.PUBLIC, query={"state": "bogus"}),
    "GET /api/projects/{project_id}/mounts": Route("mounts.list", A.SIGNED_IN, R.PROJECT_READ),
    "POST /api/projects/{project_id}/mounts": Route(
        "mounts.create", A.SIGNED_IN, R.PROJECT_WRITE, body={"connectionId": "{missing}", "path": "drive"}
    ),
    "PATCH /api/projects/{project_id}/mounts/{mount_id}": Route(
        "mounts.update", A.SIGNED_IN, R.PROJECT_WRITE, body={"accessMode": "read-only"}
    ),
    "DELETE /api/projects/{project_id}/mounts/{mount_id}": Route("mounts.delete", A.SIGNED_IN, R.PROJECT_WRITE),
    "POST /api/projects/{project_id}/mounts/{mount_id}/sync": Route("mounts.sync", A.SIGNED_IN, R.PROJECT_WRITE),
    # meetings: each is its owner's alone (not the administrators', nor its project's members')
    "POST /api/meetings/start": Route(
        "meetings.start", A.SIGNED_IN, R.PROJECT_WRITE, body={**PROJECT, "title": "Standup"}
    ),
    "POST /api/meetings/segments": Route(
        "meetings.segment",
        A.SIGNED_IN,
        R.OWN,
        body={**MEETING, "seq": 1, "startMs": 0, "text": "Hello"},
        hidden="meeting_not_found",
    ),
    "POST /api/meetings/advise-now": Route(
        "meetings.advise_now", A.SIGNED_IN, R.OWN, body=MEETING, hidden="meeting_not_found"
    ),
    "POST /api/meetings/stop": Route("meetings.stop", A.SIGNED_IN, R.OWN, body=MEETING, hidden="meeting_not_found"),
    "GET /api/meetings/transcript": Route(
        "meetings.transcript", A.SIGNED_IN, R.OWN, query=MEETING, hidden="meeting_not_found"
    ),
    "POST /api/meetings/analyze": Route(
        "meetings.analyze", A.SIGNED_IN, R.OWN, body=MEETING, hidden="meeting_not_found"
    ),
    "POST /api/meetings/retry": Route("meetings.retry", A.SIGNED_IN, R.OWN, body=MEETING, hidden="meeting_not_found"),
    "GET /api/meetings": Route("meetings.list", A.SIGNED_IN),
    "GET /api/meetings/{meeting_id}": Route("meetings.get", A.SIGNED_IN, R.OWN, hidden="meeting_not_found"),
    "PATCH /api/meetings/{meeting_id}": Route(
        "meetings.rename", A.SIGNED_IN, R.OWN, body={"title": "Renamed"}, hidden="meeting_not_found"
    ),
    "DELETE /api/meetings/{meeting_id}": Route(
        "meetings.delete", A.SIGNED_IN, R.OWN, fresh=("meeting",), hidden="meeting_not_found"
    ),
    # the usage dashboard: one's own usage, or an administrator's view of anyone's (here: "user"'s)
    "GET /api/usage/summary": Route("usage.summary", A.SIGNED_IN, R.SELF_OR_ADMIN, query=USAGE_OF_USER),
    "GET /api/usage/top-sessions": Route("usage.top_sessions", A.SIGNED_IN, R.SELF_OR_ADMIN, query=USAGE_OF_USER),
    "GET /api/usage/export.csv": Route("usage.export", A.SIGNED_IN, R.SELF_OR_ADMIN, query=USAGE_OF_USER),
}


@dataclass(frozen=True)
class Refused:
    status: int
    code: str


def expected_refusal(route: Route, caller: Caller) -> Refused | None:
    """How `caller` is refused `route`, or None when it is let through."""
    if route.access is Access.PUBLIC:
        return None
    if route.access is Access.CLOSED:
        return Refused(403, "registration_closed")
    if caller.person is None:
        return Refused(401, caller.credential)
    if caller.credential == INTEGRATIONS_KEY and not route.integrations:
        return Refused(403, "insufficient_scope")
    if route.access in (Access.ADMIN, Access.SESSION_ADMIN) and caller.person != "admin":
        return Refused(403, "admin_only")
    if route.access in (Access.SESSION, Access.SESSION_ADMIN) and caller.credential != SESSION:
        return Refused(403, "session_required")
    refusal = REACH_REFUSALS[route.reach].get(caller.person)
    if refusal is None:
        return None
    status, code = refusal
    return Refused(status, code or route.hidden)


def app_routes() -> set[str]:
    """Every "METHOD /path" the API's app answers (HEAD aside: Starlette adds it to every GET)."""
    return {
        f"{method} {context.path}"
        for context in iter_route_contexts(create_app().routes)
        for method in (context.methods or set()) - {"HEAD"}
    }


def filled(template: Any, targets: dict[str, str]) -> Any:
    """The template with "{target}" placeholders replaced, in strings, lists and dicts alike."""
    if isinstance(template, str):
        return template.format_map(targets)
    if isinstance(template, dict):
        return {key: filled(value, targets) for key, value in template.items()}
    if isinstance(template, list):
        return [filled(value, targets) for value in template]
    return template


def request_for(key: str, route: Route, world: World, caller: str) -> tuple[str, str, dict[str, Any]]:
    """Method, concrete path and `call` arguments for one case, with fresh targets made for it."""
    method, template = key.split(" ", 1)
    targets = {**world.targets, "version": "1", "unique": uuid.uuid4().hex[:10], "missing": uuid.uuid4().hex}
    targets |= {target: fresh(world, target) for target in route.fresh if target != "caller"}
    path = re.sub(r"\{(\w+)\}", lambda match: targets[route.args.get(match[1], ARGS[match[1]])], template)
    kwargs: dict[str, Any] = dict(world.credentials[caller])
    if "caller" in route.fresh and CALLERS[caller].credential == SESSION:
        kwargs = world.fresh_session(admin=CALLERS[caller].person == "admin")
    if route.query is not None:
        kwargs["query"] = filled(route.query, targets)
    if route.body is not None:
        kwargs["json_body"] = filled(route.body, targets)
    return method, path, kwargs


def fresh(world: World, target: str) -> str:
    """A new target of this kind, owned by "user": a meeting made here, anything else by `World.fresh`."""
    if target == "meeting":
        return str(made(world.user, "POST", "/api/meetings/start", {"title": "Standup"})["id"])
    return world.fresh(target)


@pytest.fixture(scope="module")
def world(accounts_stack: AccountsStack) -> Iterator[World]:
    with built_world(accounts_stack) as built:
        built.targets["meeting"] = fresh(built, "meeting")
        built.targets["owner"] = built.user.id  # whose usage the usage routes ask for
        yield built


def test_every_route_of_the_app_is_classified() -> None:
    routes = app_routes()

    unclassified, gone = sorted(routes - ROUTES.keys()), sorted(ROUTES.keys() - routes)

    assert not unclassified, f"add these routes to ROUTES, with who may call them: {unclassified}"
    assert not gone, f"these routes are no longer in the app: {gone}"


def test_the_integration_routes_are_the_ones_classified_as_such() -> None:
    marked = {re.sub(r"\{\w+\}", "{}", key) for key, route in ROUTES.items() if route.integrations}

    assert marked == set(INTEGRATION_ROUTES)


@pytest.mark.parametrize(
    ("key", "caller"),
    [pytest.param(key, caller, id=f"{route.name}-{caller}") for key, route in ROUTES.items() for caller in CALLERS],
)
def test_each_route_answers_each_caller_as_its_class_says(world: World, key: str, caller: str) -> None:
    # Given the route's class, and the caller's credentials and relation to the route's target
    route = ROUTES[key]
    refusal = expected_refusal(route, CALLERS[caller])
    method, path, kwargs = request_for(key, route, world, caller)

    # When the caller calls it
    reply = answer(method, path, **kwargs)

    # Then a refusal is the class's, with its code; anyone else passes every check without breaking anything
    if refusal is not None:
        assert (reply.status, reply.code) == (refusal.status, refusal.code), reply.json
        return
    if route.runner and (reply.status, reply.code) == (503, "unavailable"):
        return
    assert reply.status not in (401, 403) and reply.status < 500, reply.json
    assert route.reach is Reach.ANY or (reply.status, reply.code) != (404, route.hidden), reply.json


# Routes that name a container and a thing in it: a stranger naming a container of their own and "user"'s thing.
THROUGH_OWN_CONTAINER = {
    "files.get_upload": ("GET", "/api/projects/{others_project}/files/uploads/{upload}", None, "upload_not_found"),
    "files.cancel_upload": (
        "POST",
        "/api/projects/{others_project}/files/uploads/{upload}/cancel",
        None,
        "upload_not_found",
    ),
    "schedules.execution": (
        "GET",
        "/api/schedules/{others_schedule}/executions/{execution}",
        None,
        "execution_not_found",
    ),
    "onboarding.stream": (
        "GET",
        "/api/profile/organization/research/{others_project}/stream",
        {"wait": "0"},
        "not_company_project",
    ),
}


@pytest.mark.parametrize("case", THROUGH_OWN_CONTAINER)
def test_a_stranger_cannot_reach_a_thing_through_a_container_of_their_own(world: World, case: str) -> None:
    method, template, query, code = THROUGH_OWN_CONTAINER[case]

    reply = answer(method, filled(template, world.targets), query=query, **world.credentials["other"])

    assert (reply.status, reply.code) == (404, code), reply.json
