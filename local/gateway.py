"""The local API Gateway: the SPA at /, REST at /api, WebSockets at /ws and the @connections API.

Requests become API Gateway-shaped events for the same Lambda entry points the cloud runs; the runner's
post_to_connection calls come back here through the @connections management API.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from local.lambda_events import LambdaContext, rest_event, websocket_event
from local.mailbox import Mailbox
from local.sigv4 import SignatureError, verify
from shared.constants import WS_MESSAGE_LIMIT_BYTES
from shared.spa_assets import PreloadedIndex


class _Anything(Convertor[str]):
    """A path's rest, line breaks included (`path` stops at one): API Gateway's {proxy+} passes it all on."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anything", _Anything())

# API Gateway refuses REST payloads above 10 MB before any Lambda runs.
REST_PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
Handler = Callable[[dict[str, Any], Any], Any]
_thread_state = threading.local()


def _invoke(handler: Handler, event: dict[str, Any], context: LambdaContext) -> Any:
    """Call an entry point in a worker thread that has an event loop, as Lambda's main thread does (Mangum)."""
    if getattr(_thread_state, "loop", None) is None:
        _thread_state.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_thread_state.loop)
    return handler(event, context)


@dataclass
class Handlers:
    """The Lambda entry points the gateway invokes (imported lazily, like a cold start)."""

    api: Handler
    ws_connect: Handler
    ws_disconnect: Handler
    ws_default: Handler

    @classmethod
    def load(cls) -> Handlers:
        from functions.api.handler import handler as api
        from functions.ws_connect.handler import handler as ws_connect
        from functions.ws_default.handler import handler as ws_default
        from functions.ws_disconnect.handler import handler as ws_disconnect

        return cls(api=api, ws_connect=ws_connect, ws_disconnect=ws_disconnect, ws_default=ws_default)


@dataclass
class _Client:
    websocket: WebSocket
    source_ip: str
    user_agent: str
    connected_at: float = field(default_factory=time.time)
    last_active_at: float = field(default_factory=time.time)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


