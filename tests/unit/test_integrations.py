"""Integrations: a run by API key becomes a queued chat turn, is polled by its owner only, and its signed
callback is delivered by the runner with retries on 5xx and network errors, never on other 4xx."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import runner.jobs  # noqa: F401  # registers the handlers
from runner.worker import Outcome, Worker
from shared import integrations
from shared.accounts import users
from shared.accounts.domain import Principal
from shared.chat import turns
from shared.integrations import signing
from shared.models.base import utcnow
from shared.models.chat import ExchangeStatus, RawExchange, Session
from shared.models.integrations import IntegrationRun
from shared.models.jobs import Job, JobStatus
from shared.settings import get_settings
from tests.support.accounts import (
    PUBLIC_URL,
    AccountsStack,
    Person,
    Reply,
    call,
    create_key,
    create_user,
    register_first,
)
from tests.support.aws import drain_queue, queued_messages

RUNS = "/api/integrations/runs"


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class CallbackReceiver:
    """A callback endpoint on 127.0.0.1 (stdlib http.server): records every POST, answers the scripted statuses
    in order (then 200), and redirects when told to answer a 3xx."""

    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver.arrived:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.received.append(Received(self.path, headers, body))
                    receiver.arrived.notify_all()
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", f"{receiver.url}/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        """The first `count` callbacks, waiting up to `timeout` seconds for them to arrive."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout):
                raise AssertionError(f"{len(self.received)} of {count} callbacks arrived within {timeout} s")
            return list(self.received[:count])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    server = CallbackReceiver()
    yield server
    server.close()


@dataclass
class Alice:
    person: Person
    key: dict[str, Any]  # the created key, with its one-time `key` and `signingSecret`
    project_id: str


@pytest.fixture
def people(accounts: AccountsStack) -> tuple[Alice, Person]:
    """Alice with an API key and a project, and Bob; the admin exists only to create them."""
    drain_queue(accounts.settings)
    admin = register_first()
    alice, bob = create_user(admin, "alice"), create_user(admin, "bob")
    project = call("POST", "/api/projects", json_body={"name": "Reports"}, token=alice.token)
    assert project.status == 201, project.json
    return Alice(alice, create_key(alice, "ci"), project.json["id"]), bob


def start_run(alice: Alice, **body: Any) -> Reply:
    return call(
        "POST", RUNS, json_body={"projectId": alice.project_id, "prompt": "Summarise", **body}, api_key=alice.key["key"]
    )


def finish_turn(session_id: str, text: str = "The summary.", status: str = "completed") -> None:
    """Record the turn as the runner's chat job does when it ends, then call the hook it calls."""
    RawExchange.get(session_id, 1).update(
        actions=[
            RawExchange.status.set(status),
            RawExchange.response_text.set(text),
            RawExchange.tokens_in.set(12),
            RawExchange.tokens_out.set(4),
            RawExchange.cost_usd.set(0.0021),
            RawExchange.duration_ms.set(1500),
            RawExchange.finished_at.set(utcnow()),
        ]
    )
    integrations.on_turn_finished(session_id, 1)


def jobs_of(job_type: str) -> list[dict[str, Any]]:
    """The queued messages of one job type (received once, hidden for a minute, as the runner would)."""
    return [m for m in queued_messages(get_settings(), visibility=60) if f'"{job_type}"' in m["Body"]]


def runner_handles(message: dict[str, Any]) -> Outcome:
    return Worker(get_settings(), runner_id="runner-test", wait_seconds=0).handle(message)


def run_row(run_id: str) -> IntegrationRun:
    return IntegrationRun.get(run_id, consistent_read=True)


# Starting a run


