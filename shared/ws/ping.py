"""The `ping` action: answered with a `pong` by the runner, so the reply proves the whole loop works."""

from __future__ import annotations

from shared import jobs
from shared.realtime.messages import Ping
from shared.ws.router import ActionRequest, action


@action("ping", Ping)
def ping(request: ActionRequest, body: Ping) -> None:
    jobs.enqueue(
        "ping",
        {"connection_id": request.connection_id, "ping_id": body.id, "received_at_ms": request.received_at_ms},
        # One group per connection: a client's pings are answered in the order they were sent.
        group_id=f"conn-{request.connection_id}",
        owner_id=request.user_id,
        correlation_id=request.request_id,
    )
