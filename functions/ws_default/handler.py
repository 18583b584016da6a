"""WebSocket $default: route the client's message on its `action`; replies go out as events."""

from aws_lambda_powertools.logging import correlation_paths

from shared.logs import logger
from shared.realtime import connections
from shared.ws.actions import dispatch


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event, context):  # type: ignore[no-untyped-def]
    request = event["requestContext"]
    connection_id = request["connectionId"]
    dispatch(
        connection_id=connection_id,
        user_id=connections.owner_of(connection_id),
        request_id=request.get("requestId") or request.get("messageId") or context.aws_request_id,
        body=event.get("body"),
        is_base64=bool(event.get("isBase64Encoded")),
        received_at_ms=int(request.get("requestTimeEpoch") or 0),
    )
    return {"statusCode": 200}
