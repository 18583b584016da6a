"""Integration runs: a prompt run by API key as a chat turn, polled by id, reported by a signed callback."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from shared.models.base import StudioModel, utcnow


class CallbackStatus(StrEnum):
    PENDING = "pending"  # the turn runs, or a delivery failed and will be tried again
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # refused (4xx, private address, key gone) or out of attempts


class RunsByUserIndex(GlobalSecondaryIndex["IntegrationRun"]):
    """The runs a user started, oldest first (the delete-user cascade)."""

    class Meta:
        index_name = "by-user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class IntegrationRun(StudioModel):
    """One prompt run through the integrations API: the chat turn it became and its callback's delivery."""

    class Meta:
        logical_name = "integration_runs"

    run_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    key_id = UnicodeAttribute(null=True)  # None when started with a session token (such runs have no callback)
    project_id = UnicodeAttribute()
    # The turn is found from the run by these; the run is found from the turn by its client message id.
    session_id = UnicodeAttribute(null=True)
    turn = NumberAttribute(null=True)
    # "queued" until the turn ends, then its terminal status; the live status is the turn's own.
    status = UnicodeAttribute(default="queued")
    metadata = JSONAttribute(null=True)  # echoed back in the callback
    callback_url = UnicodeAttribute(null=True)
    callback_status = UnicodeAttribute(null=True)  # CallbackStatus; None without a callback URL
    callback_attempts = NumberAttribute(default=0)
    callback_http_status = NumberAttribute(null=True)  # the receiver's last answer
    callback_error = UnicodeAttribute(null=True)
    callback_at = UTCDateTimeAttribute(null=True)  # the last delivery attempt
    created_at = UTCDateTimeAttribute(default=utcnow)
    finished_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()

    by_user = RunsByUserIndex()
