"""The local AWS server's long poll (local/moto_server.py): done as short receives, it looks again when its own
queue changes, and not when another queue does (every runner waits on a queue of its own and the shared one)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from local import moto_server
from local.keep_alive import kept_alive
from local.moto_server import PersistentMoto, queue_of
from local.persistence import Persistence

KEY, SECRET = f"test-{secrets.token_hex(6)}", secrets.token_urlsafe(30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Any, list[str | None]]]:
    """An SQS client of a local AWS server, and the queue of each short receive the server made, in order."""
    app = PersistentMoto(
        DomainDispatcherApplication(create_backend_app), Persistence(tmp_path), credentials={KEY: SECRET}
    )
    receives: list[str | None] = []
    call = app._call

    def counted(environ: dict[str, Any], service: str | None = None) -> Any:
        if moto_server.operation_of(environ) == "ReceiveMessage":
            receives.append(queue_of(environ["wsgi.input"].getvalue()))
        return call(environ, service)

    app._call = counted  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=kept_alive(MotoRequestHandler))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = boto3.client(
            "sqs",
            endpoint_url=f"http://127.0.0.1:{server.port}",
            region_name="us-east-1",
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
        )
        yield client, receives
    finally:
        server.shutdown()


def test_a_long_poll_looks_again_for_its_own_queue_not_for_another(
    served: tuple[Any, list[str | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two queues, and no look again on a timer within this test
    monkeypatch.setattr(moto_server, "LONG_POLL_RETRY_SECONDS", 60.0)
    client, receives = served
    mine, other = (client.create_queue(QueueName=name)["QueueUrl"] for name in ("mine", "other"))

    with ThreadPoolExecutor(max_workers=1) as pool:
        # When a long poll waits on one while messages keep coming to the other
        waiting = pool.submit(client.receive_message, QueueUrl=mine, WaitTimeSeconds=1)
        for number in range(10):
            client.send_message(QueueUrl=other, MessageBody=f"not yours {number}")
        nothing = waiting.result(timeout=30)

        # Then it looked once, and once more as its wait ended: never for the other queue's messages
        assert "Messages" not in nothing
        assert receives.count("mine") == 2

        # And when a message comes to its own queue, a waiting long poll gets it
        waiting = pool.submit(client.receive_message, QueueUrl=mine, WaitTimeSeconds=20)
        client.send_message(QueueUrl=mine, MessageBody="yours")
        [message] = waiting.result(timeout=30)["Messages"]
    assert message["Body"] == "yours"


def test_a_request_names_its_queue_by_the_last_part_of_its_url() -> None:
    assert queue_of(b'{"QueueUrl": "http://127.0.0.1:5000/123456789012/jobs.fifo"}') == "jobs.fifo"
    assert queue_of(b"Action=SendMessage&QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F1%2Fq%2F") == "q"
    for unnamed in (b"", b"{}", b'{"QueueUrl": 7}', b"[1]", b"Action=ListQueues"):
        assert queue_of(unnamed) is None


def test_a_long_poll_gets_a_message_as_its_visibility_or_delay_runs_out(
    served: tuple[Any, list[str | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no look again on a timer within this test: only the queue's own deadlines wake a waiting poll
    monkeypatch.setattr(moto_server, "LONG_POLL_RETRY_SECONDS", 60.0)
    client, receives = served
    queue = client.create_queue(QueueName="deadlines")["QueueUrl"]
    client.send_message(QueueUrl=queue, MessageBody="taken")
    [taken] = client.receive_message(QueueUrl=queue, VisibilityTimeout=1)["Messages"]

    # When a long poll waits while the message is in flight, and another is sent with a delay
    client.send_message(QueueUrl=queue, MessageBody="delayed", DelaySeconds=2)
    before = receives.count("deadlines")
    with ThreadPoolExecutor(max_workers=1) as pool:
        # (a poll that waited its 20 s out would find them too: each must come before that, as it becomes visible)
        first = pool.submit(client.receive_message, QueueUrl=queue, WaitTimeSeconds=20).result(timeout=10)["Messages"]
        second = pool.submit(client.receive_message, QueueUrl=queue, WaitTimeSeconds=20).result(timeout=10)["Messages"]

    # Then each arrives as it becomes visible, in a few looks
    assert [message["Body"] for message in first + second] == ["taken", "delayed"]
    assert first[0]["MessageId"] == taken["MessageId"]
    assert receives.count("deadlines") - before <= 6  # two looks each, and a spare: no look every quarter second


def test_a_poll_waits_for_its_queues_next_message_to_become_visible_and_often_for_a_queue_unknown() -> None:
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        queue = client.create_queue(QueueName="waits")["QueueUrl"]
        assert moto_server.retry_in("waits") == moto_server.LONG_POLL_RETRY_SECONDS  # nothing to come: only a change

        client.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=3)
        assert 0 < moto_server.retry_in("waits") <= 3.01  # as its delay runs out (3 s at most, not 5)

    assert moto_server.retry_in("no-such-queue") == moto_server.UNKNOWN_QUEUE_RETRY_SECONDS
    assert moto_server.retry_in(None) == moto_server.UNKNOWN_QUEUE_RETRY_SECONDS
