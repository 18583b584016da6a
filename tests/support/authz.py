"""The world the every-route authorization matrix acts in: its people, their credentials, and what "user" owns.

"user" owns one of everything (a project shared with "editor" and "viewer", a chat session, a schedule and its run,
an integration run, a persona, a guide, a skill, a Git remote and job, a pending upload, CLAUDE.md versions); the
company's project (onboarding) is that project too. "other" has a project and a schedule of their own and shares
nothing. A route that deletes or ends its target gets a fresh one per case from `World.fresh`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from local.lambda_events import LambdaContext
from shared.accounts import access, api_keys, users
from shared.chat import sessions
from shared.git import service as git
from shared.models.projects import ProjectMember, ProjectRole
from shared.onboarding import profiles
from shared.provider import testing as provider_tests
from tests.support.accounts import (
    PASSWORD,
    AccountsStack,
    Person,
    Reply,
    api_event,
    call,
    create_key,
    create_user,
    register_first,
    token_issued_at,
    with_claims,
)

SKILL = """---
name: {name}
description: Summarise the week's changes
---
Read the notes of this week and write a one-page summary.
"""
FILE = "notes/hello.md"


@dataclass
class World:
    people: dict[str, Person]
    credentials: dict[str, dict[str, str]]
    targets: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> Person:
        return self.people["user"]

    def fresh(self, target: str) -> str:
        """A new target of this kind, owned by "user" (in their project when it lives in one)."""
        unique = uuid.uuid4().hex[:10]
        project = self.targets["project"]
        match target:
            case "project":
                return new_project(self, f"doomed-{unique}")
            case "session":
                principal = access.resolve(bearer=self.user.token, api_key=None)
                assert principal is not None
                return sessions.create(principal, project, "Hello").id
            case "schedule":
                body = {"name": f"doomed-{unique}", "projectId": project, "cron": "0 9 * * *", "prompt": "Hi"}
                return made(self.user, "POST", "/api/schedules", {**body, "enabled": False})["id"]
            case "persona" | "guide":
                text = {"persona": "prompt", "guide": "body"}[target]
                return made(self.user, "POST", f"/api/{target}s", {"name": f"made-{unique}", text: "Be brief."})["id"]
            case "skill":
                name = f"doomed-{unique}"
                body = {"content": SKILL.format(name=name)}
                made(self.user, "PUT", f"/api/skills/{name}", body, query={"projectId": project})
                return name
            case "remote":
                name = f"doomed-{unique}"
                body = {"projectId": project, "url": "https://git.example.com/acme/handbook.git"}
                made(self.user, "PUT", f"/api/git/remotes/{name}", body)
                return name
            case "file":
                path = f"notes/doomed-{unique}.md"
                made(self.user, "PUT", f"/api/projects/{project}/files/content", {"path": path, "content": "Hi"})
                return path
            case "member":
                return users.create(
                    f"member-{unique}", PASSWORD, f"member-{unique}@example.net", is_admin=False
                ).user_id
            case "key":
                return api_keys.create(self.user.id, "throwaway", None).key_id
        raise AssertionError(f"no fresh {target}")

    def fresh_session(self, *, admin: bool) -> dict[str, str]:
        """The session of a new person, for a case that ends every session of its caller."""
        name = f"fresh-{uuid.uuid4().hex[:10]}"
        account = users.create(name, PASSWORD, None, is_admin=admin)
        return {"token": token_issued_at(account.user_id, time.time())}


def answer(method: str, path: str, **kwargs: Any) -> Reply:
    """`call`, for answers of any content type: the body is parsed only when it is JSON."""
    from functions.api.handler import handler

    response = handler(api_event(method, path, **kwargs), LambdaContext("api"))
    headers = {name.lower(): value for name, value in (response.get("headers") or {}).items()}
    text = response.get("body") or ""
    body = json.loads(text) if text and headers.get("content-type", "").startswith("application/json") else None
    return Reply(response["statusCode"], headers, body)


def made(person: Person, method: str, path: str, body: Any, *, query: dict[str, str] | None = None) -> Any:
    """What `person` made through the API (asserted to have worked)."""
    reply = call(method, path, json_body=body, query=query, token=person.token)
    assert reply.status in (200, 201, 202), (path, reply.json)
    return reply.json


def new_project(world: World, name: str) -> str:
    """A project of "user", with "editor" and "viewer" as its members."""
    project = str(made(world.user, "POST", "/api/projects", {"name": name})["id"])
    ProjectMember(project, world.people["editor"].id, role=ProjectRole.EDITOR.value).save()
    ProjectMember(project, world.people["viewer"].id, role=ProjectRole.VIEWER.value).save()
    return project


@contextmanager
def built_world(stack: AccountsStack) -> Iterator[World]:
    """The people, their credentials and "user"'s things, in the stack's (empty) tables.

    No runner runs here: a route that waits for one (Git, a provider test) is told to wait zero seconds.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(git, "READ_WAIT_SECONDS", 0.0)
        patch.setattr(git, "WRITE_WAIT_SECONDS", 0.0)
        patch.setattr(provider_tests, "WAIT_SECONDS", 0.0)
        people = _people()
        world = World(people, _credentials(people, stack))
        world.targets["project"] = new_project(world, "handbook")
        world.targets |= _targets(world)
        yield world


