"""Mounts: a folder of a drive synced into a folder of a project (`cloud_mounts`; docs/drives.md, "Mounts").

Who: anyone who may open the project reads its mounts; changing them (create, edit, delete, sync now) takes a
project owner or editor (or an administrator) who also owns the connection or administers. Strangers hear "not
found", viewers "read only".

Where: a mount's `path` is a folder inside the project (the files domain's safe-path rules), never the project's
root, never in or under `.git` or `.claude`, and never inside, around or equal to another mount of the project.
The folder on the drive, `remotePath`, follows the same rules and defaults to the drive's root ("/").
"""

from __future__ import annotations

import uuid
from concurrent.futures import Future

from shared.accounts.domain import Principal
from shared.db import delete_all
from shared.drives import connections, providers, syncs
from shared.drives.errors import ConnectionNotAuthorizedError, MountGoneError, MountOverlapError, ReadOnlyMountError
from shared.drives.schemas import MountIn, MountPatch
from shared.drives.views import Mount
from shared.errors import NotFoundError, PermissionDeniedError, ServiceUnavailableError, ValidationError
from shared.files import generations
from shared.files.generations import Generation
from shared.files.paths import safe_relative_path
from shared.kept import Kept
from shared.logs import logger
from shared.models.base import on_bind, utcnow
from shared.models.cloud import CloudConnection, CloudMount, ConnectionStatus, MountHealth
from shared.projects import service as projects

_RESERVED = (".git", ".claude")


def list_for(caller: Principal, project_id: str) -> list[Mount]:
    return mounts_for_project(projects.open_project(caller, project_id).project_id)


def create(caller: Principal, project_id: str, body: MountIn) -> Mount:
    """A new mount, unmounted until its first sync (queued now, or by the next tick if the queue is down)."""
    project = projects.open_project(caller, project_id, write=True)
    connection = connections.row(body.connection_id)
    if connection is None:
        raise NotFoundError("There is no such drive connection.", code="connection_not_found")
    _may_use(caller, connection)
    if connection.status != ConnectionStatus.AUTHORIZED.value:
        raise ConnectionNotAuthorizedError("This connection is not signed in yet: finish connecting it first.")
    path = checked_path(body.path)
    _refuse_overlap(project.project_id, path)
    row = CloudMount(
        uuid.uuid4().hex,
        connection_id=connection.connection_id,
        project_id=project.project_id,
        path=path,
        remote_path=checked_remote_path(body.remote_path),
        access_mode=body.access_mode,
        vfs_profile=body.vfs_profile,
        created_by=caller.user_id,
        due_shard=syncs.DUE_SHARD,
        next_sync_at=utcnow(),
    )
    moved(project.project_id)
    row.save(condition=CloudMount.mount_id.does_not_exist())
    try:
        syncs.queue_sync(row.mount_id, project.project_id, owner_id=caller.user_id)
    except ServiceUnavailableError:
        logger.warning("first mount sync not queued; the tick will", extra={"mount_id": row.mount_id})
    return _view(syncs.row(row.mount_id))


def update(caller: Principal, project_id: str, mount_id: str, body: MountPatch) -> Mount:
    """Change a mount; a new path or drive folder starts it over (unmounted, synced afresh)."""
    mount = _changeable(caller, project_id, mount_id)
    path = checked_path(body.path) if body.path is not None else mount.path
    remote_path = checked_remote_path(body.remote_path) if body.remote_path is not None else mount.remote_path
    if path != mount.path:
        _refuse_overlap(mount.project_id, path, besides=mount.mount_id)
    moved = (path, remote_path) != (mount.path, mount.remote_path)

    def apply(row: CloudMount) -> None:
        row.path, row.remote_path = path, remote_path
        row.access_mode = body.access_mode or row.access_mode
        row.vfs_profile = body.vfs_profile or row.vfs_profile
        if moved:
            row.health_status, row.last_sync_at, row.last_sync, row.last_error = (
                MountHealth.UNMOUNTED.value, None, None, None
            )  # fmt: skip
            row.next_sync_at = utcnow()

    return _view(syncs.change(mount.mount_id, apply))


def remove(caller: Principal, project_id: str, mount_id: str) -> None:
    """Delete a mount; the files already synced into the project stay, as ordinary files."""
    mount = _changeable(caller, project_id, mount_id)
    moved(mount.project_id)
    delete_all(CloudMount, [mount])


def sync(caller: Principal, project_id: str, mount_id: str) -> Mount:
    """Queue a sync of the mount now (a `drive.sync` job); the mount as it stands."""
    mount = _changeable(caller, project_id, mount_id)
    syncs.queue_sync(mount.mount_id, mount.project_id, owner_id=caller.user_id)
    return _view(syncs.row(mount.mount_id))


