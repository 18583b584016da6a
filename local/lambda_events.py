"""API Gateway-shaped events and a Lambda context, so the local gateway invokes the real entry points."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

ACCOUNT_ID = "123456789012"
STAGE = "local"
API_ID = "local"


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 1024
    timeout_seconds: int = 29
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))


def _now_ms() -> int:
    return int(time.time() * 1000)


def encode_body(body: bytes, content_type: str) -> tuple[str | None, bool]:
    """Text bodies stay text; binary ones are base64, as API Gateway does for binary media types."""
    if not body:
        return None, False
    binary = content_type.startswith(("multipart/", "application/octet-stream", "image/", "audio/", "video/"))
    if not binary:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def rest_event(
    *,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    query: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    host: str,
) -> dict[str, Any]:
    """A REST API (v1) proxy integration event for `/{proxy+}`."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    query_single: dict[str, str] = {}
    query_multi: dict[str, list[str]] = {}
    for name, value in query:
        query_single[name] = value
        query_multi.setdefault(name, []).append(value)
    text, is_base64 = encode_body(body, single.get("content-type", ""))
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": query_single or None,
        "multiValueQueryStringParameters": query_multi or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": path,
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": _now_ms(),
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "protocol": "HTTP/1.1",
            "domainName": host,
            "identity": {"sourceIp": source_ip, "userAgent": single.get("user-agent")},
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def websocket_event(
    *,
    route_key: str,
    connection_id: str,
    source_ip: str,
    host: str,
    connected_at: int,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: str | None = None,
    is_base64: bool = False,
) -> dict[str, Any]:
    """A WebSocket API event for $connect, $disconnect or $default."""
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route_key, "MESSAGE")
    event: dict[str, Any] = {
        "requestContext": {
            "routeKey": route_key,
            "eventType": event_type,
            "connectionId": connection_id,
            "requestId": str(uuid.uuid4()),
            "messageId": str(uuid.uuid4()) if event_type == "MESSAGE" else None,
            "extendedRequestId": str(uuid.uuid4()),
            "requestTimeEpoch": _now_ms(),
            "connectedAt": connected_at,
            "domainName": host,
            "stage": STAGE,
            "apiId": API_ID,
            "identity": {"sourceIp": source_ip, "userAgent": (headers or {}).get("user-agent")},
        },
        "isBase64Encoded": is_base64,
    }
    if event_type == "CONNECT":
        event["headers"] = headers or {}
        event["multiValueHeaders"] = {name: [value] for name, value in (headers or {}).items()}
        event["queryStringParameters"] = query or None
    if event_type == "MESSAGE":
        event["body"] = body
    return event


def scheduler_event() -> dict[str, Any]:
    """What EventBridge Scheduler sends the tick function (the schedule's fixed input)."""
    return {"source": "sasha-studio.local-tick", "id": str(uuid.uuid4()), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ")}
