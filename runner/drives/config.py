"""One drive as an rclone remote: a config file (0600) in a private folder of the job's sandbox, gone after the sync.

    onedrive    type onedrive, client_id/secret, token, drive_id, drive_type personal|business (business when a
                tenant is set; the type Graph named at sign-in when the domain gives one), auth_url/token_url: the
                configured ones, else the tenant's when there is a tenant
    sharepoint  type onedrive, drive_type documentLibrary, the tenant's auth_url/token_url (or the configured ones)
    gdrive      type drive, client_id/secret, token, scope (default "drive"), team_drive = drive_id when set
    webdav      url, vendor (default other), user, pass (rclone-obscured)
    s3          provider Other with an endpoint, else AWS; access_key_id/secret_access_key, region; the bucket leads the
                remote path ("drive:<bucket>/<folder>"), never created (no_check_bucket)

Secrets live only in that file: never on rclone's command line (`ps`), never in its environment, and every message
that leaves this package passes `redact` with `RemoteConfig.secrets`. rclone writes a token it refreshed back into
the file; `RemoteConfig.refreshed_token()` reads it before the folder goes, so the domain can store it (Microsoft
rotates refresh tokens).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from runner.drives.errors import DriveConfigError, DriveSyncError
from runner.drives.health import Problem
from runner.drives.inifile import REMOTE, obscure, read_value, render
from shared import net
from shared.drives.access import DriveAccess, DriveKind, OAuthToken
from shared.logs import logger

MICROSOFT_LOGIN = "https://login.microsoftonline.com"
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$")
_DRIVE_SCOPE = re.compile(r"^drive(?:\.[a-z.]+)?(?:,drive(?:\.[a-z.]+)?)*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ID = re.compile(r"^[A-Za-z0-9_!.-]{1,200}$")
_REGION = re.compile(r"^(global|us|de|cn)$")
_EXTRA: dict[DriveKind, dict[str, re.Pattern[str]]] = {
    DriveKind.ONEDRIVE: {"drive_type": re.compile(r"^(personal|business|documentLibrary)$"), "region": _REGION},
    DriveKind.SHAREPOINT: {"drive_type": re.compile(r"^documentLibrary$"), "region": _REGION},
    DriveKind.GDRIVE: {"scope": _DRIVE_SCOPE, "root_folder_id": _ID},
    DriveKind.WEBDAV: {"vendor": re.compile(r"^(other|nextcloud|owncloud|sharepoint|sharepoint-ntlm)$")},
    DriveKind.S3: {
        "provider": re.compile(r"^(AWS|Alibaba|Ceph|Cloudflare|DigitalOcean|Dreamhost|IBMCOS|IDrive|IONOS|LyveCloud|"
                               r"Minio|Netease|Other|Scaleway|SeaweedFS|StackPath|Storj|TencentCOS|Wasabi)$"),
        "force_path_style": re.compile(r"^(true|false)$"),
    },
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RemoteConfig:
    """The written remote: its file, its private folder (also rclone's HOME, cache and temp), what to call it."""

    path: Path
    folder: Path
    root: str  # "drive:<folder on the drive>" (with the bucket first for S3)
    kind: DriveKind
    secrets: tuple[str, ...]
    owner: tuple[int, int] | None  # uid, gid rclone runs as; None: the runner's own
    token: OAuthToken | None

    def remote(self, relative: str = "") -> str:
        return f"{self.root}/{relative}" if relative and not self.root.endswith(":") else f"{self.root}{relative}"

    @property
    def flags(self) -> tuple[str, ...]:
        """Global flags this kind needs: S3 modification times from the listing, not one HEAD per object."""
        return ("--use-server-modtime",) if self.kind is DriveKind.S3 else ()

    def refreshed_token(self) -> OAuthToken | None:
        """The token in the file when rclone replaced ours (it refreshed an expired one), else None."""
        if self.token is None:
            return None
        try:
            raw = read_value(self.path.read_text(encoding="utf-8"), "token")
            data = json.loads(raw) if raw else None
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("access_token") in (None, self.token.access_token):
            return None
        return OAuthToken(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]) if data.get("refresh_token") else self.token.refresh_token,
            expires_at=_rfc3339(data.get("expiry")),
            token_type=str(data.get("token_type") or "Bearer"),
        )


