"""The local AWS: moto in server mode (DynamoDB, S3, SQS, KMS) with durable state under the data folder.

Run as `python -m local.moto_server --port N --state-dir DIR`. Besides the AWS APIs it answers
`GET /_studio/persistence` with the snapshot status (tests wait on it instead of sleeping).

moto takes any request from anyone; the middleware authenticates like AWS, because other processes on the
machine (a chat's commands among them) can reach the port:

    GET /_studio/persistence ─────────────────────── answered, unsigned
    /moto-api/… (reset, dump, seed, recorder) ─────── refused, always
    OPTIONS to S3 (a CORS preflight) ──────────────── answered from the bucket's CORS rules (local/s3_cors.py)
    multipart POST to a bucket (a browser upload) ─── checked against its signed policy (local/s3_post.py)
    anything else ────────────────────────────────── SigV4 by the stack's key pair (local/moto_auth.py), else 403

Cross-origin answers carry the bucket's CORS rules instead of moto's allow-everything headers. Object reads carry
`X-Content-Type-Options: nosniff`, which S3 cannot send: the downloads' types are set by their presigned URLs
(shared/files/reading.py), and locally the browser is also told not to second-guess them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from local import moto_speedups
from local.keep_alive import kept_alive
from local.moto_auth import Response, authenticate, buffer_body
from local.persistence import SERVICES, Persistence
from local.s3_cors import moto_rules, preflight, with_cors
from local.s3_post import S3Error, parse_form, verify_post

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_READ_ONLY = {
    "dynamodb": {
        "GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "ListTables", "DescribeTimeToLive",
        "DescribeContinuousBackups", "ListTagsOfResource", "TransactGetItems", "DescribeEndpoints",
    },
    "sqs": {"GetQueueUrl", "GetQueueAttributes", "ListQueues", "ListQueueTags", "ListDeadLetterSourceQueues"},
    "kms": {
        "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "DescribeKey", "ListAliases",
        "ListKeys", "GenerateRandom", "GetKeyPolicy", "GetKeyRotationStatus", "Sign", "Verify", "GetPublicKey",
    },
}  # fmt: skip
# While a long poll waits, it retries a plain receive whenever a message may have arrived (its queue changed), or
# one becomes visible (its delay or a receive's visibility timeout runs out: no request says so), and at least this
# often; this often when its queue is not known (a queue named by no request, or gone).
LONG_POLL_RETRY_SECONDS = 5.0
UNKNOWN_QUEUE_RETRY_SECONDS = 0.25
# moto routes every path under this prefix to its management API (moto.moto_server.werkzeug_app).
MOTO_API_PREFIX = "/moto-api"
StartResponse = Callable[..., Any]


def service_of(environ: dict[str, Any]) -> str | None:
    """The AWS service a request is for, from its SigV4 credential scope (header or presigned query)."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1)
    credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential")
    if credential:
        parts = credential[0].split("/")
        return parts[3] if len(parts) > 3 else None
    if environ.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return "s3"  # a presigned POST upload from a browser
    return None


def operation_of(environ: dict[str, Any]) -> str:
    return environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]


def queue_of(body: bytes) -> str | None:
    """The name of the queue an SQS request is about (the last part of its QueueUrl, whichever host the client
    named it by), from its JSON or query-protocol body; None when it names none."""
    url: Any = None
    try:
        url = json.loads(body or b"{}").get("QueueUrl")
    except (ValueError, AttributeError):
        url = next(iter(parse_qs(body.decode("utf-8", "replace")).get("QueueUrl", [])), None)
    if not isinstance(url, str):
        return None
    return url.rstrip("/").rpartition("/")[2] or None


def retry_in(queue: str | None) -> float:
    """Seconds until a message of `queue` that cannot be received now could be: its delay or its visibility timeout
    runs out (a FIFO group held by a message in flight is freed when that one is visible again, or deleted, which
    is a request). LONG_POLL_RETRY_SECONDS when none will; UNKNOWN_QUEUE_RETRY_SECONDS when no such queue is known."""
    from moto.sqs.models import sqs_backends

    found = [
        backend.queues[queue]
        for regions in list(sqs_backends.values())
        for backend in list(regions.values())
        if queue is not None and queue in backend.queues
    ]
    if not found:
        return UNKNOWN_QUEUE_RETRY_SECONDS
    now_ms = time.time() * 1000
    later = [
        max(message.visible_at, message.delayed_until)
        for each in found
        for message in list(each._messages)
        if max(message.visible_at, message.delayed_until) > now_ms
    ]
    return min([LONG_POLL_RETRY_SECONDS, *((when - now_ms) / 1000 + 0.001 for when in later)])


