"""WebSocket $disconnect: the connection stops following its chat session, and is forgotten."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes.api_gateway_websocket_event import APIGatewayWebSocketEvent

from shared.chat import followers
from shared.logs import logger


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event, context):  # type: ignore[no-untyped-def]
    followers.disconnect(APIGatewayWebSocketEvent(event).request_context.connection_id)
    return {"statusCode": 200}
