"""post_to_connection with the failure handling API Gateway needs.

GoneException means the client left: the connection record is deleted and the caller carries on (events it
missed stay in the session log; a session it followed drops it at its next event: shared.chat.events).
Throttling is retried with backoff by botocore's standard retry mode.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared import aws
from shared.logs import logger
from shared.realtime import connections
from shared.realtime.events import encode
from shared.settings import get_settings


def _management_client() -> Any:
    return aws.client("apigatewaymanagementapi", get_settings().ws_endpoint)


def post_event(connection_id: str, event: dict[str, Any]) -> bool:
    """Send one event to one connection; False when the connection is gone."""
    data = encode(event)
    try:
        _management_client().post_to_connection(ConnectionId=connection_id, Data=data)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("GoneException", "410"):
            logger.info("connection gone; forgetting it", extra={"connection_id": connection_id})
            connections.forget(connection_id)
            return False
        raise
    return True


def post_to_user(user_id: str, event: dict[str, Any]) -> None:
    """Best effort, to every open connection of the user (the sender's record of the event is what counts).

    An event too large for one frame raises EventTooLargeError before anything is sent; any other failure of
    one connection is logged and the others still get it.
    """
    encode(event)  # too large: say so before sending to anyone
    for connection_id in connections.of_user(user_id):
        try:
            post_event(connection_id, event)
        except (ClientError, BotoCoreError):
            logger.warning("could not post an event", extra={"connection_id": connection_id, "type": event.get("type")})


def disconnect(connection_id: str) -> None:
    """Ask API Gateway to close a connection; one that is already gone is fine."""
    try:
        _management_client().delete_connection(ConnectionId=connection_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("GoneException", "410"):
            logger.warning("could not close a connection", extra={"connection_id": connection_id})


def disconnect_user(user_id: str) -> int:
    """Close every connection of a user at API Gateway and forget them; returns how many."""
    open_ids = connections.of_user(user_id)
    for connection_id in open_ids:
        disconnect(connection_id)
    return connections.forget_all(open_ids)
