"""Cloud drives: providers an admin configured, connections to accounts on them, sealed credentials, and mounts."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection

from shared.models.base import StudioModel, utcnow
from shared.models.fields import SealedSecret


class ProviderType(StrEnum):
    """The same values as the runner's `shared.drives.access.DriveKind`."""

    ONEDRIVE = "onedrive"
    SHAREPOINT = "sharepoint"
    GDRIVE = "gdrive"
    WEBDAV = "webdav"  # a URL; a user name and password per connection
    S3 = "s3"  # an endpoint, region and bucket; access keys per connection


class ConnectionStatus(StrEnum):
    PENDING = "pending"  # an OAuth denial leaves it here
    AUTHORIZED = "authorized"
    ERROR = "error"  # a refresh was refused; the user must authorize again


class VfsProfile(StrEnum):
    """How eagerly a mount syncs (shared.drives.profiles says the intervals)."""

    MINIMAL = "minimal"
    DEFAULT = "default"
    FULL = "full"


class AccessMode(StrEnum):
    READ_ONLY = "read-only"
    READ_WRITE = "read-write"


class MountHealth(StrEnum):
    UNMOUNTED = "unmounted"
    MOUNTING = "mounting"
    MOUNTED = "mounted"
    DEGRADED = "degraded"


class CloudProvider(StudioModel):
    """A drive an admin configured: an OAuth application, or a WebDAV server or S3 bucket (few rows: a Scan)."""

    class Meta:
        logical_name = "cloud_providers"

    provider_id = UnicodeAttribute(hash_key=True)
    provider_type = UnicodeAttribute()  # ProviderType
    display_name = UnicodeAttribute()
    # OAuth kinds (onedrive, sharepoint, gdrive)
    client_id = UnicodeAttribute(null=True)
    client_secret_encrypted = SealedSecret(null=True)
    client_secret_hint = UnicodeAttribute(null=True)  # its last 4 characters, for the admin screen
    tenant_id = UnicodeAttribute(null=True)  # SharePoint / OneDrive for Business
    drive_id = UnicodeAttribute(null=True)  # a particular drive (a document library, a shared drive)
    authorize_url = UnicodeAttribute(null=True)  # overrides of the provider's own endpoints
    token_url = UnicodeAttribute(null=True)
    api_url = UnicodeAttribute(null=True)  # OneDrive: Microsoft Graph's base URL, asked which drive a sign-in opens
    # WebDAV
    url = UnicodeAttribute(null=True)
    # S3-compatible
    endpoint = UnicodeAttribute(null=True)
    region = UnicodeAttribute(null=True)
    bucket = UnicodeAttribute(null=True)
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
    oauth_verifier = SealedSecret(null=True)  # the PKCE code verifier of that state, removed with it
    credential_hint = UnicodeAttribute(null=True)  # last 4 characters of a WebDAV password or S3 secret key
    # OneDrive without a provider drive id: the signed-in person's drive, as Graph's /me/drive named it at the callback
    drive_id = UnicodeAttribute(null=True)
    drive_type = UnicodeAttribute(null=True)  # personal | business | documentLibrary
    last_error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_provider = ConnectionsByProviderIndex()
    by_user = CloudConnectionsByUserIndex()
    by_oauth_state = ConnectionsByOAuthStateIndex()


class CloudCredential(StudioModel):
    """The sealed secret of one connection: OAuth tokens, or a WebDAV password, or S3 access keys."""

    class Meta:
        logical_name = "cloud_credentials"

    connection_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    # JSON sealed with AES-256-GCM: {"access_token", "refresh_token", "expires_at", "token_type", "scope"},
    # {"username", "password"} or {"access_key_id", "secret_access_key"}
    tokens = SealedSecret()
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


class MountsDueIndex(GlobalSecondaryIndex["CloudMount"]):
    """Mounts by when their next periodic sync is due (the tick's Query `next_sync_at <= now`, never a scan)."""

    class Meta:
        index_name = "due-by-next-sync"
        projection = IncludeProjection(["project_id", "connection_id"])

    due_shard = UnicodeAttribute(hash_key=True)
    next_sync_at = UTCDateTimeAttribute(range_key=True)


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
    vfs_profile = UnicodeAttribute(default=VfsProfile.DEFAULT.value)  # how eagerly it syncs (VfsProfile)
    health_status = UnicodeAttribute(default=MountHealth.UNMOUNTED.value)
    last_sync_at = UTCDateTimeAttribute(null=True)
    last_sync = JSONAttribute(null=True)  # {"pulled", "pushed", "deleted", "conflicts": [paths]} of the last sync
    last_error = UnicodeAttribute(null=True)
    # Mounts are few: one shard holds them all ("due"); next_sync_at moves on each time a sync is queued or reported.
    due_shard = UnicodeAttribute(null=True)
    next_sync_at = UTCDateTimeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    # The admin edits a mount while a runner reports sync health on it.
    version = VersionAttribute()

    by_connection = MountsByConnectionIndex()
    by_project = MountsByProjectIndex()
    due_by_next_sync = MountsDueIndex()
