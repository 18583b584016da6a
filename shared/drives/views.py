"""What the drives API shows (docs/drives.md): never a secret, only a hint of one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.drives.schemas import AccessMode, ProviderType, VfsProfile
from shared.models.cloud import CloudConnection, CloudMount, CloudProvider
from shared.schema import Count, View


class Provider(View):
    """A provider as the admin screen shows it: its settings, and whether (a hint of) a client secret is stored."""

    provider_id: str
    provider_type: ProviderType
    display_name: str
    client_id: str | None = None
    has_client_secret: bool = False
    client_secret_hint: str | None = None
    tenant_id: str | None = None
    drive_id: str | None = None
    authorize_url: str | None = None
    token_url: str | None = None
    api_url: str | None = None
    url: str | None = None
    endpoint: str | None = None
    region: str | None = None
    bucket: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: CloudProvider) -> Provider:
        return cls.model_validate({**_values(row), "has_client_secret": row.client_secret_encrypted is not None})


class Connection(View):
    """A connection: whose it is, through which provider, and whether it may be used (`status`)."""

    connection_id: str
    provider_id: str
    provider_type: ProviderType | None = None  # None: its provider is gone
    provider_name: str | None = None
    display_name: str | None = None
    user_id: str  # its owner: who created it
    owner_name: str | None = None
    status: str
    last_error: str | None = None
    account_email: str | None = None
    credential_hint: str | None = None
    drive_id: str | None = None  # OneDrive: the drive the sign-in opened (not a secret)
    drive_type: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: CloudConnection, provider: CloudProvider | None, owner_name: str | None = None) -> Connection:
        joined = {"provider_type": provider.provider_type, "provider_name": provider.display_name} if provider else {}
        return cls.model_validate({**_values(row), **joined, "owner_name": owner_name})


class OAuthStart(View):
    """Where to send the popup; the state is the callback's only credential, valid for ten minutes, once."""

    authorize_url: str
    state: str
    expires_at: datetime


class LastSync(View):
    pulled: Count = 0
    pushed: Count = 0
    deleted: Count = 0
    conflicts: list[str] = []


class Mount(View):
    """A drive folder synced into a project folder, and how its last sync went."""

    mount_id: str
    connection_id: str
    connection_name: str | None = None
    provider_type: ProviderType | None = None
    project_id: str
    path: str
    remote_path: str
    access_mode: AccessMode
    vfs_profile: VfsProfile
    health_status: str
    last_sync_at: datetime | None = None
    last_error: str | None = None
    last_sync: LastSync | None = None

    @classmethod
    def of(cls, row: CloudMount, connection: CloudConnection | None, provider: CloudProvider | None) -> Mount:
        joined = {
            "connection_name": connection.display_name if connection else None,
            "provider_type": provider.provider_type if provider else None,
        }
        return cls.model_validate({**_values(row), **joined})

    @property
    def read_only(self) -> bool:
        return self.access_mode == "read-only"


def _values(row: Any) -> dict[str, Any]:
    return dict(row.attribute_values)
