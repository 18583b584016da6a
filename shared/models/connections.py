"""WebSocket connections: one record per open browser or integration connection."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from shared.models.base import StudioModel, utcnow


class ConnectionsByUserIndex(GlobalSecondaryIndex["Connection"]):
    """Sparse: authenticated connections of a user (fan-out of user events, cascade on delete)."""

    class Meta:
        index_name = "by-user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)
    connected_at = UTCDateTimeAttribute(range_key=True)


class Connection(StudioModel):
    """An open WebSocket connection; expires with API Gateway's two-hour connection limit."""

    class Meta:
        logical_name = "connections"

    connection_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(null=True)
    connected_at = UTCDateTimeAttribute(default=utcnow)
    source_ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    # The chat session this connection follows (chat.send, session.resume); the session lists it as a follower.
    session_id = UnicodeAttribute(null=True)
    # How it proved itself at $connect, checked again by every action (a password change or sign out everywhere
    # moves the account's token version on; a revoked key is inactive): null on rows written before.
    token_version = NumberAttribute(null=True)
    api_key_id = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()

    by_user = ConnectionsByUserIndex()