@contextlib.contextmanager
def rclone_config(
    access: DriveAccess,
    remote_path: str,
    work_dir: Path,
    *,
    owner: tuple[int, int] | None = None,
    allow_private: bool = False,
) -> Iterator[RemoteConfig]:
    """Write the remote into a new private folder under `work_dir` (the job's TMPDIR); remove it afterwards."""
    options = section(access)
    root = remote_root(access, remote_path)
    check_endpoints(access, allow_private=allow_private)
    folder = Path(tempfile.mkdtemp(prefix="rclone-", dir=work_dir))
    try:
        path = folder / "rclone.conf"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(render(options))
        if owner is not None:  # rclone runs as the job's pool user and writes a refreshed token back
            for item in (folder, path):
                os.chown(item, *owner, follow_symlinks=False)
        yield RemoteConfig(path, folder, root, access.kind, secrets_of(access, options), owner, access.token)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def section(access: DriveAccess) -> dict[str, str]:
    """The remote's options, in the order they are written; a missing or unusable field raises DriveConfigError."""
    kind = access.kind
    if kind in (DriveKind.ONEDRIVE, DriveKind.SHAREPOINT):
        options = {"type": "onedrive", **_oauth(access), "drive_id": _required(access.drive_id, kind, "drive_id")}
        drive_type = (
            "documentLibrary" if kind is DriveKind.SHAREPOINT else "business" if access.tenant_id else "personal"
        )
        options["drive_type"] = drive_type
        tenant = access.tenant_id
        if kind is DriveKind.SHAREPOINT:
            tenant = _required(tenant, kind, "tenant_id")
        if tenant is not None and not _TENANT.match(tenant):
            raise DriveConfigError("The Microsoft tenant id is not valid.")
        options |= _urls(access, f"{MICROSOFT_LOGIN}/{tenant}/oauth2/v2.0" if tenant else None)
    elif kind is DriveKind.GDRIVE:
        options = {"type": "drive", **_oauth(access), "scope": "drive"}
        if access.drive_id:
            options["team_drive"] = access.drive_id
        options |= _urls(access, None)
    elif kind is DriveKind.WEBDAV:
        options = {"type": "webdav", "url": _required(access.url, kind, "url"), "vendor": "other"}
        if access.username:
            options["user"] = access.username
        if access.password:
            options["pass"] = obscure(access.password)
    elif kind is DriveKind.S3:
        _required(access.bucket, kind, "bucket")
        options = {"type": "s3", "provider": "Other" if access.endpoint else "AWS", "env_auth": "false",
                   "access_key_id": _required(access.access_key_id, kind, "access_key_id"),
                   "secret_access_key": _required(access.secret_access_key, kind, "secret_access_key")}  # fmt: skip
        if access.endpoint:
            options["endpoint"] = access.endpoint
        if access.region:
            options["region"] = access.region
        options["no_check_bucket"] = "true"
    else:  # pragma: no cover - DriveKind is closed
        raise DriveConfigError(f"Drives of kind {kind} are not supported.")
    return options | _extra(access)


def remote_root(access: DriveAccess, remote_path: str) -> str:
    """`drive:<folder>`; for S3 `drive:<bucket>/<folder>`. The folder is checked: no '..', '.', control characters."""
    folder = remote_path.strip().strip("/")
    parts = folder.split("/") if folder else []
    if len(folder) > 1024 or any(part in ("", ".", "..") or _CONTROL.search(part) for part in parts):
        raise DriveConfigError("The folder on the drive is not a valid path.")
    if access.kind is DriveKind.S3:
        bucket = str(access.bucket).strip("/")
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$", bucket):
            raise DriveConfigError("The bucket name is not valid.")
        parts = [bucket, *parts]
    return f"{REMOTE}:{'/'.join(parts)}"