def _people() -> dict[str, Person]:
    admin = register_first(email="admin@example.com")
    return {"admin": admin, **{name: create_user(admin, name) for name in ("user", "editor", "viewer", "other")}}


def _credentials(people: dict[str, Person], stack: AccountsStack) -> dict[str, dict[str, str]]:
    user, admin = people["user"], people["admin"]
    revoked = create_key(user)
    call("DELETE", f"/api/api-keys/{revoked['id']}", token=user.token)
    expired = token_issued_at(user.id, time.time() - 10 * stack.settings.jwt_ttl_seconds)
    return {
        "anonymous": {},
        **{name: {"token": person.token} for name, person in people.items()},
        "user_key": {"api_key": create_key(user, scope="full")["key"]},
        "admin_key": {"api_key": create_key(admin, scope="full")["key"]},
        "user_int_key": {"api_key": create_key(user, scope="integrations")["key"]},
        "admin_int_key": {"api_key": create_key(admin, scope="integrations")["key"]},
        "revoked_key": {"api_key": revoked["key"]},
        "expired_jwt": {"token": expired},
        "tampered_jwt": {"token": with_claims(user.token, sub=admin.id)},
    }


def _targets(world: World) -> dict[str, str]:
    user, admin, project = world.user, world.people["admin"], world.targets["project"]
    made(user, "PUT", f"/api/projects/{project}/files/content", {"path": FILE, "content": "Hello"})
    skill = "weekly-report"
    made(user, "PUT", f"/api/skills/{skill}", {"content": SKILL.format(name=skill)}, query={"projectId": project})
    schedule_body = {"name": "Digest", "projectId": project, "cron": "0 9 * * *", "prompt": "Summarise my notes"}
    schedule = made(user, "POST", "/api/schedules", schedule_body)["id"]
    execution = made(user, "POST", f"/api/schedules/{schedule}/run", None)["executionId"]
    run = made(user, "POST", "/api/integrations/runs", {"projectId": project, "prompt": "Hello"})
    for version in range(2):
        rules = {"scope": "project", "projectId": project, "content": f"# Rules {version}", "baseVersion": version}
        made(user, "PUT", "/api/rules/claude-md", rules)
    remote = {"projectId": project, "url": "https://git.example.com/acme/handbook.git"}
    made(user, "PUT", "/api/git/remotes/origin", remote)
    upload = made(user, "POST", f"/api/projects/{project}/files/uploads", {"path": "in/report.txt", "size": 5})
    other = world.people["other"]
    other_project = made(other, "POST", "/api/projects", {"name": "notebook"})["id"]
    other_schedule = made(other, "POST", "/api/schedules", {**schedule_body, "projectId": other_project})["id"]
    profiles.create(created_by=admin.id, name="Acme")
    assert profiles.attach_project(project, replacing=None)
    return {
        "file": FILE,
        "skill": skill,
        "schedule": schedule,
        "execution": execution,
        "run": run["id"],
        "session": run["sessionId"],
        "persona": world.fresh("persona"),
        "guide": world.fresh("guide"),
        "remote": "origin",
        "upload": upload["uploadId"],
        "job": made(user, "POST", "/api/git/init", {"projectId": project})["jobId"],
        "member": world.fresh("member"),
        "others_project": other_project,
        "others_schedule": other_schedule,
    }
