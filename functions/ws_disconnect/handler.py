"""WebSocket $disconnect: forget the connection."""

from aws_lambda_powertools.logging import correlation_paths

from shared.logs import logger
from shared.realtime import connections


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event, context):  # type: ignore[no-untyped-def]
    connections.forget(event["requestContext"]["connectionId"])
    return {"statusCode": 200}
