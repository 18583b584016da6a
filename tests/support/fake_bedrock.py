"""A scriptable fake of Amazon Bedrock Runtime's InvokeModel APIs for Anthropic models, checking SigV4 like AWS.

    with FakeBedrock(region="us-east-1") as bedrock:          # accepts ACCESS_KEY_ID / SECRET_ACCESS_KEY
        bedrock.script(Reply.text(["Hel", "lo"]))              # the same scripts as tests/support/fake_anthropic.py
        upstream = BedrockUpstream(region="us-east-1", credentials=bedrock.credentials, endpoint_url=bedrock.url)

    POST /model/{modelId}/invoke                        the whole Messages API answer (application/json)
    POST /model/{modelId}/invoke-with-response-stream   the stream events, each base64 in an event-stream frame

Every request's signature is checked by recomputing it with botocore from what arrived (the path as sent, the
headers the signature names, the body), as AWS does; a bad one is a 403 (`InvalidSignatureException`, or
`UnrecognizedClientException` for a missing signature or unknown key). A model id outside `models` is a 400
`ValidationException`. Scripted HTTP errors are answered in AWS's shape: `x-amzn-errortype` and `{"message": …}`
(`Reply.http_error(429)` is a `ThrottlingException`). Every request is recorded with its model id, whether its
signature verified, and the access key id it named.
"""

from __future__ import annotations

import base64
import datetime
import hmac
import json
import re
import struct
import time
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials, ReadOnlyCredentials

from tests.support.fake_anthropic import (
    HANG_LIMIT_SECONDS,
    FakeAnthropic,
    Reply,
    Request,
    _Handler,
    _whole_message,
    final_usage,
)

ACCESS_KEY_ID = "AKIAFAKEBEDROCK00001"  # not secrets: the fake's own test credential
SECRET_ACCESS_KEY = "fake/bedrock/secret/key/0000000000000000"
SERVICE = "bedrock"
MAX_SKEW = datetime.timedelta(minutes=5)  # how far a signature's time may be from the fake's, as at AWS
KNOWN_MODELS = frozenset(
    f"{prefix}anthropic.{model}"
    for prefix in ("", "us.", "eu.", "apac.", "global.")
    for model in (
        "claude-3-5-haiku-20241022-v1:0",
        "claude-3-7-sonnet-20250219-v1:0",
        "claude-sonnet-4-20250514-v1:0",
        "claude-opus-4-1-20250805-v1:0",
        "claude-sonnet-4-5-20250929-v1:0",
        "claude-haiku-4-5-20251001-v1:0",
        "claude-opus-4-5-20251101-v1:0",
    )
)
AWS_ERRORS = {  # status → (x-amzn-errortype, message) of InvokeModel's errors
    400: ("ValidationException", "The provided model identifier is invalid."),
    403: ("AccessDeniedException", "You don't have access to the model with the specified model ID."),
    404: ("ResourceNotFoundException", "The requested resource could not be found."),
    408: ("ModelTimeoutException", "Model has timed out in processing the request."),
    424: ("ModelErrorException", "The model returned an error."),
    429: ("ThrottlingException", "Too many requests, please wait before trying again."),
    500: ("InternalServerException", "The server encountered an internal error."),
    503: ("ServiceUnavailableException", "The service is currently unavailable."),
}
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."
_ROUTE = re.compile(r"/model/(?P<model>[^/]+)/(?P<action>invoke|invoke-with-response-stream)")
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)
_STREAM_ERRORS = {"overloaded_error": "serviceUnavailableException", "rate_limit_error": "throttlingException"}


def aws_error(status: int, error_type: str | None = None, message: str | None = None, **kw: Any) -> Reply:
    """An HTTP error as Bedrock answers it (`Reply.http_error(status)` gives the same with AWS's usual text)."""
    default_type, default_message = AWS_ERRORS.get(status, AWS_ERRORS[500])
    return Reply(status=status, error=(error_type or default_type, message or default_message), **kw)


def throttled(**kw: Any) -> Reply:
    return aws_error(429, **kw)


@dataclass
class BedrockRequest(Request):
    """A recorded request, with what the fake made of its model id and signature."""

    model_id: str = ""  # decoded from the path ("" for a path that is not an invoke route)
    streamed: bool = False  # invoke-with-response-stream
    signature_verified: bool = False
    access_key_id: str | None = None  # the one the signature named, verified or not
    auth_error: str | None = None  # why the signature was refused


@dataclass(frozen=True)
class Verdict:
    access_key_id: str | None
    error: tuple[str, str] | None = None  # (x-amzn-errortype, message) if refused

    @property
    def ok(self) -> bool:
        return self.error is None


