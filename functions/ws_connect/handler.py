"""WebSocket $connect: accept only a valid session token (?token=) or API key (X-API-Key), then record it."""

import json

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes.api_gateway_websocket_event import APIGatewayWebSocketEvent

from shared.accounts import callers
from shared.errors import StudioError
from shared.logs import logger
from shared.realtime import connections


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event, context):  # type: ignore[no-untyped-def]
    request = APIGatewayWebSocketEvent(event)
    try:
        caller = callers.identify(
            bearer=request.query_string_parameters.get("token"), api_key=request.headers.get("x-api-key")
        )
    except StudioError as exc:
        caller, reason = None, exc.message
    else:
        reason = "Sign in first: connect with ?token=<session token> or an X-API-Key header."
    if caller is None:
        # Refused before any record is written; API Gateway answers the upgrade with this status.
        logger.info("websocket connection refused", extra={"reason": reason})
        return {"statusCode": 401, "body": json.dumps({"error": {"code": "unauthenticated", "message": reason}})}
    connections.remember(
        request.request_context.connection_id,
        user_id=caller.user_id,
        source_ip=request.request_context.identity.source_ip,
        user_agent=request.headers.get("user-agent"),
        # Every action checks these again: a password change, sign out everywhere or a revoked key ends it.
        token_version=int(caller.user.token_version or 0) if caller.via == "token" else None,
        api_key_id=caller.api_key_id,
    )
    return {"statusCode": 200}