def test_a_run_by_api_key_is_accepted_at_once_as_a_queued_chat_turn(people: tuple[Alice, Person]) -> None:
    # Given alice's key and project
    alice, _ = people

    # When her integration starts a run with a callback and metadata
    reply = start_run(alice, callbackUrl="http://127.0.0.1:9/hook", metadata={"ticket": 42})

    # Then it is accepted at once, queued, in a new session of hers, with a URL to poll
    assert reply.status == 202, reply.json
    run_id, session_id = reply.json["id"], reply.json["sessionId"]
    assert reply.json == {
        "id": run_id,
        "status": "queued",
        "sessionId": session_id,
        "pollUrl": f"{PUBLIC_URL}/api/integrations/runs/{run_id}",
    }
    assert reply.headers["location"] == reply.json["pollUrl"]
    # and a chat turn waits for the runner, in acceptEdits mode since nobody is there to approve tools
    [message] = jobs_of("chat.turn")
    job = Job.get(json.loads(message["Body"])["job_id"])
    assert job.payload == {
        "session_id": session_id,
        "turn": 1,
        "project_id": alice.project_id,
        "user_id": alice.person.id,
    }
    session = Session.get(session_id)
    assert (session.user_id, session.project_id, session.permission_mode) == (
        alice.person.id,
        alice.project_id,
        "acceptEdits",
    )
    assert RawExchange.get(session_id, 1).request_text == "Summarise"
    # and the run records who started it, where the answer goes and what to echo
    row = run_row(run_id)
    assert (row.user_id, row.key_id, row.session_id, row.turn) == (alice.person.id, alice.key["id"], session_id, 1)
    assert (row.callback_url, row.callback_status, row.callback_attempts) == ("http://127.0.0.1:9/hook", "pending", 0)
    assert row.metadata == {"ticket": 42}


def test_polling_a_queued_run_shows_its_state_and_pending_callback(people: tuple[Alice, Person]) -> None:
    alice, _ = people
    run_id = start_run(alice, callbackUrl="http://127.0.0.1:9/hook").json["id"]

    polled = call("GET", f"{RUNS}/{run_id}", api_key=alice.key["key"])

    assert polled.status == 200
    assert polled.json["status"] == "queued"
    assert (polled.json["result"], polled.json["error"], polled.json["finishedAt"]) == (None, None, None)
    assert polled.json["callback"] == {"url": "http://127.0.0.1:9/hook", "status": "pending", "attempts": 0}


def test_plan_mode_can_be_asked_for(people: tuple[Alice, Person]) -> None:
    alice, _ = people

    reply = start_run(alice, permissionMode="plan")

    assert Session.get(reply.json["sessionId"]).permission_mode == "plan"


def test_the_keys_own_callback_url_is_used_unless_the_run_names_another(people: tuple[Alice, Person]) -> None:
    alice, _ = people
    alice.key = create_key(alice.person, "with hook", "http://127.0.0.1:9/key-hook")

    default = start_run(alice).json["id"]
    override = start_run(alice, callbackUrl="http://127.0.0.1:9/run-hook").json["id"]

    assert run_row(default).callback_url == "http://127.0.0.1:9/key-hook"
    assert run_row(override).callback_url == "http://127.0.0.1:9/run-hook"


def test_a_run_started_with_a_session_token_has_no_callback(people: tuple[Alice, Person]) -> None:
    alice, _ = people
    body = {"projectId": alice.project_id, "prompt": "Summarise"}

    started = call("POST", RUNS, json_body=body, token=alice.person.token)
    with_callback = call(
        "POST", RUNS, json_body={**body, "callbackUrl": "http://127.0.0.1:9/h"}, token=alice.person.token
    )

    assert started.status == 202
    assert call("GET", f"{RUNS}/{started.json['id']}", token=alice.person.token).json["callback"] is None
    assert (with_callback.status, with_callback.code) == (400, "callback_needs_api_key")
    assert "X-API-Key" in with_callback.json["error"]["message"]