def verify_sigv4(
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    keys: dict[str, tuple[str, str | None]],
    region: str,
    now: datetime.datetime | None = None,
) -> Verdict:
    """Check a request's SigV4 signature as AWS does: recomputed from the request as received (`target` is the raw
    path and query, `headers` every header as sent), with the secret of the access key it names (`keys`: access
    key id → (secret, session token or None))."""
    received = HTTPHeaders()
    for name, value in headers:
        received[name] = value
    parsed = _AUTHORIZATION.fullmatch((received.get("authorization") or "").strip())
    if parsed is None:
        return Verdict(None, ("UnrecognizedClientException", INVALID_TOKEN))
    key = parsed["key"]
    if key not in keys:
        return Verdict(key, ("UnrecognizedClientException", INVALID_TOKEN))
    secret, session_token = keys[key]
    if session_token is not None and received.get("x-amz-security-token") != session_token:
        return Verdict(key, ("UnrecognizedClientException", INVALID_TOKEN))
    if (parsed["region"], parsed["service"]) != (region, SERVICE):
        return Verdict(key, ("InvalidSignatureException", f"Credential should be scoped to {region}/{SERVICE}."))
    problem = _date_problem(
        received.get("x-amz-date") or "", parsed["date"], now or datetime.datetime.now(datetime.UTC)
    )
    if problem:
        return Verdict(key, ("InvalidSignatureException", problem))
    request = AWSRequest(method=method, url=f"http://{received.get('host', 'unknown')}{target}", data=body)
    for name, value in headers:
        request.headers[name] = value
    request.context["timestamp"] = received["x-amz-date"]
    signer = _Recomputed(ReadOnlyCredentials(key, secret, session_token), region, parsed["signed"].split(";"))
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, parsed["signature"]):
        return Verdict(key, ("InvalidSignatureException", BAD_SIGNATURE))
    return Verdict(key)


class _Recomputed(SigV4Auth):
    """botocore's SigV4 over exactly the headers a signature names, as AWS recomputes it."""

    def __init__(self, credentials: ReadOnlyCredentials, region: str, signed: list[str]) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name in self._signed:
            for value in request.headers.get_all(name) or []:
                chosen[name] = value
        return chosen


def _date_problem(amz_date: str, scope_date: str, now: datetime.datetime) -> str | None:
    try:
        signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        return "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
    if amz_date[:8] != scope_date:
        return "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP."
    if abs(now - signed_at) > MAX_SKEW:
        return f"Signature expired: {amz_date} is now earlier than {(now - MAX_SKEW):%Y%m%dT%H%M%SZ}."
    return None


