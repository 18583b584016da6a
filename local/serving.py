"""The gateway served by uvicorn on 127.0.0.1, under the supervisor's signal handlers (local/stack.py)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from local.children import ROOT
from local.data_folder import local_secrets

if TYPE_CHECKING:
    from local.gateway import Handlers

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


def load_handlers() -> Future[Handlers]:
    """Start importing the functions' handlers (the API's modules: a second or two) in a thread of their own, so
    that the stack starts the local AWS meanwhile."""
    from local.gateway import Handlers

    loading: Future[Handlers] = Future()

    def load() -> None:
        try:
            loading.set_result(Handlers.load())
        except BaseException as exc:  # the stack raises it when it serves
            loading.set_exception(exc)

    threading.Thread(target=load, name="load-handlers", daemon=True).start()
    return loading


def gateway_server(
    data_dir: Path, port: int, *, on_started: Callable[[], None], handlers: Future[Handlers] | None = None
) -> GatewayServer:
    """The SPA, /api, /ws and @connections on 127.0.0.1:`port`, ready to `run()`."""
    from local.gateway import Gateway
    from local.mailbox import Mailbox

    keys = local_secrets(data_dir)
    gateway = Gateway(
        web_dir=ROOT / "web",
        handlers=(handlers or load_handlers()).result(),
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
