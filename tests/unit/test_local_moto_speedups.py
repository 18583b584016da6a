"""The local AWS server's memoized lookups (local/moto_speedups.py) answer as moto's own do."""

from __future__ import annotations

from moto.core import responses
from moto.dynamodb.responses import DynamoHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.responses import S3Response

from local import moto_speedups

HOSTS = [
    None,
    "moto_api",
    "dynamodb",
    "s3",
    "sqs.us-east-1.amazonaws.com",
    "kms.us-east-1.amazonaws.com",
    "s3.us-east-1.amazonaws.com",
    "bucket-name.s3.amazonaws.com",
    "execute-api.us-east-1.amazonaws.com",
    "127.0.0.1:4566",
]


def test_the_dispatcher_finds_the_same_backend_for_every_host_and_keeps_it() -> None:
    before = DomainDispatcherApplication.get_backend_for_host
    dispatcher = DomainDispatcherApplication(create_backend_app)
    unmemoized = getattr(before, "__wrapped__", before)
    expected = {host: unmemoized(dispatcher, host) for host in HOSTS}

    moto_speedups.apply()
    moto_speedups.apply()  # twice is once

    memoized = DomainDispatcherApplication.get_backend_for_host
    assert getattr(memoized, "memoized", False)
    for _ in range(2):  # computed, then kept
        assert {host: dispatcher.get_backend_for_host(host) for host in HOSTS} == expected
    assert expected["dynamodb"] == "dynamodb" and expected["sqs.us-east-1.amazonaws.com"] == "sqs"


def test_a_response_class_keeps_the_method_names_moto_reads_each_call() -> None:
    moto_speedups.apply()
    uncached = responses.method_names_from_class.__wrapped__  # type: ignore[attr-defined]
    for handler in (DynamoHandler, S3Response):
        names = responses.method_names_from_class(handler)
        assert names == uncached(handler)
        assert names is responses.method_names_from_class(handler)  # kept
    assert "get_item" in responses.method_names_from_class(DynamoHandler)
