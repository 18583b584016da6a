"""API keys of the signed-in user: create (shown once), list, deactivate; a key cannot make or end keys."""

from __future__ import annotations

from fastapi import APIRouter

from shared import audit
from shared.accounts import api_keys
from shared.accounts.schemas import ApiKeyIn
from shared.accounts.views import KeyInfo, NewKey
from shared.api.deps import Context, CurrentUser, SessionUser
from shared.audit import Action, Target
from shared.realtime import standing as sockets

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.post("", response_model=NewKey, status_code=201, summary="Create a key (shown once)")
@router.post("/", response_model=NewKey, status_code=201, include_in_schema=False)
def create_key(body: ApiKeyIn, caller: SessionUser, context: Context) -> NewKey:
    key = api_keys.create(caller.user_id, body.name, body.callback_url, body.scope)
    after = {"scope": key.scope.value, "callbackUrl": key.callback_url}
    audit.record(Action.API_KEY_CREATED, actor=caller, target=_target(key), context=context, after=after)
    return key


@router.get("", response_model=list[KeyInfo], summary="Your keys (never their secrets)")
@router.get("/", response_model=list[KeyInfo], include_in_schema=False)
def list_keys(caller: CurrentUser) -> list[KeyInfo]:
    return api_keys.list_for(caller.user_id)


@router.delete("/{key_id}", response_model=KeyInfo, summary="Deactivate a key")
def deactivate_key(key_id: str, caller: SessionUser, context: Context) -> KeyInfo:
    key = api_keys.deactivate(caller.user_id, key_id)
    sockets.end_stale(caller.user_id)  # the sockets the key opened close now
    audit.record(Action.API_KEY_REVOKED, actor=caller, target=_target(key), context=context)
    return key


def _target(key: KeyInfo) -> Target:
    return Target("api_key", key.key_id, key.name)