def mounts_for_project(project_id: str, generation: Future[Generation] | None = None) -> list[Mount]:
    """A project's mounts by path, for the runner (before and after a job) and the routes.

    With the generation of the project's mounts read already (`generations.mounts_key`, moved on whenever a mount
    comes or goes), a project this process saw without mounts at that generation is not asked again: a chat
    turn in a project with no drives makes no query. Mounts are listed through an index, which may not show a
    change at once: a generation that moved lately is not trusted to be seen yet."""
    seen = generation.result() if generation is not None else None
    if seen is not None and _NONE_AT.get(project_id) == seen.number:
        return []
    views = _listed(project_id)
    if seen is not None:
        if views or seen.moved_within(INDEX_SETTLE_SECONDS):
            _NONE_AT.pop(project_id)
        else:
            _NONE_AT.put(project_id, seen.number)
    return views


def moved(project_id: str) -> None:
    """Say that a mount of the project is about to come or go (before the change: a runner does not trust a
    generation that moved within INDEX_SETTLE_SECONDS, so it asks again until the change is there and seen; a
    change that then fails moved it for nothing)."""
    generations.invalidate(generations.mounts_key(project_id))


INDEX_SETTLE_SECONDS = 10.0  # a change of mounts is taken as seen by the by_project index after this long
_NONE_AT = Kept[str, int](entries=10_000)  # project → the generation of its mounts at which it had none
on_bind(_NONE_AT.clear)


def _listed(project_id: str) -> list[Mount]:
    rows = list(CloudMount.by_project.query(project_id))
    found = connections.rows({row.connection_id for row in rows}) if rows else {}
    kinds = {provider_id: providers.row(provider_id) for provider_id in {c.provider_id for c in found.values()}}
    views = []
    for row in rows:
        connection = found.get(row.connection_id)
        views.append(Mount.of(row, connection, kinds.get(connection.provider_id) if connection else None))
    return views


def is_read_only_path(project_id: str, path: str, *, recursive: bool = False) -> Mount | None:
    """The read-only mount that holds `path` (or, `recursive`: that `path` holds, for deleting or moving a folder)."""
    wanted = path.strip().strip("/").casefold()
    for mount in mounts_for_project(project_id):
        folder = mount.path.casefold()
        inside = wanted == folder or wanted.startswith(f"{folder}/")
        around = recursive and (wanted == "" or folder.startswith(f"{wanted}/"))
        if mount.read_only and (inside or around):
            return mount
    return None


def check_writable(project_id: str, *paths: str, recursive: bool = False) -> None:
    """Refuse a change to files in a read-only mount, with a message that says which mount and what to do."""
    for path in paths:
        mount = is_read_only_path(project_id, path, recursive=recursive)
        if mount is not None:
            raise ReadOnlyMountError(
                f"'{path}' is in '{mount.path}', a read-only copy of the drive '{mount.connection_name or 'drive'}': "
                "change it on the drive, or make the mount read-write."
            )


def delete_for_project(project_id: str) -> int:
    deleted = delete_all(CloudMount, CloudMount.by_project.query(project_id))
    generations.forget(generations.mounts_key(project_id))  # the project is being deleted
    return deleted


def checked_path(path: str) -> str:
    """A mount's folder in the project (see the module's rules); the error names the problem."""
    folder = path.strip().strip("/")
    if not folder:
        raise ValidationError("A mount needs a folder inside the project, not the project's root.", code="invalid_path")
    safe_relative_path(folder)
    if any(segment.casefold() in _RESERVED for segment in folder.split("/")):
        raise ValidationError("A mount cannot be in or under .git or .claude.", code="invalid_path")
    return folder


def checked_remote_path(path: str) -> str:
    """A folder on the drive, "/" for its root."""
    folder = path.strip().strip("/")
    return f"/{safe_relative_path(folder)}" if folder else "/"


def _refuse_overlap(project_id: str, path: str, *, besides: str | None = None) -> None:
    mine = path.casefold()
    for other in CloudMount.by_project.query(project_id):
        theirs = other.path.casefold()
        if other.mount_id != besides and (
            mine == theirs or mine.startswith(f"{theirs}/") or theirs.startswith(f"{mine}/")
        ):
            raise MountOverlapError(f"'{path}' overlaps the mount at '{other.path}': choose a folder outside it.")


def _changeable(caller: Principal, project_id: str, mount_id: str) -> CloudMount:
    project = projects.open_project(caller, project_id, write=True)
    try:
        mount = syncs.row(mount_id)
    except MountGoneError:
        mount = None
    if mount is None or mount.project_id != project.project_id:
        raise MountGoneError("This project has no such mount.")
    connection = connections.row(mount.connection_id)
    if connection is not None:
        _may_use(caller, connection)
    elif not caller.is_admin:
        raise PermissionDeniedError("Only an administrator can change a mount whose connection is gone.")
    return mount


def _may_use(caller: Principal, connection: CloudConnection) -> None:
    if connection.user_id != caller.user_id and not caller.is_admin:
        raise PermissionDeniedError(
            "Only the connection's owner or an administrator can mount it or change its mounts.",
            code="connection_not_yours",
        )


def _view(row: CloudMount) -> Mount:
    connection = connections.row(row.connection_id)
    return Mount.of(row, connection, providers.row(connection.provider_id) if connection else None)
