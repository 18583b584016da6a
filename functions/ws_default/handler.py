"""WebSocket $default: route the client's message on its `action`; replies go out as events."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes.api_gateway_websocket_event import APIGatewayWebSocketEvent

from shared.logs import logger
from shared.realtime import connections
from shared.ws import standing
from shared.ws.actions import dispatch


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event, context):  # type: ignore[no-untyped-def]
    message = APIGatewayWebSocketEvent(event)
    request = message.request_context
    identity = connections.caller(request.connection_id)  # kept once read: it never changes
    try:
        account = standing.caller(identity) if identity is not None else None
    except standing.SignedOutError:
        standing.end(request.connection_id)  # signed out since it connected: say so, close it
        return {"statusCode": 200}
    dispatch(
        connection_id=request.connection_id,
        user_id=identity.user_id if identity else None,
        account=account,
        request_id=request.request_id or request.message_id or context.aws_request_id,
        body=message.body,
        is_base64=bool(message.is_base64_encoded),
        received_at_ms=int(request.request_time_epoch or 0),
    )
    return {"statusCode": 200}