@pytest.mark.parametrize(
    ("change", "code", "says"),
    [
        ({"prompt": "   "}, "invalid_prompt", "'prompt' must not be empty"),
        ({"prompt": "x" * 24_001}, "prompt_too_long", "24,001 characters"),
        ({"prompt": None}, "invalid_request", "'prompt'"),
        ({"projectId": None}, "invalid_request", "'projectId'"),
        ({"permissionMode": "default"}, "invalid_request", "'permissionMode'"),
        ({"permissionMode": "bypassPermissions"}, "invalid_request", "'permissionMode'"),
        ({"metadata": {"blob": "x" * 5000}}, "metadata_too_large", "at most 4,096"),
        ({"metadata": ["not", "an", "object"]}, "invalid_request", "'metadata'"),
        ({"callbackUrl": "ftp://example.com/hook"}, "invalid_url", "https://"),
        ({"callbackUrl": "http://user:pw@127.0.0.1:9/hook"}, "invalid_url", "user name or password"),
        ({"callbackUrl": "not a url"}, "invalid_url", "https://"),
        ({"unexpected": True}, "invalid_request", "'unexpected'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_queued(
    people: tuple[Alice, Person], change: dict[str, Any], code: str, says: str
) -> None:
    alice, _ = people
    body = {"projectId": alice.project_id, "prompt": "Summarise", **change}
    body = {name: value for name, value in body.items() if value is not None}

    reply = call("POST", RUNS, json_body=body, api_key=alice.key["key"])

    assert (reply.status, reply.code) == (400, code), reply.json
    assert says in reply.json["error"]["message"]
    assert list(IntegrationRun.scan()) == []
    assert jobs_of("chat.turn") == []


def test_an_unknown_or_someone_elses_project_is_not_found(people: tuple[Alice, Person]) -> None:
    alice, bob = people
    bobs = call("POST", "/api/projects", json_body={"name": "Bob's"}, token=bob.token).json["id"]

    replies = [start_run(alice, projectId=project_id) for project_id in (bobs, "0" * 32, "../etc")]

    assert [(reply.status, reply.code) for reply in replies] == [(404, "project_not_found")] * 3
    assert list(IntegrationRun.scan()) == []


def test_in_the_cloud_callbacks_to_private_addresses_are_refused(
    accounts: AccountsStack, people: tuple[Alice, Person]
) -> None:
    # Given the API in cloud mode (locally, loopback callbacks are allowed for development)
    alice, _ = people
    accounts.configure(STUDIO_MODE="aws", STUDIO_BCRYPT_ROUNDS="10")
    urls = [
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hook",
        "https://localhost/hook",
        "http://127.0.0.1:9/hook",
    ]

    replies = [start_run(alice, callbackUrl=url) for url in urls]

    assert [(reply.status, reply.code) for reply in replies] == [(400, "invalid_url")] * 4
    assert list(IntegrationRun.scan()) == []


@pytest.mark.unit
def test_without_credentials_nothing_is_started() -> None:
    reply = call("POST", RUNS, json_body={"projectId": "p", "prompt": "hi"})

    assert (reply.status, reply.code) == (401, "unauthenticated")


# Polling


def test_only_the_runs_owner_can_poll_it(people: tuple[Alice, Person]) -> None:
    # Given a run started with alice's key
    alice, bob = people
    run_id = start_run(alice).json["id"]
    another_key = create_key(alice.person, "second")["key"]
    bobs_key = create_key(bob, "bob's")["key"]

    # When alice, by any of her credentials, and bob, by his, ask for it
    mine = [
        call("GET", f"{RUNS}/{run_id}", api_key=alice.key["key"]),
        call("GET", f"{RUNS}/{run_id}", api_key=another_key),
        call("GET", f"{RUNS}/{run_id}", token=alice.person.token),
    ]
    theirs = [call("GET", f"{RUNS}/{run_id}", token=bob.token), call("GET", f"{RUNS}/{run_id}", api_key=bobs_key)]

    # Then alice sees it and bob is told there is no such run
    assert [reply.status for reply in mine] == [200] * 3
    assert [(reply.status, reply.code) for reply in theirs] == [(404, "run_not_found")] * 2
    assert theirs[0].without_request_id() == call("GET", f"{RUNS}/run_{'0' * 32}", token=bob.token).without_request_id()


def test_a_finished_run_shows_its_result_usage_and_cost(people: tuple[Alice, Person]) -> None:
    alice, _ = people
    started = start_run(alice, metadata={"ticket": 42}).json

    finish_turn(started["sessionId"], "Sales grew 4%.")
    polled = call("GET", f"{RUNS}/{started['id']}", api_key=alice.key["key"]).json

    assert polled["status"] == "completed"
    assert polled["result"] == "Sales grew 4%."
    assert polled["usage"] == {"inputTokens": 12, "outputTokens": 4, "cacheReadTokens": 0, "cacheWriteTokens": 0}
    assert (polled["costUsd"], polled["durationMs"], polled["metadata"]) == (0.0021, 1500, {"ticket": 42})
    assert polled["finishedAt"] is not None
    assert polled["callback"] is None  # neither the key nor the run named a callback URL
    assert jobs_of("callback.deliver") == []


# Signatures


SECRET = "whsec_test_secret"
BODY = b'{"id":"run_1","status":"completed"}'
HEADER = "t=1700000000,v1=d1a7ed1c4b1431c7895df24d14650a71b89ef88adf85c07d5818890572b58328"


@pytest.mark.unit
def test_a_signature_matches_the_known_vector() -> None:
    # HMAC-SHA256(secret, "1700000000." + body), as `openssl dgst -sha256 -hmac` computes it
    assert signing.sign(SECRET, BODY, timestamp=1_700_000_000) == HEADER
    assert signing.verify_signature(SECRET, HEADER, BODY, now=1_700_000_100)
    assert signing.verify_signature(SECRET, HEADER, BODY.decode(), now=1_700_000_100)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("secret", "header", "body", "now"),
    [
        (SECRET, HEADER, BODY.replace(b"completed", b"failed"), 1_700_000_000),  # tampered body
        (SECRET, HEADER, BODY + b" ", 1_700_000_000),  # re-serialised body
        ("whsec_another_secret", HEADER, BODY, 1_700_000_000),  # wrong secret
        (SECRET, HEADER, BODY, 1_700_000_301),  # stale: more than 300 s old
        (SECRET, HEADER, BODY, 1_699_999_699),  # from the future
        (SECRET, HEADER.replace("t=1700000000", "t=1700000001"), BODY, 1_700_000_000),  # timestamp changed
        (SECRET, HEADER.replace("v1=", "v0="), BODY, 1_700_000_000),  # unknown scheme only
        (SECRET, "v1=" + HEADER.split("v1=")[1], BODY, 1_700_000_000),  # no timestamp
        (SECRET, "", BODY, 1_700_000_000),
        (SECRET, None, BODY, 1_700_000_000),
        (SECRET, "garbage", BODY, 1_700_000_000),
    ],
)
def test_a_signature_that_does_not_fit_is_refused(secret: str, header: str | None, body: bytes, now: int) -> None:
    assert not signing.verify_signature(secret, header, body, now=now)


@pytest.mark.unit
def test_any_matching_v1_among_several_is_accepted_and_the_tolerance_is_the_callers() -> None:
    rotated = f"t=1700000000,v1={'0' * 64},{HEADER.split(',')[1]}"

    assert signing.verify_signature(SECRET, rotated, BODY, now=1_700_000_000)
    assert signing.verify_signature(SECRET, HEADER, BODY, tolerance=3600, now=1_700_003_000)
    assert not signing.verify_signature(SECRET, HEADER, BODY, tolerance=10, now=1_700_000_011)


# Delivery


def test_the_callback_arrives_signed_and_verifiable(people: tuple[Alice, Person], receiver: CallbackReceiver) -> None:
    # Given a run with a callback to a receiver, whose turn has just finished
    alice, _ = people
    started = start_run(alice, callbackUrl=f"{receiver.url}/hooks/studio?src=ci", metadata={"ticket": 42}).json
    finish_turn(started["sessionId"], "Sales grew 4%.")

    # When the runner takes the callback job
    [message] = jobs_of("callback.deliver")
    outcome = runner_handles(message)

    # Then the receiver got one POST, signed with the key's secret, with the run's outcome
    assert outcome.delete
    [got] = receiver.received
    assert got.path == "/hooks/studio?src=ci"
    assert signing.verify_signature(alice.key["signingSecret"], got.headers["x-studio-signature"], got.body)
    assert (got.headers["x-studio-run-id"], got.headers["content-type"]) == (started["id"], "application/json")
    assert got.headers["user-agent"].startswith("sasha-studio-callbacks/")
    body = got.json()
    assert set(body) == {
        "id", "status", "result", "error", "usage", "costUsd", "durationMs", "sessionId", "metadata", "finishedAt",
    }  # fmt: skip
    assert (body["id"], body["status"], body["result"], body["error"]) == (
        started["id"],
        "completed",
        "Sales grew 4%.",
        None,
    )
    assert (body["sessionId"], body["metadata"], body["costUsd"], body["durationMs"]) == (
        started["sessionId"],
        {"ticket": 42},
        0.0021,
        1500,
    )
    assert body["usage"]["outputTokens"] == 4 and body["finishedAt"].endswith("Z")
    # and the run says so
    polled = call("GET", f"{RUNS}/{started['id']}", api_key=alice.key["key"]).json
    assert polled["callback"] == {"url": f"{receiver.url}/hooks/studio?src=ci", "status": "delivered", "attempts": 1}
    assert {k: polled[k] for k in body if k != "metadata"} == {k: body[k] for k in body if k != "metadata"}


def test_a_5xx_is_retried_with_backoff_and_delivered_on_the_second_attempt(
    people: tuple[Alice, Person], receiver: CallbackReceiver
) -> None:
    # Given a receiver that fails once with a 500
    alice, _ = people
    receiver.answers = [500]
    run_id = start_run(alice, callbackUrl=f"{receiver.url}/hook").json["id"]
    finish_turn(run_row(run_id).session_id)
    [message] = jobs_of("callback.deliver")

    # When the runner takes the job, and again when the message comes back after the backoff
    first = runner_handles(message)
    between = run_row(run_id)
    second = runner_handles(message)

    # Then the first attempt was put back for 5 s, and the second delivered it
    assert (first.delete, first.retry_after) == (False, 5)
    assert (between.callback_status, between.callback_attempts, between.callback_http_status) == ("pending", 1, 500)
    assert "answered 500" in between.callback_error
    assert second.delete
    done = run_row(run_id)
    assert (done.callback_status, done.callback_attempts, done.callback_http_status) == ("delivered", 2, 200)
    assert done.callback_error is None
    assert len(receiver.received) == 2
    assert all(
        signing.verify_signature(alice.key["signingSecret"], r.headers["x-studio-signature"], r.body)
        for r in receiver.received
    )
    assert Job.get(json.loads(message["Body"])["job_id"]).status == JobStatus.SUCCEEDED


def test_a_4xx_fails_the_callback_at_once_and_is_not_retried(
    people: tuple[Alice, Person], receiver: CallbackReceiver
) -> None:
    alice, _ = people
    receiver.answers = [400]
    run_id = start_run(alice, callbackUrl=f"{receiver.url}/hook").json["id"]
    finish_turn(run_row(run_id).session_id)
    [message] = jobs_of("callback.deliver")

    outcome = runner_handles(message)

    assert outcome.delete and outcome.retry_after is None
    job = Job.get(json.loads(message["Body"])["job_id"])
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    failed = run_row(run_id)
    assert (failed.callback_status, failed.callback_attempts, failed.callback_http_status) == ("failed", 1, 400)
    assert "answered 400" in failed.callback_error
    assert len(receiver.received) == 1


def test_a_redirect_is_not_followed(people: tuple[Alice, Person], receiver: CallbackReceiver) -> None:
    alice, _ = people
    receiver.answers = [302]
    run_id = start_run(alice, callbackUrl=f"{receiver.url}/hook").json["id"]
    finish_turn(run_row(run_id).session_id)

    outcome = runner_handles(jobs_of("callback.deliver")[0])

    assert outcome.delete
    assert [r.path for r in receiver.received] == ["/hook"]
    assert run_row(run_id).callback_status == "failed"
    assert "redirects are not followed" in run_row(run_id).callback_error


def test_retries_back_off_5_10_20_40_seconds_then_the_callback_fails(
    people: tuple[Alice, Person], receiver: CallbackReceiver
) -> None:
    alice, _ = people
    receiver.answers = [503, 429, 502, 500, 503]
    run_id = start_run(alice, callbackUrl=f"{receiver.url}/hook").json["id"]
    finish_turn(run_row(run_id).session_id)
    [message] = jobs_of("callback.deliver")

    outcomes = [runner_handles(message) for _ in range(5)]

    assert [o.retry_after for o in outcomes[:4]] == [5, 10, 20, 40]
    assert outcomes[4].delete
    failed = run_row(run_id)
    assert (failed.callback_status, failed.callback_attempts, failed.callback_http_status) == ("failed", 5, 503)
    assert Job.get(json.loads(message["Body"])["job_id"]).status == JobStatus.FAILED


def test_a_receiver_that_is_not_listening_is_a_network_error_and_retried(people: tuple[Alice, Person]) -> None:
    alice, _ = people
    closed = CallbackReceiver()
    url = f"{closed.url}/hook"
    closed.close()  # nothing listens on that port any more
    run_id = start_run(alice, callbackUrl=url).json["id"]
    finish_turn(run_row(run_id).session_id)

    outcome = runner_handles(jobs_of("callback.deliver")[0])

    assert (outcome.delete, outcome.retry_after) == (False, 5)
    pending = run_row(run_id)
    assert (pending.callback_status, pending.callback_attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in pending.callback_error


def test_in_the_cloud_the_url_is_checked_again_when_delivering(
    accounts: AccountsStack, people: tuple[Alice, Person], receiver: CallbackReceiver
) -> None:
    # Given runs whose callback URLs were accepted (here: in local mode), one naming a host by its name
    alice, _ = people
    port = receiver.url.rsplit(":", 1)[1]
    by_name = start_run(alice, callbackUrl=f"https://localhost:{port}/hook").json["id"]
    by_address = start_run(alice, callbackUrl=f"{receiver.url}/hook").json["id"]
    for run_id in (by_name, by_address):
        finish_turn(run_row(run_id).session_id)
    messages = jobs_of("callback.deliver")

    # When they are delivered by a runner in cloud mode, where that name now resolves to loopback
    accounts.configure(STUDIO_MODE="aws", STUDIO_BCRYPT_ROUNDS="10")
    outcomes = [runner_handles(message) for message in messages]

    # Then neither is sent nor retried
    assert all(outcome.delete for outcome in outcomes)
    assert receiver.received == []
    assert run_row(by_name).callback_status == run_row(by_address).callback_status == "failed"
    assert "which the server will not call" in run_row(by_name).callback_error
    assert "https://" in run_row(by_address).callback_error


def test_a_deactivated_key_no_longer_signs_callbacks(people: tuple[Alice, Person], receiver: CallbackReceiver) -> None:
    alice, _ = people
    run_id = start_run(alice, callbackUrl=f"{receiver.url}/hook").json["id"]
    call("DELETE", f"/api/api-keys/{alice.key['id']}", token=alice.person.token)
    finish_turn(run_row(run_id).session_id)

    outcome = runner_handles(jobs_of("callback.deliver")[0])

    assert outcome.delete
    assert receiver.received == []
    assert run_row(run_id).callback_status == "failed"
    assert "deactivated" in run_row(run_id).callback_error


def test_a_turn_reported_twice_queues_one_callback(people: tuple[Alice, Person]) -> None:
    alice, _ = people
    started = start_run(alice, callbackUrl="http://127.0.0.1:9/hook").json

    finish_turn(started["sessionId"])
    integrations.on_turn_finished(started["sessionId"], 1)

    assert len(jobs_of("callback.deliver")) == 1


# The hook in the runner's chat job


def test_the_chat_job_hands_a_finished_run_to_its_callback(
    accounts: AccountsStack, people: tuple[Alice, Person], receiver: CallbackReceiver
) -> None:
    # Given a run, and a runner on which Claude is not configured (so the turn fails at once)
    accounts.configure(ANTHROPIC_API_KEY=None, ANTHROPIC_AUTH_TOKEN=None, CLAUDE_CODE_USE_BEDROCK=None)
    alice, _ = people
    started = start_run(alice, callbackUrl=f"{receiver.url}/hook").json

    # When the runner takes the chat turn, then the callback it queued
    [turn] = jobs_of("chat.turn")
    runner_handles(turn)
    [callback] = jobs_of("callback.deliver")
    runner_handles(callback)

    # Then the callback says the run failed, and why
    [got] = receiver.received
    body = got.json()
    assert (body["id"], body["status"], body["result"]) == (started["id"], "failed", None)
    assert "ANTHROPIC_API_KEY" in body["error"]
    assert call("GET", f"{RUNS}/{started['id']}", api_key=alice.key["key"]).json["status"] == "failed"


def test_an_ordinary_chat_turn_queues_no_callback(accounts: AccountsStack, people: tuple[Alice, Person]) -> None:
    accounts.configure(ANTHROPIC_API_KEY=None, ANTHROPIC_AUTH_TOKEN=None, CLAUDE_CODE_USE_BEDROCK=None)
    alice, _ = people
    account = users.get(alice.person.id)
    assert account is not None
    exchange = turns.send(
        Principal(account=account, via="token"), project_id=alice.project_id, session_id=None, message="hi"
    )

    runner_handles(jobs_of("chat.turn")[0])

    assert RawExchange.get(exchange.session_id, 1).status == ExchangeStatus.FAILED
    assert jobs_of("callback.deliver") == []
