"""WebSocket $connect: accept only a valid session token (?token=) or API key (X-API-Key), then record it."""

import json

from aws_lambda_powertools.logging import correlation_paths

from shared.accounts import access
from shared.errors import StudioError
from shared.logs import logger
from shared.realtime import connections


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event, context):  # type: ignore[no-untyped-def]
    request = event["requestContext"]
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    query = event.get("queryStringParameters") or {}
    try:
        principal = access.resolve(bearer=query.get("token"), api_key=headers.get("x-api-key"))
    except StudioError as exc:
        principal, reason = None, exc.message
    else:
        reason = "Sign in first: connect with ?token=<session token> or an X-API-Key header."
    if principal is None:
        # Refused before any record is written; API Gateway answers the upgrade with this status.
        logger.info("websocket connection refused", extra={"reason": reason})
        return {"statusCode": 401, "body": json.dumps({"error": {"code": "unauthenticated", "message": reason}})}
    connections.remember(
        request["connectionId"],
        user_id=principal.user_id,
        source_ip=(request.get("identity") or {}).get("sourceIp"),
        user_agent=headers.get("user-agent"),
    )
    return {"statusCode": 200}
