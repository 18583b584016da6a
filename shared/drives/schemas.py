"""What clients send to the drives routes (docs/drives.md): providers, connections, mounts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints, model_validator

from shared.schema import Schema

ProviderType = Literal["onedrive", "sharepoint", "gdrive", "webdav", "s3"]
AccessMode = Literal["read-only", "read-write"]
VfsProfile = Literal["minimal", "default", "full"]
OAUTH_TYPES = ("onedrive", "sharepoint", "gdrive")

Id = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2048)]
ClientId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
# Tenant and drive ids go into URLs and rclone's configuration: a GUID, a domain, or a drive's own id.
TenantId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$")]
DRIVE_ID_PATTERN = r"^[A-Za-z0-9!_.:-]{1,200}$"
DriveId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=DRIVE_ID_PATTERN)]
Region = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9-]{1,40}$")]
Bucket = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AccessKeyId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9+/=_.-]{1,200}$")]
DrivePath = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024)]

# The fields each kind of provider has (beyond its name); any other is refused.
PROVIDER_FIELDS: dict[str, frozenset[str]] = {
    "onedrive": frozenset(
        {"client_id", "client_secret", "tenant_id", "drive_id", "authorize_url", "token_url", "api_url"}
    ),
    "sharepoint": frozenset({"client_id", "client_secret", "tenant_id", "drive_id", "authorize_url", "token_url"}),
    "gdrive": frozenset({"client_id", "client_secret", "drive_id", "authorize_url", "token_url"}),
    "webdav": frozenset({"url"}),
    "s3": frozenset({"endpoint", "region", "bucket"}),
}
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "onedrive": ("client_id", "client_secret"),
    "sharepoint": ("client_id", "client_secret", "tenant_id", "drive_id"),  # the document library
    "gdrive": ("client_id", "client_secret"),
    "webdav": ("url",),
    "s3": ("bucket",),
}
_OPTIONAL = ("display_name", "provider_type")


class ProviderSettings(Schema):
    """The settings of a provider; which apply depends on its type (PROVIDER_FIELDS)."""

    client_id: ClientId | None = None
    client_secret: Secret | None = None
    tenant_id: TenantId | None = None
    drive_id: DriveId | None = None
    authorize_url: Url | None = None
    token_url: Url | None = None
    api_url: Url | None = None  # Microsoft Graph, for OneDrive
    url: Url | None = None
    endpoint: Url | None = None
    region: Region | None = None
    bucket: Bucket | None = None

    def given(self) -> set[str]:
        """The settings the client sent (a null clears an optional one on PATCH)."""
        return {name for name in self.model_fields_set if name not in _OPTIONAL}

    def refuse_foreign(self, provider_type: str) -> None:
        foreign = sorted(self.given() - PROVIDER_FIELDS[provider_type])
        if foreign:
            names = ", ".join(f"'{_camel(name)}'" for name in foreign)
            raise ValueError(f"A {provider_type} provider has no {names}.")


class ProviderIn(ProviderSettings):
    provider_type: ProviderType
    display_name: Name

    @model_validator(mode="after")
    def _fits_its_type(self) -> ProviderIn:
        self.refuse_foreign(self.provider_type)
        missing = [name for name in REQUIRED_FIELDS[self.provider_type] if getattr(self, name) is None]
        if missing:
            raise ValueError(needs(self.provider_type, missing))
        return self


class ProviderPatch(ProviderSettings):
    """The settings to change; a new client secret replaces the stored one, none keeps it."""

    display_name: Name | None = None


class ConnectionIn(Schema):
    """A connection through a provider: OAuth kinds sign in afterwards, WebDAV and S3 bring their credential."""

    provider_id: Id
    display_name: Name
    username: Username | None = None
    password: Secret | None = None
    access_key_id: AccessKeyId | None = None
    secret_access_key: Secret | None = None


class MountIn(Schema):
    connection_id: Id
    path: DrivePath
    remote_path: DrivePath = "/"
    access_mode: AccessMode = "read-only"
    vfs_profile: VfsProfile = "default"


class MountPatch(Schema):
    path: DrivePath | None = None
    remote_path: DrivePath | None = None
    access_mode: AccessMode | None = None
    vfs_profile: VfsProfile | None = None

    @model_validator(mode="after")
    def _something(self) -> MountPatch:
        if not any(getattr(self, name) is not None for name in self.model_fields_set):
            raise ValueError("Give at least one of 'path', 'remotePath', 'accessMode', 'vfsProfile'.")
        return self


def needs(provider_type: str, missing: list[str]) -> str:
    """What a provider of this type still needs, as the API names it (and what it is, where the name is not enough)."""
    names = ", ".join(_EXPLAINED.get((provider_type, name), f"'{_camel(name)}'") for name in missing)
    return f"A {provider_type} provider needs {names}."


_EXPLAINED = {
    ("sharepoint", "drive_id"): "'driveId' (the drive id of the document library to use, as Microsoft Graph lists it "
    "under /sites/{site-id}/drives)",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
