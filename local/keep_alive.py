"""Kept-alive connections for the local AWS server: each call of the local stack goes on a connection its client
already holds, instead of a new connection (and a new server thread) per call.

Werkzeug's development server closes every connection after its response: http.server cannot tell what a request
left unread from the next request's line, so werkzeug reads whatever the socket still holds and closes. Here a
request's body is read whole before the application sees it (its Content-Length), so nothing is ever left unread:
the connection stays open for the next request, and werkzeug's drain after a response, which on a kept connection
would read into the next request, is turned off. A request whose length is not given (a chunked body) still has
its connection closed after it.

A response's head and body go out together, in one send, and at once (TCP_NODELAY): werkzeug writes them apart,
and each send wakes the client; on a kept connection a body sent apart would otherwise wait for the client's
delayed acknowledgement of the head, about 40 ms.

bench/local_aws.py measures a call with the connection closed after each and kept, in the same run.
"""

from __future__ import annotations

import io
import selectors
import socket
import weakref
from typing import Any

from werkzeug import serving

# What a response is gathered in before it is sent: werkzeug writes a response's head, then its body, then flushes.
RESPONSE_BUFFER_BYTES = 64 * 1024
# An idle connection's thread ends after this; the client opens a new connection for its next call.
IDLE_SECONDS = 300.0


# The sockets of kept connections whose request was read whole: werkzeug's drain has nothing to read on them.
_KEPT: weakref.WeakSet[socket.socket] = weakref.WeakSet()


class _DrainingOnlyWhatCloses:
    """What werkzeug's drain after a response uses of a selector: on a kept connection, nothing is ever ready to
    read; on any other (another server's, or one closing after a chunked request), the real selector."""

    def __init__(self) -> None:
        self._real = selectors.DefaultSelector()
        self._kept = False

    def register(self, fileobj: Any, events: int, data: Any = None) -> Any:
        if fileobj in _KEPT:
            self._kept = True
            return None
        return self._real.register(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[Any]:
        return [] if self._kept else self._real.select(timeout)

    def close(self) -> None:
        self._real.close()


class _Selectors:
    EVENT_READ = selectors.EVENT_READ
    DefaultSelector = _DrainingOnlyWhatCloses


def kept_alive(handler: type[serving.WSGIRequestHandler]) -> type[serving.WSGIRequestHandler]:
    """`handler`, keeping its connections open between requests (module docstring); werkzeug's other handlers
    are left as they are."""
    serving.selectors = _Selectors  # type: ignore[assignment]  # its drain, for kept connections only

    class KeptAlive(handler):  # type: ignore[valid-type,misc]
        timeout = IDLE_SECONDS
        wbufsize = RESPONSE_BUFFER_BYTES  # a response's head and body leave in one send, at werkzeug's flush
        _closing = True  # until a request's body is known to be read whole

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def make_environ(self) -> dict[str, Any]:
            environ: dict[str, Any] = super().make_environ()
            self._closing = bool(environ.get("wsgi.input_terminated"))  # chunked: its end is the stream's
            length = environ.get("CONTENT_LENGTH")
            if not self._closing and length:
                try:
                    size = int(length)
                except ValueError:
                    size = -1
                if size < 0:
                    self._closing = True
                else:
                    environ["wsgi.input"] = io.BytesIO(self.rfile.read(size))
            if self._closing:
                _KEPT.discard(self.connection)
            else:
                _KEPT.add(self.connection)
            return environ

        def handle_expect_100(self) -> bool:
            """'100 Continue' goes out at once: its client waits for it before it sends the body (rclone does)."""
            answered: bool = super().handle_expect_100()
            self.wfile.flush()
            return answered

        def send_header(self, keyword: str, value: str) -> None:
            if keyword.lower() == "connection" and value.lower() == "close" and not self._closing:
                return  # werkzeug says so after every response; kept open instead
            super().send_header(keyword, value)

    KeptAlive.__name__ = KeptAlive.__qualname__ = f"KeptAlive{handler.__name__}"
    return KeptAlive