def s3_resource(environ: dict[str, Any]) -> tuple[str | None, str]:
    """The bucket of a path-style S3 request, and whether it names the bucket or an object in it."""
    bucket, _, key = unquote(environ.get("PATH_INFO", "")).lstrip("/").partition("/")
    return bucket or None, "OBJECT" if key else "BUCKET"


def is_browser_upload(environ: dict[str, Any]) -> bool:
    """A POST Object: a multipart/form-data POST to a bucket (what a presigned POST makes the browser send).

    Its form carries its own signature; a POST with a query (`?delete` and the like) is another operation.
    """
    bucket, resource = s3_resource(environ)
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and environ.get("CONTENT_TYPE", "").startswith("multipart/form-data")
        and not environ.get("QUERY_STRING")
        and bucket is not None
        and resource == "BUCKET"
    )


def is_mutation(service: str | None, environ: dict[str, Any]) -> bool:
    method = environ.get("REQUEST_METHOD", "GET")
    if service == "s3" or service is None:
        return method in ("PUT", "POST", "DELETE")
    return operation_of(environ) not in _READ_ONLY.get(service, set())


class PersistentMoto:
    """WSGI middleware: gates requests for consistent snapshots and records which services changed."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        persistence: Persistence,
        *,
        credentials: Mapping[str, str] | None = None,
        dynamodb: Callable[[dict[str, Any]], Response | None] | None = None,
    ) -> None:
        self.app = app
        self.dynamodb = dynamodb  # answers DynamoDB's requests without `app` (None: it leaves one to `app`)
        self.persistence = persistence
        self.credentials = dict(credentials or {})  # access key id → secret: every request is signed by one
        # SQS changes by queue (its name: queue_of), and those of no queue known: a long poll looks again when its
        # queue or an unknown one changed, not on every other queue's change.
        self._sqs_changed = threading.Condition()
        self._sqs_moved: dict[str | None, int] = {}
        # moto applies an update's actions to the stored item one by one, where another request's thread can read
        # it half done (a job's status set and its result not yet). DynamoDB writes an item whole: its requests are
        # served one at a time here (they hold the interpreter anyway; a long poll is SQS's and waits outside).
        self._dynamodb = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        if method == "GET" and path == "/_studio/persistence":
            body = json.dumps(self.persistence.status()).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path.startswith(MOTO_API_PREFIX):
            status, headers, body = S3Error(403, "AccessDenied", "moto's management API is not served.").response()
            start_response(status, headers)
            return [body]
        service = service_of(environ)
        if method == "OPTIONS" and service in (None, "s3"):
            bucket, resource = s3_resource(environ)
            status, headers, body = preflight(moto_rules(bucket) if bucket else None, environ, resource=resource)
            start_response(status, headers)
            return [body]
        refused = self._check_upload(environ) if is_browser_upload(environ) else authenticate(environ, self.credentials)
        if refused is None and service == "sqs" and operation_of(environ) == "ReceiveMessage":
            return self._receive(environ, start_response)
        queue = queue_of(environ["wsgi.input"].getvalue()) if service == "sqs" and refused is None else None
        status, headers, body = refused or self._call(environ, service)
        if refused is None and is_mutation(service, environ) and int(status.split()[0]) < 400:
            self._changed(service, queue)
        if method in ("GET", "HEAD") and service in (None, "s3") and s3_resource(environ)[1] == "OBJECT":
            headers = [*headers, ("X-Content-Type-Options", "nosniff")]
        origin = environ.get("HTTP_ORIGIN")
        if origin and service in (None, "s3"):
            bucket, _ = s3_resource(environ)
            rules = moto_rules(bucket) if bucket else None
            headers = with_cors(headers, rules, origin, method)
        start_response(status, headers)
        return [body]

    def _changed(self, service: str | None, queue: str | None = None) -> None:
        changed = {service} if service in SERVICES else set(SERVICES)
        if "s3" in changed:
            changed.add("sqs")  # a bucket notification may have queued an event: it must survive a crash too
            queue = None  # on a queue not named here
        for name in changed:
            self.persistence.mark_dirty(name)
        if "sqs" in changed:
            with self._sqs_changed:
                self._sqs_moved[queue] = self._sqs_moved.get(queue, 0) + 1
                self._sqs_changed.notify_all()

    def _sqs_mark(self, queue: str | None) -> tuple[int, int]:
        """Where `queue`'s changes and those of no known queue stand (under the condition's lock)."""
        return self._sqs_moved.get(queue, 0), self._sqs_moved.get(None, 0)

    def _sqs_moved_on(self, queue: str | None, mark: tuple[int, int]) -> bool:
        return self._sqs_mark(queue) != mark

    def _check_upload(self, environ: dict[str, Any]) -> Response | None:
        """S3's refusal of a browser POST upload, or None to let moto store it (the body stays readable)."""
        if not environ.get("CONTENT_LENGTH"):
            return None  # moto answers 411, as S3 does without a Content-Length
        length = int(environ["CONTENT_LENGTH"])
        body = buffer_body(environ)
        bucket, _ = s3_resource(environ)
        try:
            if len(body) < length:
                message = "You did not provide the number of bytes specified by the Content-Length HTTP header"
                raise S3Error(400, "IncompleteBody", message)
            form = parse_form(body, environ.get("CONTENT_TYPE", ""))
            verify_post(form, bucket=str(bucket), credentials=self.credentials)
        except S3Error as refusal:
            return refusal.response()
        return None

    def _call(self, environ: dict[str, Any], service: str | None = None) -> Response:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, headers

        one_at_a_time = self._dynamodb if service == "dynamodb" else contextlib.nullcontext()
        with self.persistence.gate.request(), one_at_a_time:
            direct = self.dynamodb(environ) if service == "dynamodb" and self.dynamodb else None
            if direct is not None:
                return direct
            chunks = self.app(environ, capture)
            try:
                body = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close:
                    close()
        return captured["status"], captured["headers"], body

    def _receive(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """A long poll done as short receives, so no request holds the gate while it waits."""
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        queue = queue_of(raw)
        try:
            request = json.loads(raw or b"{}")
            wait = float(request.get("WaitTimeSeconds") or 0)
            request["WaitTimeSeconds"] = 0
            raw = json.dumps(request).encode()
        except ValueError:
            wait = 0.0  # the query protocol: no long poll, moto answers as it is
        deadline = time.monotonic() + wait
        while True:
            with self._sqs_changed:
                mark = self._sqs_mark(queue)
            environ["wsgi.input"] = io.BytesIO(raw)
            environ["CONTENT_LENGTH"] = str(len(raw))
            status, headers, body = self._call(environ)
            received = b'"Messages"' in body
            remaining = deadline - time.monotonic()
            if received or remaining <= 0 or not status.startswith("200"):
                break
            # Looked at again when its queue changes (a message sent), or as a message of it becomes visible.
            with self._sqs_changed:
                self._sqs_changed.wait_for(partial(self._sqs_moved_on, queue, mark), min(remaining, retry_in(queue)))
        if received:
            self.persistence.mark_dirty("sqs")
        start_response(status, headers)
        return [body]


def serve(port: int, state_dir: Path, *, host: str = "127.0.0.1") -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    moto_speedups.apply()

    persistence = Persistence(state_dir)
    restored = persistence.restore()
    # The local stack's one key pair (its processes sign with it): requests and POST upload policies are checked
    # against it. Without one, nothing but the status and preflights is answered.
    access_key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    credentials = {access_key: secret} if access_key and secret else {}
    dispatcher = DomainDispatcherApplication(create_backend_app)
    app = PersistentMoto(dispatcher, persistence, credentials=credentials, dynamodb=moto_speedups.dispatch_dynamodb)

    class QuietHandler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Requests are not logged: the local stack makes many and the console is for people."""

    server = make_server(host, port, app, threaded=True, request_handler=kept_alive(QuietHandler))
    persistence.start()
    print(f"[moto] serving on {host}:{port}; restored {restored or 'nothing'}", flush=True)

    def shutdown(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        server.serve_forever()
    finally:
        persistence.stop()
        print("[moto] state saved; stopped", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args()
    serve(args.port, args.state_dir)


if __name__ == "__main__":
    main()
