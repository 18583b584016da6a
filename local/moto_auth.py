"""Authentication of a request to the local AWS endpoint, and AWS's refusal when it fails.

The WSGI side of local/sigv4.py: the request as the client sent it (the raw target werkzeug keeps in
`RAW_URI`, the headers, the body, read once and left readable for moto), and a refusal shaped like the
service's own errors: JSON with `__type` and `x-amzn-ErrorType` for the X-Amz-Target services (DynamoDB, SQS,
KMS), S3's XML `<Error>` otherwise.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from local.s3_post import S3Error
from local.sigv4 import PAYLOAD_MISMATCH, SignatureError, verify

Response = tuple[str, list[tuple[str, str]], bytes]


def authenticate(environ: dict[str, Any], credentials: Mapping[str, str]) -> Response | None:
    """AWS's refusal of a request not signed by one of `credentials`, or None to let moto answer it."""
    body = buffer_body(environ)
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        verify(method, request_target(environ), request_headers(environ), body, credentials)
    except SignatureError as error:
        return refusal(error, environ)
    return None


def request_target(environ: dict[str, Any]) -> str:
    """The path and query as the client sent them, still percent-encoded: what it signed."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    query = environ.get("QUERY_STRING")
    path = quote(environ.get("PATH_INFO", ""))  # a server that keeps no raw URI: the usual encoding
    return f"{path}?{query}" if query else path


def request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def buffer_body(environ: dict[str, Any]) -> bytes:
    """Read the body, and leave it readable again for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length:
        body = environ["wsgi.input"].read(length)
    elif environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream at the last chunk
        body = environ["wsgi.input"].read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    if environ.get("CONTENT_LENGTH"):
        environ["CONTENT_LENGTH"] = str(len(body))
    return body


def refusal(error: SignatureError, environ: dict[str, Any]) -> Response:
    """A signature refusal in the service's own shape: JSON for the X-Amz-Target services, else S3's XML."""
    status = 400 if error.code == PAYLOAD_MISMATCH else 403
    if not environ.get("HTTP_X_AMZ_TARGET"):
        return S3Error(status, error.s3_code, error.message, error.details).response()
    body = json.dumps({"__type": error.json_type, "message": error.message}).encode()
    content_type = environ.get("CONTENT_TYPE", "")
    headers = [
        ("Content-Type", content_type if content_type.startswith("application/x-amz-json") else "application/json"),
        ("Content-Length", str(len(body))),
        ("x-amzn-ErrorType", error.json_type),
    ]
    return f"{status} {'Bad Request' if status == 400 else 'Forbidden'}", headers, body