def event_frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message: prelude (total length, headers length, CRC32), string headers, payload, CRC32."""
    encoded = b"".join(
        struct.pack(">B", len(name)) + name + b"\x07" + struct.pack(">H", len(value)) + value
        for name, value in ((name.encode(), value.encode()) for name, value in headers.items())
    )
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def chunk_frame(event: dict[str, Any]) -> bytes:
    """A stream event as Bedrock sends it: `{"bytes": base64(event JSON), "p": padding}` in a `chunk` frame."""
    wrapped = {"bytes": base64.b64encode(json.dumps(event).encode()).decode(), "p": "abcdefghijklmnopqrstuvwxyz"}
    headers = {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}
    return event_frame(headers, json.dumps(wrapped).encode())


def exception_frame(exception_type: str, message: str) -> bytes:
    headers = {":exception-type": exception_type, ":content-type": "application/json", ":message-type": "exception"}
    return event_frame(headers, json.dumps({"message": message}).encode())


def reported_model(model_id: str) -> str:
    """The model name Bedrock puts in an Anthropic answer: the id without region prefix, vendor and version."""
    name = re.sub(r"^(?:[a-z]+\.)?anthropic\.", "", model_id)
    return re.sub(r"-v\d+(?::\d+)?$", "", name)


class FakeBedrock(FakeAnthropic):
    """The fake Bedrock Runtime on 127.0.0.1 and a free port; a context manager."""

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        access_key_id: str = ACCESS_KEY_ID,
        secret_access_key: str = SECRET_ACCESS_KEY,
        session_token: str | None = None,
        models: Collection[str] | None = KNOWN_MODELS,
        hang_limit: float = HANG_LIMIT_SECONDS,
    ) -> None:
        self.region = region
        self.keys = {access_key_id: (secret_access_key, session_token)}
        self.models = None if models is None else frozenset(models)  # None: any model id
        self._access_key_id = access_key_id
        super().__init__(hang_limit=hang_limit)

    @property
    def credentials(self) -> Credentials:
        """The credential this fake accepts, for the gateway to sign with."""
        secret, token = self.keys[self._access_key_id]
        return Credentials(self._access_key_id, secret, token)

    @property
    def message_requests(self) -> list[BedrockRequest]:  # type: ignore[override]
        return [r for r in self.requests if isinstance(r, BedrockRequest) and r.model_id]

    def _message_requests(self) -> list[Request]:
        return [r for r in self._state.requests if isinstance(r, BedrockRequest) and r.model_id]


class _BedrockHandler(_Handler):
    """Bedrock's side of the wire: signature first, then the model, then the scripted reply."""

    api: FakeBedrock

    def _serve(self) -> None:
        arrived_at = time.monotonic()
        headers = {name.lower(): value for name, value in self.headers.items()}
        body = self._read_body()
        route = _ROUTE.fullmatch(self.path.split("?")[0]) if self.command == "POST" else None
        verdict = verify_sigv4(
            self.command,
            self.path,
            list(self.headers.items()),
            self.raw_body,
            keys=self.api.keys,
            region=self.api.region,
        )
        request = BedrockRequest(
            -1,
            self.command,
            self.path,
            headers,
            body,
            arrived_at,
            model_id=unquote(route["model"]) if route else "",
            streamed=bool(route and route["action"] == "invoke-with-response-stream"),
            signature_verified=verdict.ok,
            access_key_id=verdict.access_key_id,
            auth_error=verdict.error[1] if verdict.error else None,
        )
        self.api._record(request)
        try:
            if verdict.error:
                request.reply = aws_error(403, *verdict.error)
            elif route is None:
                request.reply = aws_error(404, "UnknownOperationException", f"{self.command} {self.path} is unknown.")
            elif self.api.models is not None and request.model_id not in self.api.models:
                request.reply = aws_error(400)
            if request.reply is not None:
                self._error(request.reply)
            else:
                self._invoke(request)
        except (BrokenPipeError, ConnectionResetError):
            request.client_gone = True
            self.close_connection = True
        finally:
            self.api._finish(request)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server dispatches on these names

    def _invoke(self, request: BedrockRequest) -> None:
        reply = self.api._take_reply(request) or Reply.text(["OK"])
        if reply.status != 200:
            return self._error(reply)
        model, message_id = reported_model(request.model_id), f"msg_bdrk_{request.index:04d}"
        if request.streamed:
            return self._stream(request, reply, model, message_id)
        usage = final_usage(reply)
        counts = (
            ("x-amzn-requestid", _request_id(request)),
            ("x-amzn-bedrock-input-token-count", str(usage["input_tokens"])),
            ("x-amzn-bedrock-output-token-count", str(usage["output_tokens"])),
        )
        return self._json(200, _whole_message(reply, model, message_id), counts + reply.headers)

    def _start_stream(self, request: Request, reply: Reply) -> None:
        self._reply = reply
        self.send_response(200)
        self.send_header("content-type", "application/vnd.amazon.eventstream")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("x-amzn-requestid", _request_id(request))
        self.send_header("x-amzn-bedrock-content-type", "application/json")
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()

    def _send_event(self, event: str, data: dict[str, Any]) -> None:
        if event == "error":
            error = data.get("error", {})
            exception = _STREAM_ERRORS.get(error.get("type"), "internalServerException")
            return self._send_chunk(exception_frame(exception, str(error.get("message", ""))))
        if event == "message_stop":
            usage = final_usage(self._reply)
            metrics = {"inputTokenCount": usage["input_tokens"], "outputTokenCount": usage["output_tokens"]}
            data = data | {
                "amazon-bedrock-invocationMetrics": metrics | {"invocationLatency": 1, "firstByteLatency": 1}
            }
        return self._send_chunk(chunk_frame(data))

    def _error(self, reply: Reply) -> None:
        error_type, message = reply.error or AWS_ERRORS[500]
        if not error_type.endswith("Exception"):  # an Anthropic-style script: AWS's error for the same status
            error_type, message = AWS_ERRORS.get(reply.status, AWS_ERRORS[500])
        headers = (("x-amzn-errortype", error_type), ("x-amzn-requestid", "fake-bedrock-error"))
        self._json(reply.status, {"message": message}, headers + reply.headers)


def _request_id(request: Request) -> str:
    return f"00000000-0000-4000-8000-{request.index:012d}"


FakeBedrock.handler = _BedrockHandler
