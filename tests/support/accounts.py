"""Accounts test kit: the REST API through its Lambda entry point, a fake Postmark, and account factories.

The stack (moto with every table, a KMS key, the workspace bucket, a fake Postmark) is built once per test
module; the `accounts` fixture empties it again after every test.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import parse_qs, urlsplit

import botocore.endpoint
import pytest

from local.lambda_events import LambdaContext
from shared import aws
from shared.models.base import all_models
from shared.settings import Settings, get_settings
from tests.support.aws import moto_aws, tables_emptied_after

EVENTS = Path(__file__).parent.parent / "events"
GATEWAY_EVENT = json.loads((EVENTS / "api_health.json").read_text())
WS_CONNECT_EVENT = json.loads((EVENTS / "ws_connect.json").read_text())

PASSWORD = "correct horse battery staple"
JWT_SECRET = "unit-test-jwt-secret-0123456789abcdef"
POSTMARK_TOKEN = "unit-test-postmark-token"
KMS_ALIAS = "alias/studio-accounts-test"
PUBLIC_URL = "https://studio.example.test"
CLIENT_IP = "203.0.113.7"
_NO_BODY: Any = object()


class FakePostmark:
    """A Postmark stand-in on 127.0.0.1: records every POST /email, or answers 500 while told to fail."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.failing = False
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if fake.failing:
                    return self._answer(500, {"ErrorCode": 500, "Message": "Internal server error (fake)."})
                if self.headers.get("X-Postmark-Server-Token") != POSTMARK_TOKEN or self.path != "/email":
                    return self._answer(401, {"ErrorCode": 10, "Message": "Bad or missing Server API token."})
                message = json.loads(body)
                with fake._lock:
                    fake.messages.append(message)
                return self._answer(200, {"To": message["To"], "MessageID": f"m-{len(fake.messages)}", "ErrorCode": 0})

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def sent(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.messages)

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
        self.failing = False

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    json: Any

    @property
    def code(self) -> str | None:
        error = (self.json or {}).get("error") if isinstance(self.json, dict) else None
        return error.get("code") if error else None

    def without_request_id(self) -> Any:
        body = copy.deepcopy(self.json)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body["error"].pop("requestId", None)
        return body


def api_event(
    method: str,
    path: str,
    *,
    json_body: Any = _NO_BODY,
    body: str | None = None,
    raw_body: bytes | None = None,
    token: str | None = None,
    api_key: str | None = None,
    source_ip: str = CLIENT_IP,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event shaped like the recorded one, for `method path`."""
    event = copy.deepcopy(GATEWAY_EVENT)
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["path"] = path
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["requestContext"]["identity"]["sourceIp"] = source_ip
    all_headers = dict(event["headers"])
    if json_body is not _NO_BODY:
        body = json.dumps(json_body)
        all_headers["Content-Type"] = "application/json"
    if raw_body is not None:
        event["body"], event["isBase64Encoded"] = base64.b64encode(raw_body).decode(), True
    else:
        event["body"] = body
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    if api_key is not None:
        all_headers["X-API-Key"] = api_key
    all_headers.update(headers or {})
    event["headers"] = all_headers
    event["multiValueHeaders"] = {name: [value] for name, value in all_headers.items()}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    return event


def call(method: str, path: str, **kwargs: Any) -> Reply:
    """One request through the api Lambda's handler (API Gateway → Mangum → FastAPI)."""
    from functions.api.handler import handler

    response = handler(api_event(method, path, **kwargs), LambdaContext("api"))
    text = response.get("body") or ""
    return Reply(response["statusCode"], dict(response.get("headers") or {}), json.loads(text) if text else None)


@dataclass
class Person:
    """An account the test made, with what it takes to act as it."""

    id: str
    username: str
    password: str
    token: str
    email: str | None = None
    is_admin: bool = False

    def refresh_token(self) -> str:
        reply = call("POST", "/api/auth/login", json_body={"username": self.username, "password": self.password})
        assert reply.status == 200, reply.json
        self.token = reply.json["token"]
        return self.token


def sign_in(username: str, password: str = PASSWORD) -> Person:
    """An existing account, signed in."""
    reply = call("POST", "/api/auth/login", json_body={"username": username, "password": password})
    assert reply.status == 200, reply.json
    user = reply.json["user"]
    return Person(user["id"], username, password, reply.json["token"], user["email"], is_admin=user["isAdmin"])


def register_first(username: str = "admin", password: str = PASSWORD, **fields: Any) -> Person:
    reply = call("POST", "/api/auth/register", json_body={"username": username, "password": password, **fields})
    assert reply.status == 201, reply.json
    user = reply.json["user"]
    return Person(user["id"], username, password, reply.json["token"], user["email"], is_admin=True)


def create_user(
    admin: Person, username: str, *, is_admin: bool = False, email: str | None = None, password: str = PASSWORD
) -> Person:
    body = {"username": username, "password": password, "email": email, "isAdmin": is_admin}
    reply = call("POST", "/api/admin/users", json_body=body, token=admin.token)
    assert reply.status == 201, reply.json
    person = Person(reply.json["id"], username, password, "", email, is_admin=is_admin)
    person.refresh_token()
    return person


def create_key(
    owner: Person, name: str = "integration", callback_url: str | None = None, *, scope: str | None = None
) -> dict[str, Any]:
    """A key of the owner, of the given scope ("integrations" or "full"); None: the product's default."""
    body = {"name": name, "callbackUrl": callback_url, **({"scope": scope} if scope else {})}
    reply = call("POST", "/api/api-keys", json_body=body, token=owner.token)
    assert reply.status == 201, reply.json
    return dict(reply.json)


def reset_token_from(message: dict[str, Any]) -> str:
    """The token of the reset link in a recorded email."""
    link = next(word for word in message["TextBody"].split() if word.startswith(f"{PUBLIC_URL}/reset-password?"))
    return parse_qs(urlsplit(link).query)["token"][0]


class FrozenClock:
    """Stands in for the `time` module inside tokens.py, so a token can be issued at another moment."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def token_issued_at(person_id: str, moment: float) -> str:
    """A token signed with the real secret as if issued at `moment` (epoch seconds): no sleeping for expiry."""
    from shared.accounts import tokens, users

    account = users.get(person_id)
    assert account is not None
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr(tokens, "time", FrozenClock(moment))
        token, _ = tokens.issue(person_id, account.token_version)
    return token


def with_claims(token: str, **changes: Any) -> str:
    """The token with its payload changed and its signature kept (a tampered token)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, **changes}).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@dataclass
