"""Sign out everywhere: every earlier token of the caller stops working; the caller's own tab gets a fresh one."""

from __future__ import annotations

from tests.support.accounts import AccountsStack, call, create_key, create_user, register_first, sign_in


def test_logout_all_revokes_every_earlier_token_and_answers_a_fresh_one(accounts: AccountsStack) -> None:
    admin = register_first()
    bob = create_user(admin, "bob")
    other_tab = sign_in("bob").token
    reply = call("POST", "/api/auth/logout-all", token=bob.token)
    assert reply.status == 200, reply.json
    assert reply.json["user"]["id"] == bob.id and reply.json["token"] not in (bob.token, other_tab)
    assert call("GET", "/api/auth/me", token=bob.token).status == 401
    assert call("GET", "/api/auth/me", token=other_tab).status == 401
    assert call("GET", "/api/auth/me", token=reply.json["token"]).status == 200
    assert call("GET", "/api/auth/me", token=admin.token).status == 200  # nobody else is signed out


def test_an_api_key_cannot_sign_out_everywhere(accounts: AccountsStack) -> None:
    admin = register_first()
    key = create_key(admin)
    reply = call("POST", "/api/auth/logout-all", api_key=key["key"])
    assert reply.status == 403
    assert call("GET", "/api/auth/me", token=admin.token).status == 200
