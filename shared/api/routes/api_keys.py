"""API keys of the signed-in user: create (shown once), list, deactivate."""

from __future__ import annotations

from fastapi import APIRouter

from shared.accounts import api_keys
from shared.api.deps import CurrentUser
from shared.api.schemas import ApiKeyIn, ApiKeyOut, NewApiKeyOut

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.post("", response_model=NewApiKeyOut, status_code=201, summary="Create a key (shown once)")
@router.post("/", response_model=NewApiKeyOut, status_code=201, include_in_schema=False)
def create_key(body: ApiKeyIn, caller: CurrentUser) -> NewApiKeyOut:
    new = api_keys.create(caller.user_id, body.name, body.callback_url)
    return NewApiKeyOut(**ApiKeyOut.of(new.info).model_dump(), key=new.key, signing_secret=new.signing_secret)


@router.get("", response_model=list[ApiKeyOut], summary="Your keys (never their secrets)")
@router.get("/", response_model=list[ApiKeyOut], include_in_schema=False)
def list_keys(caller: CurrentUser) -> list[ApiKeyOut]:
    return [ApiKeyOut.of(info) for info in api_keys.list_for(caller.user_id)]


@router.delete("/{key_id}", response_model=ApiKeyOut, summary="Deactivate a key")
def deactivate_key(key_id: str, caller: CurrentUser) -> ApiKeyOut:
    return ApiKeyOut.of(api_keys.deactivate(caller.user_id, key_id))