def check_endpoints(access: DriveAccess, *, allow_private: bool) -> None:
    """The addresses rclone will call must be public, over https (a local stack may use its own, over http).

    rclone resolves the names again itself, so a DNS answer that changes in between is not caught here: this
    refuses a drive configured to point inside the network, it does not pin the address (git's remotes do).
    """
    urls = [access.url if access.kind is DriveKind.WEBDAV else None, access.token_url]
    if access.kind is DriveKind.S3 and access.endpoint:
        urls.append(access.endpoint if "://" in access.endpoint else f"https://{access.endpoint}")
    for url in filter(None, urls):
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
            raise DriveConfigError("A drive address must be an https:// URL without a user name or password.")
        if allow_private:
            continue
        if parts.scheme != "https":
            raise DriveConfigError("A drive address must use https://.")
        try:
            net.resolve_public(parts.hostname, parts.port or 443, allow_private=False)
        except net.PrivateAddressError:
            raise DriveConfigError(f"{parts.hostname} is a private or local address; drives must be public.") from None
        except net.UnresolvableHostError:
            raise DriveSyncError(Problem("unreachable", f"Cannot reach {parts.hostname}: host not found.")) from None


def secrets_of(access: DriveAccess, options: dict[str, str]) -> tuple[str, ...]:
    token = access.token
    values = (access.client_secret, access.password, options.get("pass"), access.secret_access_key,
              token.access_token if token else None, token.refresh_token if token else None)  # fmt: skip
    return tuple(value for value in values if value)


def _oauth(access: DriveAccess) -> dict[str, str]:
    kind = access.kind
    token = access.token
    if token is None:
        raise DriveConfigError(f"The {kind} connection has no token: sign in to the drive again.")
    data = {"access_token": token.access_token, "token_type": token.token_type or "Bearer"}
    if token.refresh_token:
        data["refresh_token"] = token.refresh_token
    if token.expires_at:
        data["expiry"] = _rfc3339(token.expires_at) or token.expires_at
    options = {"client_id": _required(access.client_id, kind, "client_id")}
    if access.client_secret:
        options["client_secret"] = access.client_secret
    return options | {"token": json.dumps(data, separators=(",", ":"))}


def _urls(access: DriveAccess, default_base: str | None) -> dict[str, str]:
    auth = access.authorize_url or (f"{default_base}/authorize" if default_base else None)
    token = access.token_url or (f"{default_base}/token" if default_base else None)
    return {key: value for key, value in (("auth_url", auth), ("token_url", token)) if value}


def _extra(access: DriveAccess) -> dict[str, str]:
    """The extra settings this kind allows, each checked; others are ignored (rclone options can run programs)."""
    allowed = _EXTRA.get(access.kind, {})
    chosen = {key: value for key, value in access.extra.items() if key in allowed and allowed[key].match(value)}
    ignored = sorted(set(access.extra) - set(chosen))
    if ignored:
        logger.warning("drive settings not passed to rclone", extra={"kind": access.kind.value, "keys": ignored})
    return chosen


def _required(value: str | None, kind: DriveKind, name: str) -> str:
    if not value:
        raise DriveConfigError(f"The {kind} connection has no {name}.")
    return value


def _rfc3339(value: object) -> str | None:
    """Go's time (`2026-12-06T10:34:20.061988187Z`, or with an offset) as RFC 3339 UTC to the second."""
    if not isinstance(value, str) or not value or value.startswith("0001-01-01"):
        return None
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$", value)
    if not match:
        return None
    moment = datetime.fromisoformat(match.group(1) + ("+00:00" if match.group(2) == "Z" else match.group(2)))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
