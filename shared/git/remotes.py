"""A project's Git remotes: an HTTPS URL without credentials, and the token or password sealed beside it.

The `git_remotes` table, one row per remote; the runner reads the secret when a job pushes, pulls or fetches,
and hands it to git as a header, never in a URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pynamodb.exceptions import DoesNotExist

from shared import crypto, net
from shared.accounts.domain import Principal
from shared.db import delete_all
from shared.errors import NotFoundError, PermissionDeniedError, ValidationError
from shared.git.schemas import RemoteSetup
from shared.git.views import Remote
from shared.models.base import utcnow
from shared.models.git import GitRemote
from shared.models.projects import ProjectRole
from shared.projects import service as projects
from shared.projects.views import ADMIN_ROLE
from shared.settings import get_settings

HINT_LENGTH = 4
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True, slots=True)
class RemoteAccess:
    """What the runner needs to reach a remote: its URL and the credential, in the clear (runner only)."""

    name: str
    url: str
    username: str | None
    secret: str | None


def _context(project_id: str, name: str) -> dict[str, str]:
    return {"purpose": "git-remote", "project": project_id, "remote": name}


def list_for(project_id: str) -> list[Remote]:
    return [Remote.model_validate(row) for row in GitRemote.query(project_id)]


def put(caller: Principal, project_id: str, name: str, setup: RemoteSetup) -> Remote:
    """Add or change a remote; without a new token or password the stored one is kept."""
    _may_manage(caller, project_id)
    row = _row(project_id, name) or GitRemote(project_id, name)
    row.url = _checked_url(setup.url)
    row.username = setup.username or None
    secret = setup.token or setup.password
    if secret:
        row.secret = crypto.seal(secret, context=_context(project_id, name))
        row.credential = "token" if setup.token else "password"
        row.hint = secret[-HINT_LENGTH:]
    row.updated_by, row.updated_at = caller.user_id, utcnow()
    row.save()
    return Remote.model_validate(row)


def remove(caller: Principal, project_id: str, name: str) -> None:
    _may_manage(caller, project_id)
    row = _row(project_id, name)
    if row is None:
        raise NotFoundError(f"This project has no remote named '{name}'.", code="no_remote")
    row.delete()


def access(project_id: str, name: str) -> RemoteAccess | None:
    """The remote with its secret unsealed, for the runner's job; None when there is no such remote."""
    row = _row(project_id, name)
    if row is None:
        return None
    secret = crypto.unseal(row.secret, context=_context(project_id, name)) if row.secret else None
    return RemoteAccess(name, row.url, row.username, secret)


def delete_for_project(project_id: str) -> int:
    return delete_all(GitRemote, GitRemote.query(project_id))


def _row(project_id: str, name: str) -> GitRemote | None:
    try:
        return GitRemote.get(project_id, name, consistent_read=True)
    except DoesNotExist:
        return None


def _may_manage(caller: Principal, project_id: str) -> None:
    view = projects.open_project(caller, project_id)
    if view.role not in (ProjectRole.OWNER.value, ADMIN_ROLE) and not caller.is_admin:
        raise PermissionDeniedError(
            "Only the project's owner or an administrator can set its remotes.", code="owner_only"
        )


def _checked_url(url: str) -> str:
    checked = net.check_outbound_url(url, allow_private=get_settings().is_local, resolve=False)
    parts = urlsplit(checked)
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValidationError("A Git remote must use https:// (plain http only to this machine).", code="invalid_url")
    if parts.query or parts.fragment or parts.path in ("", "/"):
        raise ValidationError(
            "Give the repository's HTTPS URL, for example https://github.com/acme/handbook.git.", code="invalid_url"
        )
    return checked
