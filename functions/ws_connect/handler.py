"""WebSocket $connect: record the connection (with a TTL) and accept it."""

from aws_lambda_powertools.logging import correlation_paths

from shared.logs import logger
from shared.realtime import connections


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event, context):  # type: ignore[no-untyped-def]
    request = event["requestContext"]
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    connections.remember(
        request["connectionId"],
        source_ip=(request.get("identity") or {}).get("sourceIp"),
        user_agent=headers.get("user-agent"),
    )
    return {"statusCode": 200}
