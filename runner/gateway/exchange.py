"""Forwarding one request: upstream, and its answer back to the CLI piece by piece as it arrives, metered.

The answer is relayed in a task of its own while the client connection is watched, so an exchange ends in one
of four ways, each settled here:

    answer complete ──▶ upstream connection back to the pool, client connection kept alive
    client went away ─▶ upstream connection closed (the model stops generating), usage so far kept
    token revoked ────▶ 401 if no answer was started, else the client connection dropped; upstream closed
    upstream failed ──▶ 502 if no answer was started (marked upstream-unreachable), else the client connection dropped

Each exchange goes to its grant's upstream. An upstream answer with a status of 400 or more, and a 502 the
gateway gives because the upstream gave no answer, are noted against the token (ModelGateway.upstream_status)
before the client sees them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import h11

from runner.gateway.clients import ClientConnection
from runner.gateway.connections import Pool, UpstreamConnection
from runner.gateway.errors import UNREACHABLE_HEADER, UPSTREAM_UNREACHABLE, UpstreamError
from runner.gateway.grants import Grant
from runner.gateway.meter import Meter, Tokens
from runner.gateway.upstream import Headers, Request, Route, Upstream, without_hop_by_hop

CLIENT_GONE = "the client went away"
REVOKED = "the job's model token was revoked"
STOPPED = "the gateway stopped"


@dataclass(eq=False)
class Exchange:
    """One forwarded request and what became of it."""

    token: str
    grant: Grant
    route: Route
    started: float = field(default_factory=time.monotonic)
    status: int | None = None
    request_id: str | None = None
    meter: Meter | None = None
    ended: str | None = None  # None: complete; otherwise why it ended early
    task: asyncio.Task[bool] | None = field(default=None, repr=False)  # the relay, once started

    def cut(self, reason: str) -> None:
        """Stop the exchange wherever it is (called on the gateway's loop)."""
        self.ended = reason
        if self.task is not None:
            self.task.cancel()

    @property
    def upstream(self) -> Upstream:
        return self.grant.upstream

    @property
    def tokens(self) -> Tokens | None:
        return self.meter.result() if self.meter else None

    @property
    def duration_ms(self) -> int:
        return round((time.monotonic() - self.started) * 1000)


class Forwarder:
    def __init__(self, pool: Pool, *, failed: Callable[[str, int], None]) -> None:
        self._pool = pool
        self._failed = failed  # (token, status): note a failed upstream request before the client sees it

    async def forward(self, client: ClientConnection, request: Request, exchange: Exchange) -> bool:
        """Relay `request` and its answer; True if the client connection can serve another request."""
        work = asyncio.create_task(self._relay(client, request, exchange))
        watch = asyncio.create_task(client.until_gone())
        exchange.task = work
        try:
            await asyncio.wait((work, watch), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            exchange.ended = exchange.ended or STOPPED
            raise
        finally:
            watch.cancel()
            if not work.done():
                exchange.ended = exchange.ended or CLIENT_GONE
                work.cancel()
            await asyncio.wait((work, watch))
        if not work.cancelled() and work.exception() is None:
            return client.next_cycle()
        error = None if work.cancelled() else work.exception()
        exchange.ended = exchange.ended or (CLIENT_GONE if isinstance(error, OSError) else str(error))
        if client.answering or exchange.ended == CLIENT_GONE:
            client.abort()
            return False
        if isinstance(error, UpstreamError):
            self._failed(exchange.token, UPSTREAM_UNREACHABLE)
            await client.refuse(502, str(error), extra=[UNREACHABLE_HEADER])
        elif exchange.ended == REVOKED:
            await client.refuse(401, "Invalid API key: the job's model token was revoked.", retry=False)
        else:
            raise error or asyncio.CancelledError()
        return client.next_cycle()

    async def _relay(self, client: ClientConnection, request: Request, exchange: Exchange) -> bool:
        upstream, response = await self._send(request, exchange.upstream)
        clean = False
        try:
            exchange.status = response.status_code
            headers = [(bytes(n), bytes(v)) for n, v in response.headers]
            exchange.request_id = _header(headers, b"request-id") or _header(headers, b"x-amzn-requestid")
            if 200 <= response.status_code < 300:
                content_type = _header(headers, b"content-type") or ""
                exchange.meter = exchange.upstream.meter(exchange.route, content_type)
            elif response.status_code >= 400:
                self._failed(exchange.token, response.status_code)
            client.start(response.status_code, without_hop_by_hop(headers), bytes(response.reason))
            await client.drain()
            meter = exchange.meter
            while (data := await upstream.read()) is not None:
                client.write(data)  # to the socket first, so metering never delays a token
                if meter is not None:
                    meter.feed(data)
                await client.drain()
            await client.finish()
            clean = True
        finally:
            if clean:
                self._pool.give_back(upstream)
            else:
                upstream.close()
        return True

    async def _send(self, request: Request, upstream: Upstream) -> tuple[UpstreamConnection, h11.Response]:
        """An upstream connection that has sent `request`, and the head of its answer.

        A pooled connection that the server closed while it sat idle fails before answering; the request is then
        sent once more on a new connection (the server cannot have processed it).
        """
        outgoing = await upstream.prepare(request)
        connection = await self._pool.connect(upstream.origin)
        try:
            return connection, await connection.send(request.method, outgoing, request.body)
        except UpstreamError:
            connection.close()
            if not connection.reused:
                raise
        except BaseException:
            connection.close()
            raise
        connection = await UpstreamConnection.open(upstream.origin)
        try:
            return connection, await connection.send(request.method, outgoing, request.body)
        except BaseException:
            connection.close()
            raise


def _header(headers: Headers, name: bytes) -> str | None:
    return next((value.decode("latin-1") for key, value in headers if key == name), None)
