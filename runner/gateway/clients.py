"""The CLI's side: HTTP/1.1 requests in and answers out, with h11 over asyncio streams, kept alive."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import h11

from runner.gateway.errors import RequestError, error_body
from runner.gateway.upstream import Headers, Request

READ_SIZE = 64 * 1024
MAX_HEAD_BYTES = 64 * 1024
# A kept-alive connection that sends no request for this long is closed (the CLI opens a new one when needed).
IDLE_CLIENT_SECONDS = 300.0
LINGER_SECONDS = 5.0
# While an answer is relayed, at most this much of a pipelined next request is read ahead (to notice the client
# closing); the rest waits in the socket.
_MAX_READ_AHEAD = 1024 * 1024


class ClientConnection:
    """One connection from the CLI: requests read whole (bounded), answers written as they come."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, max_body_bytes: int) -> None:
        self._reader = reader
        self._writer = writer
        self._max_body_bytes = max_body_bytes
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)

    async def next_request(self) -> Request | None:
        """The next complete request, or None once the client has closed or idled out. Bad ones raise RequestError."""
        try:
            event = await self._next_event(IDLE_CLIENT_SECONDS)
            if not isinstance(event, h11.Request):
                return None
            declared = int(dict(event.headers).get(b"content-length", b"0"))
            if declared > self._max_body_bytes:
                raise self._too_large()
            if self._h11.they_are_waiting_for_100_continue:
                self._send(h11.InformationalResponse(status_code=100, headers=[]))
            body = await self._body()
        except h11.RemoteProtocolError as exc:
            raise RequestError(400, f"Malformed HTTP request: {exc}.") from exc
        except (TimeoutError, ConnectionError):
            return None
        if body is None:
            return None
        headers = [(bytes(name), bytes(value)) for name, value in event.headers]
        return Request(event.method.decode("ascii"), bytes(event.target), headers, body)

    @property
    def answering(self) -> bool:
        """Whether the head of an answer to the current request has been sent."""
        return self._h11.our_state is not h11.SEND_RESPONSE and self._h11.our_state is not h11.IDLE

    def start(self, status: int, headers: Headers, reason: bytes = b"") -> None:
        self._send(h11.Response(status_code=status, headers=headers, reason=reason))

    def write(self, data: bytes) -> None:
        self._send(h11.Data(data=data))

    async def drain(self) -> None:
        await self._writer.drain()

    async def finish(self) -> None:
        self._send(h11.EndOfMessage())
        await self._writer.drain()

    async def refuse(
        self, status: int, message: str, *, retry: bool = True, extra: Sequence[tuple[bytes, bytes]] = ()
    ) -> None:
        """Answer with an Anthropic-shaped error and `extra` headers; `retry=False` tells the CLI not to retry it."""
        body = error_body(status, message)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra]
        if not retry:
            headers.append((b"x-should-retry", b"false"))
        with contextlib.suppress(h11.LocalProtocolError, OSError):  # the connection is broken: it is closed next
            self.start(status, headers)
            self.write(body)
            await self.finish()

    def next_cycle(self) -> bool:
        """Get ready for the next request on this connection; False if it must close instead."""
        if (self._h11.our_state, self._h11.their_state) != (h11.DONE, h11.DONE):
            return False
        self._h11.start_next_cycle()
        return True

    async def until_gone(self) -> None:
        """Return when the client closes its end (read while an answer is relayed; what it sends is kept)."""
        while len(self._h11.trailing_data[0]) < _MAX_READ_AHEAD:
            try:
                data = await self._reader.read(READ_SIZE)
            except ConnectionError:
                return
            self._h11.receive_data(data)
            if not data:
                return
        await asyncio.Event().wait()  # read ahead enough: only a cancellation ends this wait

    async def linger(self) -> None:
        """After refusing a request that was not read to its end: let the client read the refusal.

        Closing a socket with unread data in it resets the connection, which can destroy the answer before the
        client reads it; so the write side is closed first and what the client still sends is read and dropped,
        for a few seconds at most.
        """
        with contextlib.suppress(OSError, TimeoutError):
            if self._writer.can_write_eof():
                self._writer.write_eof()
            async with asyncio.timeout(LINGER_SECONDS):
                while await self._reader.read(READ_SIZE):
                    pass

    def abort(self) -> None:
        """Drop the connection at once (an answer cut in the middle)."""
        self._writer.transport.abort()

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    async def _body(self) -> bytes | None:
        body = bytearray()
        while True:
            event = await self._next_event(IDLE_CLIENT_SECONDS)
            if isinstance(event, h11.Data):
                body += event.data
                if len(body) > self._max_body_bytes:
                    raise self._too_large()
            elif isinstance(event, h11.EndOfMessage):
                return bytes(body)
            else:
                return None

    async def _next_event(self, timeout: float) -> h11.Event:
        while True:
            event = self._h11.next_event()
            if isinstance(event, h11.Event):
                return event
            if event is h11.PAUSED:  # a new request before the answer to the last one: never sent by a client
                raise h11.RemoteProtocolError("pipelined requests are not supported")
            async with asyncio.timeout(timeout):
                data = await self._reader.read(READ_SIZE)
            self._h11.receive_data(data)

    def _too_large(self) -> RequestError:
        return RequestError(
            413, f"The request body is larger than the gateway's limit of {self._max_body_bytes} bytes."
        )

    def _send(self, event: h11.Event) -> None:
        data = self._h11.send(event)
        if data:
            self._writer.write(data)
