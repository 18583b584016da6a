"""Sessions, turns, personas and guides over REST: only the caller's own, clear errors, page by page."""

from __future__ import annotations

import pytest

from shared.accounts import users
from shared.accounts.domain import Principal
from shared.chat import turns
from shared.models.chat import ExchangeStatus, RawExchange, Session
from shared.projects import service as projects
from tests.support.accounts import AccountsStack, Person, call, create_user, register_first
from tests.support.aws import drain_queue


@pytest.fixture
def people(accounts: AccountsStack) -> tuple[Person, Person]:
    drain_queue(accounts.settings)
    admin = register_first()
    return create_user(admin, "alice"), create_user(admin, "bob")


def chat_in_new_project(person: Person, messages: int = 1) -> tuple[str, str]:
    account = users.get(person.id)
    assert account is not None
    caller = Principal(account=account, via="token")
    project_id = projects.create(caller, "Notes").project_id
    first = turns.send(caller, project_id=project_id, session_id=None, message="turn 1")
    for n in range(2, messages + 1):
        turns.send(caller, project_id=None, session_id=first.session_id, message=f"turn {n}")
    return project_id, first.session_id


def test_a_projects_sessions_list_only_the_callers_own(people: tuple[Person, Person]) -> None:
    alice, bob = people
    project_id, session_id = chat_in_new_project(alice)

    mine = call("GET", f"/api/projects/{project_id}/sessions", token=alice.token)
    theirs = call("GET", f"/api/projects/{project_id}/sessions", token=bob.token)

    assert mine.status == 200 and [s["id"] for s in mine.json] == [session_id]
    assert mine.json[0]["title"] == "turn 1"
    assert (theirs.status, theirs.code) == (404, "project_not_found")


def test_turns_come_newest_first_page_by_page(people: tuple[Person, Person]) -> None:
    alice, _ = people
    _, session_id = chat_in_new_project(alice, messages=5)
    RawExchange.get(session_id, 5).update(
        actions=[RawExchange.response_text.set("five"), RawExchange.status.set("completed")]
    )

    first = call("GET", f"/api/sessions/{session_id}/turns", query={"limit": "2"}, token=alice.token)
    second = call(
        "GET",
        f"/api/sessions/{session_id}/turns",
        query={"limit": "2", "before": str(first.json["nextBefore"])},
        token=alice.token,
    )

    assert [t["turn"] for t in first.json["turns"]] == [5, 4]
    assert first.json["turns"][0]["response"] == "five"
    assert [t["turn"] for t in second.json["turns"]] == [3, 2]
    assert second.json["nextBefore"] == 2
    assert first.json["turns"][1]["status"] == ExchangeStatus.QUEUED


def test_rename_settings_and_delete_of_a_session(people: tuple[Person, Person]) -> None:
    alice, bob = people
    _, session_id = chat_in_new_project(alice)
    persona = call("POST", "/api/personas", json_body={"name": "Analyst", "prompt": "Be precise."}, token=alice.token)
    guide = call("POST", "/api/guides", json_body={"name": "Style", "body": "Use short sentences."}, token=alice.token)

    changed = call(
        "PATCH",
        f"/api/sessions/{session_id}",
        json_body={
            "title": "Renamed",
            "permissionMode": "acceptEdits",
            "personaId": persona.json["id"],
            "guideIds": [guide.json["id"]],
        },
        token=alice.token,
    )
    refused = call("PATCH", f"/api/sessions/{session_id}", json_body={"title": "mine"}, token=bob.token)
    bad_mode = call(
        "PATCH", f"/api/sessions/{session_id}", json_body={"permissionMode": "bypassPermissions"}, token=alice.token
    )
    deleted = call("DELETE", f"/api/sessions/{session_id}", token=alice.token)

    assert changed.status == 200
    assert (changed.json["title"], changed.json["permissionMode"]) == ("Renamed", "acceptEdits")
    assert (changed.json["personaId"], changed.json["guideIds"]) == (persona.json["id"], [guide.json["id"]])
    assert (refused.status, refused.code) == (404, "session_not_found")
    assert (bad_mode.status, bad_mode.code) == (400, "invalid_permission_mode")
    assert deleted.status == 204 and Session.count() == 0


def test_personas_and_guides_are_private_to_their_owner(people: tuple[Person, Person]) -> None:
    alice, bob = people
    persona = call("POST", "/api/personas", json_body={"name": "Analyst", "prompt": "Be precise."}, token=alice.token)

    assert [p["name"] for p in call("GET", "/api/personas", token=alice.token).json] == ["Analyst"]
    assert call("GET", "/api/personas", token=bob.token).json == []
    stolen = call("PUT", f"/api/personas/{persona.json['id']}", json_body={"name": "x", "prompt": "y"}, token=bob.token)
    assert (stolen.status, stolen.code) == (404, "persona_not_found")
    empty = call("POST", "/api/guides", json_body={"name": "", "body": "text"}, token=alice.token)
    assert empty.status == 400
    assert call("DELETE", f"/api/personas/{persona.json['id']}", token=alice.token).status == 204


def test_administrators_choose_the_permission_modes_users_may_pick(accounts: AccountsStack) -> None:
    drain_queue(accounts.settings)
    admin = register_first()
    alice = create_user(admin, "alice")
    _, session_id = chat_in_new_project(alice)

    before = call("GET", "/api/admin/settings/chat", token=admin.token)
    refused_user = call(
        "PUT", "/api/admin/settings/chat", json_body={"allowedPermissionModes": ["default"]}, token=alice.token
    )
    no_default = call(
        "PUT", "/api/admin/settings/chat", json_body={"allowedPermissionModes": ["plan"]}, token=admin.token
    )
    changed = call(
        "PUT",
        "/api/admin/settings/chat",
        json_body={"allowedPermissionModes": ["default", "bypassPermissions"]},
        token=admin.token,
    )
    bypass = call(
        "PATCH", f"/api/sessions/{session_id}", json_body={"permissionMode": "bypassPermissions"}, token=alice.token
    )
    plan = call("PATCH", f"/api/sessions/{session_id}", json_body={"permissionMode": "plan"}, token=alice.token)

    assert before.json["allowedPermissionModes"] == ["default", "acceptEdits", "plan"]
    assert refused_user.status == 403
    assert no_default.status == 400
    assert changed.json["allowedPermissionModes"] == ["default", "bypassPermissions"]
    assert (bypass.status, bypass.json["permissionMode"]) == (200, "bypassPermissions")
    assert (plan.status, plan.code) == (400, "invalid_permission_mode")
