"""The upstream side: HTTP/1.1 client connections with h11 over asyncio streams, kept alive in a small pool."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from functools import cache

import h11

from runner.gateway.errors import UpstreamError
from runner.gateway.upstream import Origin, Outgoing

CONNECT_TIMEOUT_SECONDS = 10.0
# The CLI drops a silent stream itself after CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS (clamped to at most 30 minutes),
# and a stream may legitimately pause for long; a shorter read timeout here would cut streams the CLI still
# waits for. This one only bounds an upstream that died without closing its connection.
READ_IDLE_TIMEOUT_SECONDS = 30 * 60.0
# An idle kept-alive connection older than this is closed rather than reused: servers drop idle connections,
# and a request written into one that is closing fails.
POOL_IDLE_SECONDS = 30.0
POOL_SIZE = 8  # idle connections kept per origin
READ_SIZE = 64 * 1024


class UpstreamConnection:
    """One HTTP/1.1 connection to an upstream; one request at a time."""

    def __init__(self, origin: Origin, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.origin = origin
        self.reused = False
        self.idle_since = time.monotonic()
        self._reader = reader
        self._writer = writer
        self._h11 = h11.Connection(h11.CLIENT)
        self._ended = False  # the current answer's body has been read to its end

    @classmethod
    async def open(cls, origin: Origin) -> UpstreamConnection:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
                reader, writer = await asyncio.open_connection(
                    origin.host,
                    origin.port,
                    ssl=_tls_context() if origin.tls else None,
                    server_hostname=origin.host if origin.tls else None,
                    limit=READ_SIZE,
                )
        except (OSError, TimeoutError) as exc:
            reason = f"no connection within {CONNECT_TIMEOUT_SECONDS:g} s" if isinstance(exc, TimeoutError) else ""
            raise UpstreamError(f"The model gateway could not connect to {origin}: {reason or describe(exc)}.") from exc
        return cls(origin, reader, writer)

    async def send(self, method: str, outgoing: Outgoing, body: bytes) -> h11.Response:
        """Send a request and wait for the head of its answer."""
        request = h11.Request(method=method, target=outgoing.target, headers=outgoing.headers)
        for part in (request, h11.Data(data=body), h11.EndOfMessage()):
            self._writer.write(self._h11.send(part) or b"")
        try:
            await self._writer.drain()
            while True:
                event = await self._next_event()
                if isinstance(event, h11.Response):
                    return event
                if not isinstance(event, h11.InformationalResponse):  # 100 Continue and the like are skipped
                    raise UpstreamError(f"{self.origin} closed the connection before answering.")
        except (OSError, TimeoutError, h11.RemoteProtocolError) as exc:
            raise UpstreamError(f"The model API at {self.origin} failed before answering: {describe(exc)}.") from exc

    async def read(self) -> bytes | None:
        """All of the answer's body that has arrived (waiting only while nothing has), or None after its end.

        What one socket read brings is handed on at once and in one piece: a burst of events costs one write to
        the client, not one per event.
        """
        pieces: list[bytes] = []
        while not self._ended:
            try:
                event = await self._next_event(wait=not pieces)
            except (OSError, TimeoutError, h11.RemoteProtocolError) as exc:
                raise UpstreamError(f"The model API at {self.origin} broke off its answer: {describe(exc)}.") from exc
            if event is None:  # nothing more has arrived yet: hand on what has
                break
            if isinstance(event, h11.Data):
                pieces.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                self._ended = True
            else:
                raise UpstreamError(f"The model API at {self.origin} closed the connection mid-answer.")
        return b"".join(pieces) if pieces else None

    @property
    def reusable(self) -> bool:
        state = self._h11.our_state, self._h11.their_state
        return state == (h11.DONE, h11.DONE) and not self._writer.is_closing()

    @property
    def alive(self) -> bool:
        fresh = time.monotonic() - self.idle_since < POOL_IDLE_SECONDS
        return fresh and not self._reader.at_eof() and not self._writer.is_closing()

    def recycle(self) -> None:
        self._h11.start_next_cycle()
        self._ended = False
        self.idle_since = time.monotonic()

    def close(self) -> None:
        self._writer.close()

    async def _next_event(self, *, wait: bool = True) -> h11.Event | None:
        """The next event; None if it needs more data and `wait` is False."""
        while True:
            event = self._h11.next_event()
            if isinstance(event, h11.Event):
                return event
            if event is h11.PAUSED:  # read past the end of an answer: never, one request at a time
                raise h11.RemoteProtocolError("the connection is between two requests")
            if not wait:
                return None
            async with asyncio.timeout(READ_IDLE_TIMEOUT_SECONDS):
                data = await self._reader.read(READ_SIZE)
            self._h11.receive_data(data)


class Pool:
    """Idle upstream connections per origin, reused newest first. Used on the gateway's event loop only."""

    def __init__(self) -> None:
        self._idle: dict[Origin, list[UpstreamConnection]] = {}

    async def connect(self, origin: Origin) -> UpstreamConnection:
        idle = self._idle.get(origin, [])
        while idle:
            connection = idle.pop()
            if connection.alive:
                connection.reused = True
                return connection
            connection.close()
        return await UpstreamConnection.open(origin)

    def give_back(self, connection: UpstreamConnection) -> None:
        """Keep a connection whose exchange ended cleanly for the next request; close any other."""
        idle = self._idle.setdefault(connection.origin, [])
        if connection.reusable and len(idle) < POOL_SIZE:
            connection.recycle()
            idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


def describe(exc: BaseException) -> str:
    """What went wrong on the wire, in words."""
    if isinstance(exc, socket.gaierror):
        return "its host name did not resolve"
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(exc, TimeoutError):
        return "it did not answer in time"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its TLS certificate was not accepted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"the TLS handshake failed ({exc.reason})"
    if isinstance(exc, ConnectionError):
        return "it closed the connection"
    if isinstance(exc, h11.RemoteProtocolError):
        return f"it sent invalid HTTP ({exc})"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__


@cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()
