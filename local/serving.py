"""The gateway served by uvicorn on 127.0.0.1, under the supervisor's signal handlers (local/stack.py)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import uvicorn

from local.children import ROOT
from local.data_folder import local_secrets

# How long open HTTP and WebSocket connections may take to finish once the gateway stops.
SHUTDOWN_SECONDS = 5


class GatewayServer(uvicorn.Server):
    """uvicorn that leaves the signals to the supervisor and says when its port is bound.

    uvicorn's own handlers would raise the signal again once it stopped, which interrupts the supervisor's
    shutdown with a traceback; the supervisor's handler sets `should_exit` (and `force_exit` the second time).
    """

    def __init__(self, config: uvicorn.Config, *, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_started = on_started

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.on_started()


def gateway_server(data_dir: Path, port: int, *, on_started: Callable[[], None]) -> GatewayServer:
    """The SPA, /api, /ws and @connections on 127.0.0.1:`port`, ready to `run()`."""
    from local.gateway import Gateway, Handlers
    from local.mailbox import Mailbox

    keys = local_secrets(data_dir)
    gateway = Gateway(
        web_dir=ROOT / "web",
        handlers=Handlers.load(),
        credentials={keys["aws_access_key_id"]: keys["aws_secret_access_key"]},
        mailbox=Mailbox(data_dir / "mail", keys["postmark_token"], keys["local_token"]),
    )
    config = uvicorn.Config(
        gateway.app(),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
        lifespan="off",  # the gateway has no startup or shutdown work; a forced stop then cancels nothing
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )
    return GatewayServer(config, on_started=on_started)
