"""The model gateway: the CLI's ANTHROPIC_BASE_URL on 127.0.0.1, holding the real credential in its place.

    gateway = ModelGateway(recorder=[shared.usage.record, shared.budgets.spend.record],
                           admission=[shared.quotas.daily.check_tokens, shared.budgets.status.check]).start()
    upstream = AnthropicUpstream(api_key=key)              # or BedrockUpstream(region=…)
    token = gateway.issue(Grant(user_id=…, job_id=…, kind="chat", expires_at=time.time() + 3600, upstream=upstream))
    … run the CLI with ANTHROPIC_BASE_URL=gateway.base_url, ANTHROPIC_API_KEY=token …
    gateway.upstream_status(token)                         # how its last failed upstream request failed, if one did
    gateway.revoke(token); gateway.flush(token=token)

It serves on its own event loop in a daemon thread; the methods above are safe to call from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict
from collections.abc import Sequence

from runner.gateway.admission import AHEAD_SECONDS, CACHE_SECONDS, Admission, Check
from runner.gateway.clients import ClientConnection
from runner.gateway.connections import Pool
from runner.gateway.errors import GatewayError, RequestError, TokenRefusedError
from runner.gateway.exchange import REVOKED, Exchange, Forwarder
from runner.gateway.grants import Grant, TokenBook, presented_token
from runner.gateway.ledger import Ledger, Recorder
from runner.gateway.upstream import Request
from shared.logs import logger
from shared.usage import ModelUsage, cost_usd

MAX_BODY_BYTES = 64 * 1024 * 1024
START_TIMEOUT_SECONDS = 10.0


class ModelGateway:
    """Forwards the CLI's model calls to each token's upstream with the real credential, and meters them per token."""

    def __init__(
        self,
        *,
        recorder: Recorder | Sequence[Recorder],
        admission: Check | Sequence[Check] | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        admission_cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        """Each `recorder` gets every metered call's usage (shared.usage.record, shared.budgets.spend.record).
        `admission` is asked before each metered call is forwarded (shared.quotas.daily.check_tokens,
        shared.budgets.status.check); None admits every call. Its verdict is kept per user for
        `admission_cache_seconds`."""
        self._max_body_bytes = max_body_bytes
        self._admission = Admission(admission, cache_seconds=admission_cache_seconds) if admission is not None else None
        self._book = TokenBook()
        self._ledger = Ledger(recorder)
        self._pool = Pool()  # upstream connections, kept per origin
        self._forwarder = Forwarder(self._pool, failed=self._book.failed)
        self._in_flight: defaultdict[str, set[Exchange]] = defaultdict(set)  # loop thread only
        self._handlers: set[asyncio.Task[None]] = set()  # loop thread only
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="model-gateway", daemon=True)
        self._server: asyncio.Server | None = None
        self._port = 0

    # -- the public API, from any thread ------------------------------------------------------------------------

    def start(self) -> ModelGateway:
        """Serve on 127.0.0.1 and a free port."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
        future.result(timeout=START_TIMEOUT_SECONDS)
        logger.info("model gateway started", extra={"base_url": self.base_url})
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def issue(self, grant: Grant) -> str:
        """A new token for `grant`: the CLI's ANTHROPIC_API_KEY (or AWS_BEARER_TOKEN_BEDROCK)."""
        return self._book.issue(grant)

    def rebind(self, token: str, grant: Grant) -> None:
        """Let `token` stand for `grant`, and go to its upstream, from now on (requests in flight keep theirs)."""
        self._book.rebind(token, grant)

    def ahead(self, user_id: str, *, within: float = AHEAD_SECONDS) -> None:
        """Ask the user's admission now, without waiting, so that their next model call finds the verdict made (a
        turn's first call, asked as the CLI is given the message), unless the one kept holds `within` seconds more
        (math.inf: asked again whatever it is, as when a turn's usage has just been recorded)."""
        if self._admission is not None:
            with contextlib.suppress(RuntimeError):  # not serving
                asyncio.run_coroutine_threadsafe(self._admission.ahead(user_id, within=within), self._loop)

    def upstream_status(self, token: str) -> int | None:
        """How the last failed upstream request of `token` failed: the upstream's status (400 or more), or
        UPSTREAM_UNREACHABLE (0) if the upstream gave no answer; None if none failed, or the token is revoked.

        A later success does not clear it. The status is noted before the client sees the answer, so it is
        there by the time the CLI reports the failure.
        """
        return self._book.failure(token)

    def revoke(self, token: str) -> None:
        """Refuse `token` from now on and cut its requests in flight."""
        self._book.revoke(token)
        with contextlib.suppress(RuntimeError):  # not serving (not started, or stopped): nothing is in flight
            self._loop.call_soon_threadsafe(self._cut, token)

    def flush(self, timeout: float = 5.0, *, token: str | None = None) -> bool:
        """Wait until every request (of `token`, or all) has ended and its usage row is written; False on timeout."""
        return self._ledger.wait(token, timeout=timeout)

    def stop(self) -> None:
        """Stop serving, cut what is in flight, and close every connection."""
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=START_TIMEOUT_SECONDS)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=START_TIMEOUT_SECONDS)
        if not self._thread.is_alive():
            self._loop.close()
        self._ledger.shutdown()

    def __enter__(self) -> ModelGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- on the gateway's loop ----------------------------------------------------------------------------------

    async def _open(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=64 * 1024)
        self._port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        self._pool.close()

    def _cut(self, token: str) -> None:
        for exchange in self._in_flight.pop(token, ()):
            exchange.cut(REVOKED)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client connection: its requests, one after another, until it closes."""
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        client = ClientConnection(reader, writer, max_body_bytes=self._max_body_bytes)
        try:
            while True:
                try:
                    request = await client.next_request()
                except RequestError as exc:
                    # Not the reason: h11 quotes the offending request line, which could hold a header's value.
                    logger.warning("model gateway refused a malformed request", extra={"status": exc.status})
                    await client.refuse(exc.status, str(exc))
                    await client.linger()
                    break
                if request is None or not await self._answer(client, request):
                    break
        except asyncio.CancelledError:
            pass  # the gateway is stopping (asyncio.start_server's callback in 3.11 mishandles a cancelled handler)
        except Exception:
            logger.exception("model gateway request failed")
            if not client.answering:
                await client.refuse(500, "The model gateway failed; see the runner's log.")
        finally:
            self._handlers.discard(task)
            await client.close()

    async def _answer(self, client: ClientConnection, request: Request) -> bool:
        """Answer one request; True if the connection can serve another."""
        token = presented_token(request.headers) or ""
        try:
            grant = self._book.check(token)
        except TokenRefusedError as exc:
            if request.method != "POST":  # every model route is a POST: this is no model call (the CLI's own
                # unauthenticated GET /inference-profiles on Bedrock), so a plain 404 and no warning
                await client.refuse(404, f"{request.method} {request.path} is not served by the model gateway.")
                return client.next_cycle()
            return await self._refuse_token(client, exc)
        route = grant.upstream.route(request.method, request.path)
        if route is None:
            await client.refuse(404, f"{request.method} {request.path} is not served by the model gateway.")
            return client.next_cycle()
        if route.metered and self._admission is not None:
            refusal = await self._admission.refusal(grant.user_id)
            if refusal is not None:
                # Not to be retried: the CLI would only wait and ask again; it ends the turn with this message.
                logger.info("model gateway refused a call: a quota or budget", extra={"job_id": grant.job_id})
                await client.refuse(429, refusal, retry=False)
                return client.next_cycle()
            try:  # the loop ran other work while the quota was read: a revoke meanwhile still refuses
                self._book.check(token)
            except TokenRefusedError as exc:
                return await self._refuse_token(client, exc)
        # Tracked in the same loop step as the check above, so a revoke either refuses or cuts this request.
        exchange = Exchange(token, grant, route)
        self._in_flight[token].add(exchange)
        self._ledger.open(token)
        try:
            return await self._forwarder.forward(client, request, exchange)
        finally:
            self._in_flight[token].discard(exchange)
            if not self._in_flight[token]:
                del self._in_flight[token]
            self._ledger.close(token, _usage(exchange))
            _log(exchange)

    async def _refuse_token(self, client: ClientConnection, exc: TokenRefusedError) -> bool:
        logger.warning("model gateway refused a request", extra={"status": 401, "reason": str(exc)})
        await client.refuse(401, str(exc), retry=False)
        return client.next_cycle()


def _usage(exchange: Exchange) -> ModelUsage | None:
    tokens, grant = exchange.tokens, exchange.grant
    if tokens is None:
        return None
    return ModelUsage(
        user_id=grant.user_id,
        kind=grant.kind,
        model=tokens.model,
        tokens_in=tokens.input,
        tokens_out=tokens.output,
        cache_read_tokens=tokens.cache_read,
        cache_write_tokens=tokens.cache_write,
        cost_usd=cost_usd(
            tokens.model,
            tokens_in=tokens.input,
            tokens_out=tokens.output,
            cache_read_tokens=tokens.cache_read,
            cache_write_tokens=tokens.cache_write,
        ),
        duration_ms=exchange.duration_ms,
        project_id=grant.project_id,
        session_id=grant.session_id,
        turn=grant.turn,
        execution_id=grant.execution_id,
    )


def _log(exchange: Exchange) -> None:
    tokens = exchange.tokens
    fields = {
        "job_id": exchange.grant.job_id,
        "kind": exchange.grant.kind,
        "provider": exchange.upstream.provider,
        "route": exchange.route.name,
        "status": exchange.status,
        "ended": exchange.ended or "complete",
        "duration_ms": exchange.duration_ms,
        "upstream_request_id": exchange.request_id,
    }
    if tokens is not None:
        fields |= {"model": tokens.model, "tokens_in": tokens.input, "tokens_out": tokens.output}
    elif exchange.route.model is not None:
        fields["model"] = exchange.route.model
    if exchange.ended and exchange.ended != "the client went away":
        logger.warning("model call ended early", extra=fields)
    else:
        logger.info("model call", extra=fields)


__all__ = ["GatewayError", "ModelGateway"]
