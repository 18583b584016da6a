"""Cloud drives: OAuth providers, a user's authorized connections, their sealed tokens, and mounts."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from shared.models.base import StudioModel, utcnow
from shared.models.fields import SealedSecret


class ProviderType(StrEnum):
    ONEDRIVE = "onedrive"
    SHAREPOINT = "sharepoint"
    GDRIVE = "gdrive"


class ConnectionStatus(StrEnum):
    PENDING = "pending"  # an OAuth denial leaves it here
    AUTHORIZED = "authorized"
    ERROR = "error"  # a refresh was refused; the user must authorize again


class AccessMode(StrEnum):
    READ_ONLY = "read-only"
    READ_WRITE = "read-write"


class MountHealth(StrEnum):
    UNMOUNTED = "unmounted"
    MOUNTING = "mounting"
    MOUNTED = "mounted"
    DEGRADED = "degraded"


class CloudProvider(StudioModel):
    """An OAuth application an admin registered for one drive type (few rows: listed by Scan)."""

    class Meta:
        logical_name = "cloud_providers"

    provider_id = UnicodeAttribute(hash_key=True)
    provider_type = UnicodeAttribute()  # ProviderType
    display_name = UnicodeAttribute()
    client_id = UnicodeAttribute()
    client_secret_encrypted = SealedSecret(null=True)
    tenant_id = UnicodeAttribute(null=True)  # SharePoint / OneDrive for Business
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)


class ConnectionsByProviderIndex(GlobalSecondaryIndex["CloudConnection"]):
    """The connections made through a provider (deleting or reconfiguring a provider)."""

    class Meta:
        index_name = "by-provider"
        projection = KeysOnlyProjection()

    provider_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class CloudConnectionsByUserIndex(GlobalSecondaryIndex["CloudConnection"]):
    """A user's connections (settings page; the delete-user cascade)."""

    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ConnectionsByOAuthStateIndex(GlobalSecondaryIndex["CloudConnection"]):
    """Sparse: connections waiting for an OAuth callback, by the SHA-256 of the state they sent."""

    class Meta:
        index_name = "by-oauth-state"
        projection = KeysOnlyProjection()

    oauth_state_hash = UnicodeAttribute(hash_key=True)


class CloudConnection(StudioModel):
    """One account on a drive, authorized through a provider by a user."""

    class Meta:
        logical_name = "cloud_connections"

    connection_id = UnicodeAttribute(hash_key=True)
    provider_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    display_name = UnicodeAttribute(null=True)
    account_email = UnicodeAttribute(null=True)  # who authorized, as the drive reports it
    status = UnicodeAttribute(default=ConnectionStatus.PENDING.value)
    # Set by /start, removed by the callback (so the index stays small and a state is single use);
    # the callback also checks the expiry, since the index holds the hash until then.
    oauth_state_hash = UnicodeAttribute(null=True)
    oauth_state_expires_at = UTCDateTimeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_provider = ConnectionsByProviderIndex()
    by_user = CloudConnectionsByUserIndex()
    by_oauth_state = ConnectionsByOAuthStateIndex()


class CloudCredential(StudioModel):
    """The sealed OAuth tokens of one connection (access and refresh token in one envelope)."""

    class Meta:
        logical_name = "cloud_credentials"

    connection_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    tokens = SealedSecret()  # JSON {"access_token", "refresh_token", "scope"} sealed with AES-256-GCM
    access_expires_at = UTCDateTimeAttribute(null=True)
    refreshed_at = UTCDateTimeAttribute(default=utcnow)
    # Two runners may refresh at once and drives rotate refresh tokens: the loser of the version check
    # must reload and use the winner's tokens, or it would store a refresh token already spent.
    version = VersionAttribute()


class MountsByConnectionIndex(GlobalSecondaryIndex["CloudMount"]):
    """The mounts that use a connection (disconnect and cascade)."""

    class Meta:
        index_name = "by-connection"
        projection = KeysOnlyProjection()

    connection_id = UnicodeAttribute(hash_key=True)
    path = UnicodeAttribute(range_key=True)


class MountsByProjectIndex(GlobalSecondaryIndex["CloudMount"]):
    """The mounts of a project, synced by the runner before and after each job in it."""

    class Meta:
        index_name = "by-project"
        projection = AllProjection()

    project_id = UnicodeAttribute(hash_key=True)
    path = UnicodeAttribute(range_key=True)


class CloudMount(StudioModel):
    """A drive folder synced into a project path by rclone (Fargate has no FUSE, so no real mount)."""

    class Meta:
        logical_name = "cloud_mounts"

    mount_id = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute()
    project_id = UnicodeAttribute()
    path = UnicodeAttribute()  # inside the project root
    remote_path = UnicodeAttribute(default="/")  # the folder on the drive
    access_mode = UnicodeAttribute(default=AccessMode.READ_ONLY.value)
    vfs_profile = UnicodeAttribute(default="default")  # how eagerly rclone syncs (cache mode, intervals)
    health_status = UnicodeAttribute(default=MountHealth.UNMOUNTED.value)
    last_sync_at = UTCDateTimeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    # The admin edits a mount while a runner reports sync health on it.
    version = VersionAttribute()

    by_connection = MountsByConnectionIndex()
    by_project = MountsByProjectIndex()
