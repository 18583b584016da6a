"""The `ping` action: answered with a `pong` by the runner, so the reply proves the whole loop works."""

from __future__ import annotations

from shared import jobs
from shared.ws.router import ActionRequest, MessageError, action

MAX_PING_ID_LENGTH = 128


@action("ping")
def ping(request: ActionRequest) -> None:
    ping_id = request.message.get("id")
    if ping_id is not None and (not isinstance(ping_id, str) or len(ping_id) > MAX_PING_ID_LENGTH):
        raise MessageError(f"A ping 'id' must be a string of at most {MAX_PING_ID_LENGTH} characters.")
    jobs.enqueue(
        "ping",
        {"connection_id": request.connection_id, "ping_id": ping_id, "received_at_ms": request.received_at_ms},
        # One group per connection: a client's pings are answered in the order they were sent.
        group_id=f"conn-{request.connection_id}",
        owner_id=request.user_id,
        correlation_id=request.request_id,
    )