class AccountsStack:
    settings: Settings
    postmark: FakePostmark
    _patch: pytest.MonkeyPatch | None = None

    def configure(self, **env: str | None) -> Settings:
        """Change environment variables for this test only (None removes one) and re-read the settings."""
        assert self._patch is not None, "configure() is for use inside a test"
        for name, value in env.items():
            if value is None:
                self._patch.delenv(name, raising=False)
            else:
                self._patch.setenv(name, value)
        get_settings.cache_clear()
        return get_settings()


@pytest.fixture(scope="module")
def accounts_stack() -> Iterator[AccountsStack]:
    """moto with every table, a KMS key for sealed secrets, the workspace bucket and a fake Postmark."""
    postmark = FakePostmark()
    env = {
        "STUDIO_BCRYPT_ROUNDS": "4",
        "STUDIO_JWT_SECRET": JWT_SECRET,
        "STUDIO_POSTMARK_TOKEN": POSTMARK_TOKEN,
        "STUDIO_POSTMARK_API_URL": postmark.url,
        "STUDIO_KMS_KEY_ID": KMS_ALIAS,
        "STUDIO_PUBLIC_URL": PUBLIC_URL,
    }
    try:
        with moto_aws(all_models(), **env) as settings:
            yield _provision(settings, postmark)
    finally:
        postmark.close()


def _provision(settings: Settings, postmark: FakePostmark) -> AccountsStack:
    kms = aws.client("kms")
    key_id = kms.create_key(Description="sealed secrets of the accounts tests")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key_id)
    aws.client("s3").create_bucket(Bucket=settings.workspace_bucket)
    return AccountsStack(settings, postmark)


@pytest.fixture
def accounts(accounts_stack: AccountsStack) -> Iterator[AccountsStack]:
    """The stack with empty tables, an empty bucket and a working Postmark; env changes are undone afterwards."""
    with tables_emptied_after(), pytest.MonkeyPatch.context() as patch:
        accounts_stack._patch = patch
        try:
            yield accounts_stack
        finally:
            accounts_stack._patch = None
    get_settings.cache_clear()
    accounts_stack.postmark.reset()
    s3 = aws.client("s3")
    for item in s3.list_objects_v2(Bucket=accounts_stack.settings.workspace_bucket).get("Contents", []):
        s3.delete_object(Bucket=accounts_stack.settings.workspace_bucket, Key=item["Key"])
    sqs, queue_url = aws.client("sqs"), accounts_stack.settings.jobs_queue_url
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:  # PurgeQueue is allowed once a minute; deleting is not limited
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def serialized_moto() -> Iterator[None]:
    """Run moto's requests one at a time.

    Real DynamoDB checks a transaction's conditions and applies its writes atomically; moto, in-process,
    does not guard a transaction against a concurrent request. The races under test are the product's own
    logic under concurrency (read, decide, write conditionally), so each moto request is made atomic here.
    """
    lock = threading.RLock()
    original = botocore.endpoint.Endpoint._do_get_response

    def one_at_a_time(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.endpoint.Endpoint, "_do_get_response", one_at_a_time)
        yield


R = TypeVar("R")


def run_together(calls: list[Callable[[], R]], *, timeout: float = 30) -> list[R]:
    """Start one thread per call (each like its own Lambda instance), release them at once, collect what they
    return; the first exception a call raised is raised here."""
    barrier = threading.Barrier(len(calls))
    replies: list[R | BaseException | None] = [None] * len(calls)

    def run(index: int) -> None:
        loop = asyncio.new_event_loop()  # Mangum runs the app on the thread's event loop
        asyncio.set_event_loop(loop)
        try:
            barrier.wait(timeout=timeout)
            replies[index] = calls[index]()
        except BaseException as exc:
            replies[index] = exc
        finally:
            loop.close()
            asyncio.set_event_loop(None)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
        assert not thread.is_alive(), "a concurrent request did not finish in time"
    for reply in replies:
        if isinstance(reply, BaseException):
            raise reply
    return cast(list[R], replies)
