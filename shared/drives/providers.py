"""Providers: the drives an admin configured (`cloud_providers`), with the OAuth client secret sealed.

An OAuth provider (onedrive, sharepoint, gdrive) is an application registered with Microsoft or Google: its client
id and secret, a tenant for Microsoft's business drives, a drive id (required for SharePoint: the document library),
and optionally its own authorize and token URLs (an identity proxy, or a fake server in tests) and, for OneDrive,
Microsoft Graph's (`graph.py`). A WebDAV provider is a URL and an S3 provider a bucket; their credentials come with
each connection. A provider is deleted only once no connection uses it (409 otherwise).
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from pynamodb.exceptions import DoesNotExist

from shared import crypto, net
from shared.drives.errors import ProviderInUseError
from shared.drives.schemas import (
    PROVIDER_FIELDS,
    REQUIRED_FIELDS,
    ProviderIn,
    ProviderPatch,
    ProviderSettings,
    needs,
)
from shared.drives.views import Provider
from shared.errors import NotFoundError, ValidationError
from shared.models.base import utcnow
from shared.models.cloud import CloudConnection, CloudProvider
from shared.settings import get_settings

HINT_LENGTH = 4
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_URL_FIELDS = ("authorize_url", "token_url", "api_url", "url", "endpoint")
_URL_NAMES = {
    "authorize_url": "authorize URL",
    "token_url": "token URL",
    "api_url": "Graph API URL",
    "url": "WebDAV URL",
}


def secret_context(provider_id: str) -> dict[str, str]:
    return {"purpose": "drive-provider", "provider": provider_id}


def list_all() -> list[Provider]:
    """Every provider (a handful: an admin screen's Scan), by name."""
    return sorted((Provider.of(row) for row in CloudProvider.scan()), key=lambda view: view.display_name.lower())


def create(body: ProviderIn, *, by: str) -> Provider:
    row = CloudProvider(
        uuid.uuid4().hex, provider_type=body.provider_type, display_name=body.display_name, created_by=by
    )
    _apply(row, body)
    row.save(condition=CloudProvider.provider_id.does_not_exist())
    return Provider.of(row)


def update(provider_id: str, body: ProviderPatch) -> Provider:
    row = existing(provider_id)
    try:
        body.refuse_foreign(row.provider_type)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid_request") from None
    lacking = _lacking(row, body)
    if lacking:
        raise ValidationError(needs(row.provider_type, lacking), code="invalid_request")
    if body.display_name:
        row.display_name = body.display_name
    _apply(row, body)
    row.updated_at = utcnow()
    row.save(condition=CloudProvider.provider_id.exists())
    return Provider.of(row)


def remove(provider_id: str) -> None:
    """Delete a provider no connection uses; with connections it is refused (delete them first)."""
    existing(provider_id)
    in_use = CloudConnection.by_provider.count(provider_id, limit=1)
    if in_use:
        raise ProviderInUseError(
            "Connections still use this provider: delete them (and their mounts) first, then the provider."
        )
    CloudProvider(provider_id).delete()


def row(provider_id: str) -> CloudProvider | None:
    """The provider's row, for the domain's own modules."""
    try:
        return CloudProvider.get(provider_id, consistent_read=True)
    except DoesNotExist:
        return None


def existing(provider_id: str) -> CloudProvider:
    found = row(provider_id)
    if found is None:
        raise NotFoundError("There is no such drive provider.", code="provider_not_found")
    return found


def client_secret(provider: CloudProvider) -> str | None:
    if provider.client_secret_encrypted is None:
        return None
    return crypto.unseal(provider.client_secret_encrypted, context=secret_context(provider.provider_id))


def checked_url(url: str, what: str) -> str:
    """An address the server or the runner will call: https, or http to this machine in local mode only."""
    local = get_settings().is_local
    checked = net.check_outbound_url(url, allow_private=local, resolve=False)
    parts = urlsplit(checked)
    if parts.scheme == "http" and not (local and parts.hostname in _LOOPBACK):
        raise ValidationError(
            f"The {what} must use https:// (plain http only to this machine, locally).", code="invalid_url"
        )
    if parts.fragment:
        raise ValidationError(f"The {what} may not have a #fragment.", code="invalid_url")
    return checked


def _apply(row: CloudProvider, body: ProviderSettings) -> None:
    """Copy the settings the client sent onto the row: URLs checked, the client secret sealed with a hint."""
    for name in body.given() & PROVIDER_FIELDS[row.provider_type]:
        value = getattr(body, name)
        if name == "client_secret":
            if value:  # a null keeps the stored secret: the admin screen never has it to send back
                row.client_secret_encrypted = crypto.seal(value, context=secret_context(row.provider_id))
                row.client_secret_hint = value[-HINT_LENGTH:] if len(value) > 2 * HINT_LENGTH else None
            continue
        if value and name in _URL_FIELDS:
            value = checked_url(value, _what(name))
        setattr(row, name, value or None)


def _lacking(row: CloudProvider, body: ProviderPatch) -> list[str]:
    """The required settings the provider would be without after this change (one stored before is kept)."""
    given = body.given()
    stored = {"client_secret": row.client_secret_encrypted}
    return [
        name
        for name in REQUIRED_FIELDS[row.provider_type]
        if not (getattr(body, name) if name in given else stored.get(name, getattr(row, name, None)))
    ]


def _what(name: str) -> str:
    return _URL_NAMES.get(name, "endpoint")
