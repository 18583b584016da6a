"""The local AWS serves DynamoDB requests one at a time (local/moto_server.py): moto applies an update's actions to
the stored item one by one, and a read served meanwhile would see the item half written, which DynamoDB never shows.

The inner app stands in for moto and writes its item in two steps, pausing between them; the middleware in front
of it is the real one."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from local.moto_server import PersistentMoto
from local.persistence import Persistence

pytestmark = pytest.mark.unit

SCOPE = "AWS4-HMAC-SHA256 Credential=KEY/20261207/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"


class TwoStepStore:
    """A WSGI app whose UpdateItem sets `status`, then `result`, with a pause between them a read could fall into."""

    def __init__(self) -> None:
        self.item: dict[str, Any] = {}
        self.half_written = threading.Event()
        self.read_during_write = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["HTTP_X_AMZ_TARGET"].endswith(".UpdateItem"):
            self.item["status"] = "succeeded"
            self.half_written.set()
            self.read_during_write.wait(0.3)  # a read let in now would find the item half written
            self.item["result"] = {"ok": True}
            body = b"{}"
        else:
            self.read_during_write.set()
            body = json.dumps(dict(self.item)).encode()
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
        return [body]


def request(operation: str, service: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}",
        "HTTP_AUTHORIZATION": SCOPE.format(service=service),
    }


def read_during_an_update(tmp_path: Path, service: str) -> dict[str, Any]:
    store = TwoStepStore()
    middleware = PersistentMoto(store, Persistence(tmp_path))
    writer = threading.Thread(target=middleware._call, args=(request("UpdateItem", service), service))
    writer.start()
    assert store.half_written.wait(5)
    _, _, body = middleware._call(request("GetItem", service), service)
    writer.join(5)
    return dict(json.loads(body))


def test_a_read_waits_for_an_update_of_dynamodb_and_sees_the_item_whole(tmp_path: Path) -> None:
    assert read_during_an_update(tmp_path, "dynamodb") == {"status": "succeeded", "result": {"ok": True}}


def test_requests_to_other_services_are_not_held_back(tmp_path: Path) -> None:
    # The stand-in shows what moto would do unguarded: the read comes in between the two steps.
    assert read_during_an_update(tmp_path, "sqs") == {"status": "succeeded"}
