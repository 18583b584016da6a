"""Workflow 9, cloud drives (docs/drives.md): providers and connections (administrators), the OAuth popup, mounts.

Secrets go in and never come out: providers and connections show a hint of theirs. The OAuth callback is the one
route without a caller: its state is its credential, and it answers the popup a small page, not JSON.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import HTMLResponse

from shared import audit
from shared.accounts import users
from shared.api.deps import AdminUser, Context, CurrentUser, SessionAdmin, SessionUser
from shared.audit import Action, Actor, Target
from shared.drives import connections, mounts, oauth, popup, providers
from shared.drives.schemas import ConnectionIn, MountIn, MountPatch, ProviderIn, ProviderPatch
from shared.drives.views import Connection, Mount, OAuthStart, Provider

router = APIRouter(prefix="/drives", tags=["drives"])
oauth_router = APIRouter(prefix="/auth", tags=["drives"])
mounts_router = APIRouter(prefix="/projects/{project_id}/mounts", tags=["drives"])

HexId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
CallbackParameter = Annotated[str | None, Query(max_length=4096)]
POPUP_PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "A page that tells the SPA how the sign-in ended, and closes"}
}


@router.get("/providers", response_model=list[Provider], summary="Drive providers (administrators)")
def list_providers(caller: AdminUser) -> list[Provider]:
    return providers.list_all()


@router.post("/providers", response_model=Provider, status_code=201, summary="Add a drive provider, secret sealed")
def create_provider(body: ProviderIn, caller: SessionAdmin, context: Context) -> Provider:
    made = providers.create(body, by=caller.user_id)
    after = made.model_dump(by_alias=True, mode="json", exclude={"created_at", "updated_at"}, exclude_none=True)
    audit.record(Action.DRIVE_PROVIDER_CREATED, actor=caller, target=_provider(made), context=context, after=after)
    return made


@router.patch("/providers/{provider_id}", response_model=Provider, summary="Change a provider's settings")
def update_provider(provider_id: HexId, body: ProviderPatch, caller: SessionAdmin, context: Context) -> Provider:
    changed = providers.update(provider_id, body)
    after = body.model_dump(by_alias=True, mode="json", exclude_unset=True)  # a new client secret shows redacted
    audit.record(Action.DRIVE_PROVIDER_CHANGED, actor=caller, target=_provider(changed), context=context, after=after)
    return changed


@router.delete("/providers/{provider_id}", status_code=204, summary="Delete a provider no connection uses")
def delete_provider(provider_id: HexId, caller: SessionAdmin, context: Context) -> Response:
    name = next((p.display_name for p in providers.list_all() if p.provider_id == provider_id), None)
    providers.remove(provider_id)
    target = Target("drive_provider", provider_id, name)
    audit.record(Action.DRIVE_PROVIDER_DELETED, actor=caller, target=target, context=context)
    return Response(status_code=204)


@router.get("/connections", response_model=list[Connection], summary="Drive connections (administrators: all)")
def list_connections(caller: CurrentUser) -> list[Connection]:
    return connections.list_for(caller)


@router.post("/connections", response_model=Connection, status_code=201, summary="Connect a drive (administrators)")
def create_connection(body: ConnectionIn, caller: SessionAdmin, context: Context) -> Connection:
    made = connections.create(caller, body)
    after = {"providerId": made.provider_id, "providerType": made.provider_type, "status": made.status}
    target = Target("drive_connection", made.connection_id, made.display_name)
    audit.record(Action.DRIVE_CONNECTION_CREATED, actor=caller, target=target, context=context, after=after)
    return made


@router.delete("/connections/{connection_id}", status_code=204, summary="Delete a connection with its mounts")
def delete_connection(connection_id: HexId, caller: SessionAdmin, context: Context) -> Response:
    name = next((c.display_name for c in connections.list_for(caller) if c.connection_id == connection_id), None)
    connections.remove(caller, connection_id)
    target = Target("drive_connection", connection_id, name)
    audit.record(Action.DRIVE_CONNECTION_DELETED, actor=caller, target=target, context=context)
    return Response(status_code=204)


@oauth_router.get("/{provider_id}/start", response_model=OAuthStart, summary="Start a drive's OAuth sign-in")
def start_oauth(
    provider_id: HexId,
    connection_id: Annotated[str, Query(alias="connectionId", pattern=r"^[0-9a-f]{32}$")],
    caller: SessionUser,
) -> OAuthStart:
    return oauth.start(caller, provider_id, connection_id)


@oauth_router.get(
    "/{provider_id}/callback",
    response_class=HTMLResponse,
    responses=POPUP_PAGE,
    summary="Where the drive sends the popup back (the state is the credential)",
)
def oauth_callback(
    context: Context,
    provider_id: HexId,
    state: CallbackParameter = None,
    code: CallbackParameter = None,
    error: CallbackParameter = None,
) -> HTMLResponse:
    outcome = oauth.callback(provider_id, state=state, code=code, error=error)
    _authorized(outcome, context)
    page = popup.render(outcome)
    return HTMLResponse(page.html, headers=page.headers)


@mounts_router.get("", response_model=list[Mount], summary="The project's drive mounts")
def list_mounts(project_id: str, caller: CurrentUser) -> list[Mount]:
    return mounts.list_for(caller, project_id)


@mounts_router.post("", response_model=Mount, status_code=201, summary="Mount a drive folder into the project")
def create_mount(project_id: str, body: MountIn, caller: CurrentUser) -> Mount:
    return mounts.create(caller, project_id, body)


@mounts_router.patch("/{mount_id}", response_model=Mount, summary="Change a mount")
def update_mount(project_id: str, mount_id: HexId, body: MountPatch, caller: CurrentUser) -> Mount:
    return mounts.update(caller, project_id, mount_id, body)


@mounts_router.delete("/{mount_id}", status_code=204, summary="Remove a mount (synced files stay)")
def delete_mount(project_id: str, mount_id: HexId, caller: CurrentUser) -> Response:
    mounts.remove(caller, project_id, mount_id)
    return Response(status_code=204)


@mounts_router.post("/{mount_id}/sync", response_model=Mount, status_code=202, summary="Queue a sync of the mount")
def sync_mount(project_id: str, mount_id: HexId, caller: CurrentUser) -> Mount:
    return mounts.sync(caller, project_id, mount_id)


def _provider(provider: Provider) -> Target:
    return Target("drive_provider", provider.provider_id, provider.display_name)


def _authorized(outcome: oauth.Outcome, context: Context) -> None:
    """A sign-in that reached a connection is an entry, whoever's it is; an unknown or used state is not (anyone
    can send one)."""
    row = connections.row(outcome.connection_id) if outcome.connection_id else None
    if row is None:
        return
    owner = users.get(row.user_id)
    actor = Actor.account(row.user_id, owner.username if owner else None, "oauth")
    target = Target("drive_connection", row.connection_id, row.display_name)
    result = "ok" if outcome.ok else "failed"
    after = {"status": outcome.status, "reason": outcome.reason}
    audit.record(
        Action.DRIVE_CONNECTION_AUTHORIZED, actor=actor, target=target, context=context, after=after, outcome=result
    )