class Gateway:
    def __init__(
        self,
        *,
        web_dir: Path,
        handlers: Handlers,
        credentials: Mapping[str, str],
        mailbox: Mailbox | None = None,
        mode: str = "local",
        preload: bool = True,
    ) -> None:
        self.web_dir = web_dir
        # index.html gains a modulepreload list of the entry's static imports (shared/spa_assets.py); off only to
        # measure the page without it (bench/first_paint.py).
        self._index = PreloadedIndex(web_dir) if preload else None
        self.mailbox = mailbox
        self.handlers = handlers
        self.credentials = dict(credentials)  # access key id → secret: who may call @connections
        self.mode = mode
        self.clients: dict[str, _Client] = {}

    # REST

    async def api(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > REST_PAYLOAD_LIMIT_BYTES:
            return _error(
                413,
                "payload_too_large",
                "The request is larger than the API accepts (10 MB); upload large files with a presigned upload.",
            )
        client_ip = request.client.host if request.client else "127.0.0.1"
        event = rest_event(
            method=request.method,
            # The decoded path as received: request.url drops tabs and line breaks, which would change the route.
            path=request.scope["path"],
            headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw],
            query=list(request.query_params.multi_items()),
            body=body,
            source_ip=client_ip,
            host=request.headers.get("host", ""),
        )
        result = await run_in_threadpool(_invoke, self.handlers.api, event, LambdaContext("api"))
        return _lambda_response(result)

    # WebSocket

    async def websocket(self, websocket: WebSocket) -> None:
        # Shaped like API Gateway's ids (e.g. "PzD4xc0voAMCI9g="): URL-safe, so they fit in a path segment.
        connection_id = secrets.token_urlsafe(11) + "="
        source_ip = websocket.client.host if websocket.client else "127.0.0.1"
        headers = {name: value for name, value in websocket.headers.items()}
        host = headers.get("host", "")
        connected_at = int(time.time() * 1000)

        def event(route_key: str, **extra: Any) -> dict[str, Any]:
            return websocket_event(
                route_key=route_key,
                connection_id=connection_id,
                source_ip=source_ip,
                host=host,
                connected_at=connected_at,
                **extra,
            )

        connect = event("$connect", headers=headers, query=dict(websocket.query_params))
        result = await run_in_threadpool(_invoke, self.handlers.ws_connect, connect, LambdaContext("ws-connect"))
        status = int((result or {}).get("statusCode", 500))
        if status != 200:
            await websocket.send_denial_response(_lambda_response(result))
            return
        await websocket.accept()
        self.clients[connection_id] = _Client(websocket, source_ip, headers.get("user-agent", ""))
        tasks: set[asyncio.Task[Any]] = set()
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text, raw = message.get("text"), message.get("bytes")
                data: str | bytes = text if text is not None else (raw or b"")
                size = len(data.encode() if isinstance(data, str) else data)
                if size > WS_MESSAGE_LIMIT_BYTES:
                    # API Gateway's own limit: it closes the connection with "message too big".
                    await websocket.close(code=1009, reason="Message too big")
                    break
                self.clients[connection_id].last_active_at = time.time()
                if isinstance(data, bytes):
                    body, is_base64 = base64.b64encode(data).decode(), True
                else:
                    body, is_base64 = data, False
                default = event("$default", body=body, is_base64=is_base64)
                task = asyncio.create_task(
                    run_in_threadpool(_invoke, self.handlers.ws_default, default, LambdaContext("ws-default"))
                )
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except WebSocketDisconnect:
            pass
        finally:
            self.clients.pop(connection_id, None)
            await run_in_threadpool(
                _invoke, self.handlers.ws_disconnect, event("$disconnect"), LambdaContext("ws-disconnect")
            )

    # The @connections management API (what post_to_connection calls)

    async def connections(self, request: Request) -> Response:
        data = await request.body()
        refusal = _unauthenticated(request, data, self.credentials)
        if refusal is not None:
            return refusal
        connection_id = request.path_params["connection_id"]
        client = self.clients.get(connection_id)
        if client is None:
            return JSONResponse(
                {"message": f"Connection {connection_id} is gone"},
                status_code=410,
                headers={"x-amzn-ErrorType": "GoneException"},
            )
        if request.method == "GET":
            return JSONResponse(
                {
                    "ConnectedAt": _iso(client.connected_at),
                    "LastActiveAt": _iso(client.last_active_at),
                    "Identity": {"SourceIp": client.source_ip, "UserAgent": client.user_agent},
                }
            )
        if request.method == "DELETE":
            await client.websocket.close(code=1000)
            return Response(status_code=204)
        if len(data) > WS_MESSAGE_LIMIT_BYTES:
            return JSONResponse(
                {"message": "Message too big"},
                status_code=413,
                headers={"x-amzn-ErrorType": "PayloadTooLargeException"},
            )
        try:
            async with client.lock:
                try:
                    await client.websocket.send_text(data.decode("utf-8"))
                except UnicodeDecodeError:
                    await client.websocket.send_bytes(data)
        except (RuntimeError, OSError, WebSocketDisconnect):
            self.clients.pop(connection_id, None)
            return JSONResponse({"message": "Gone"}, status_code=410, headers={"x-amzn-ErrorType": "GoneException"})
        return Response(status_code=200)

    # The SPA

    async def config(self, request: Request) -> Response:
        return JSONResponse({"wsUrl": None, "mode": self.mode}, headers={"Cache-Control": "no-store"})

    async def spa(self, request: Request) -> Response:
        """index.html for client-side routes (no file extension); files otherwise."""
        path = request.path_params.get("path", "")
        if path.startswith(("api/", "ws/")) or path in ("api", "ws"):
            return _error(404, "not_found", f"There is no route {request.method} /{path}.")
        if "." not in path.rsplit("/", 1)[-1] or path == "index.html":
            index = self.web_dir / "index.html"
            if not index.exists():
                return _error(503, "spa_missing", "The web app is not installed (web/index.html is missing).")
            if self._index is None:
                return FileResponse(index, headers={"Cache-Control": "no-cache", **SECURITY_HEADERS})
            body = await run_in_threadpool(self._index.html)
            return HTMLResponse(body, headers={"Cache-Control": "no-cache", **SECURITY_HEADERS})
        return _error(404, "not_found", f"There is no file /{path}.")

    def app(self) -> Starlette:
        routes: list[Any] = [
            Route("/api", self.api, methods=_METHODS),
            Route("/api/{path:anything}", self.api, methods=_METHODS),
            WebSocketRoute("/ws", self.websocket),
            Route("/@connections/{connection_id:path}", self.connections, methods=["GET", "POST", "DELETE"]),
            Route("/config.json", self.config),
        ]
        if self.mailbox is not None:
            # postmarker posts to <root>/email; the SPA never POSTs to /email, so the paths cannot collide.
            routes.append(Route("/email", self.mailbox.receive, methods=["POST"]))
            routes.append(Route("/_local/mail", self.mailbox.list))
        for package in _vendor_packages(self.web_dir):
            routes.append(Mount(f"/vendor/{package}", StaticFiles(directory=self.web_dir / "node_modules" / package)))
        routes.append(Route("/{path:path}", self._static_or_spa))
        return Starlette(routes=routes)

    async def _static_or_spa(self, request: Request) -> Response:
        path = request.path_params.get("path", "")
        is_file = "." in path.rsplit("/", 1)[-1] and path != "index.html"  # index.html gets its preloads in spa()
        if path and is_file and not path.startswith(("api/", "vendor/")):
            candidate = (self.web_dir / path).resolve()
            if candidate.is_file() and self.web_dir.resolve() in candidate.parents:
                return FileResponse(candidate, headers={"Cache-Control": "no-cache", **SECURITY_HEADERS})
        return await self.spa(request)


_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _vendor_packages(web_dir: Path) -> list[str]:
    """The SPA's runtime packages (web/package.json dependencies) that are installed."""
    manifest = web_dir / "package.json"
    if not manifest.exists():
        return []
    dependencies = json.loads(manifest.read_text()).get("dependencies", {})
    return [name for name in dependencies if (web_dir / "node_modules" / name).is_dir()]


def _unauthenticated(request: Request, body: bytes, credentials: Mapping[str, str]) -> Response | None:
    """API Gateway's refusal of a call not signed (SigV4, execute-api) by the stack's key pair, or None."""
    # The path and query as sent, still percent-encoded: what the client signed.
    target = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    if query:
        target = f"{target}?{query}"
    try:
        verify(request.method, target, request.headers, body, credentials, service="execute-api")
    except SignatureError as refusal:
        return JSONResponse(
            {"message": refusal.message}, status_code=403, headers={"x-amzn-ErrorType": refusal.json_type}
        )
    return None


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _lambda_response(result: dict[str, Any] | None) -> Response:
    """An API Gateway proxy response → an HTTP response."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return _error(502, "bad_gateway", "The function returned a malformed response.")
    body = result.get("body") or ""
    content = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(content=content, status_code=int(result["statusCode"]))
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if name.lower() in {key.lower() for key in (result.get("headers") or {})}:
            continue
        for value in values:
            response.headers.append(name, str(value))
    return response
