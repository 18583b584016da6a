"""Workflow 6 on the local stack: presigned uploads of 50 MB through the API, S3 (which enforces the signed
policy) and the ingest function; and the file tree following a file Claude writes in a chat turn."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.e2e.test_chat import Chat
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack, wait_until

MB = 1024 * 1024
LIMIT = 50 * MB
TERMINAL = {"stored", "converted", "conversion_failed", "too_large", "rejected", "cancelled", "expired"}


def _headers(stack: LocalStack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.admin_token()}"}


def _project(stack: LocalStack) -> str:
    reply = requests.post(
        f"{stack.base_url}/api/projects",
        json={"name": f"files {time.monotonic_ns()}"},
        headers=_headers(stack),
        timeout=30,
    )
    reply.raise_for_status()
    return str(reply.json()["id"])


def _presign(stack: LocalStack, project: str, path: str, size: int) -> requests.Response:
    return requests.post(
        f"{stack.base_url}/api/projects/{project}/files/uploads",
        json={"path": path, "size": size, "contentType": "application/octet-stream"},
        headers=_headers(stack),
        timeout=30,
    )


def _post_to_s3(upload: dict[str, Any], data: bytes, name: str) -> requests.Response:
    """What the SPA does: the signed fields first, the file last, multipart/form-data, from the SPA's origin."""
    origin = upload["url"].split("/")[2]
    return requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": (name, data, "application/octet-stream")},
        headers={"Origin": f"http://{origin}"},
        timeout=120,
    )


def _upload_state(stack: LocalStack, project: str, upload_id: str) -> dict[str, Any]:
    reply = requests.get(
        f"{stack.base_url}/api/projects/{project}/files/uploads/{upload_id}", headers=_headers(stack), timeout=30
    )
    reply.raise_for_status()
    return dict(reply.json())


def _tree_paths(stack: LocalStack, project: str) -> dict[str, int]:
    reply = requests.get(f"{stack.base_url}/api/projects/{project}/files/tree", headers=_headers(stack), timeout=30)
    reply.raise_for_status()
    found: dict[str, int] = {}

    def walk(node: dict[str, Any]) -> None:
        for child in node["children"]:
            if child["type"] == "folder":
                walk(child)
            else:
                found[child["path"]] = child["size"]

    walk(reply.json()["root"])
    return found


def test_a_50_mb_file_goes_up_presigned_and_lands_in_the_project(local_stack: LocalStack) -> None:
    # given a project and a 50 MB file (exactly the limit)
    project = _project(local_stack)
    data = bytes(range(256)) * (LIMIT // 256)
    assert len(data) == LIMIT

    # when the API presigns it and the file is posted straight to S3
    presigned = _presign(local_stack, project, "media/recording.bin", len(data))
    assert presigned.status_code == 201, presigned.text
    upload = presigned.json()
    posted = _post_to_s3(upload, data, "recording.bin")
    assert posted.status_code == 204, posted.text

    # then the ingest function stores it, the upload ends "stored", and the tree shows it with its size
    state = wait_until(
        lambda: (s := _upload_state(local_stack, project, upload["uploadId"]))["state"] in TERMINAL and s,
        timeout=120,
        what="the upload to be ingested",
    )
    assert (state["state"], state["size"]) == ("stored", LIMIT)
    assert _tree_paths(local_stack, project)["media/recording.bin"] == LIMIT
    key = f"projects/{project}/files/media/recording.bin"
    head = local_stack.client("s3").head_object(Bucket="studio-workspace", Key=key)
    assert head["ContentLength"] == LIMIT


def test_one_byte_over_50_mb_is_refused_by_the_api_and_by_s3(local_stack: LocalStack) -> None:
    project = _project(local_stack)

    # the API refuses to presign it
    refused = _presign(local_stack, project, "too-big.bin", LIMIT + 1)
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "too_large"

    # and a client that declares 50 MB but sends one byte more is refused by S3's policy check
    upload = _presign(local_stack, project, "too-big.bin", LIMIT).json()
    posted = _post_to_s3(upload, b"\0" * (LIMIT + 1), "too-big.bin")
    assert posted.status_code == 400
    assert "<Code>EntityTooLarge</Code>" in posted.text
    # the SPA then cancels the record, which ends in a terminal state; nothing reached the project
    cancel = requests.post(
        f"{local_stack.base_url}/api/projects/{project}/files/uploads/{upload['uploadId']}/cancel",
        json={"reason": "S3 refused the file: EntityTooLarge"},
        headers=_headers(local_stack),
        timeout=30,
    )
    assert cancel.json()["state"] == "cancelled"
    assert _tree_paths(local_stack, project) == {}


@requires_claude
@pytest.mark.usefixtures("api")
def test_the_tree_shows_a_file_claude_wrote_in_a_chat_turn(stack: LocalStack, api: FakeAnthropic) -> None:
    # given a project whose tree was read (and so cached)
    api.unscript()
    project = _project(stack)
    assert _tree_paths(stack, project) == {}
    assert _tree_paths(stack, project) == {}  # the cached answer

    # when Claude writes a file during a turn (the runner pushes it to S3)
    api.script(Reply.write("summary.md", "# Summary\n"), Reply.text("Written."))
    chat = Chat(stack)
    try:
        chat.send(project, "write a summary", permissionMode="acceptEdits")
        done = chat.turn_end()
    finally:
        chat.close()

    # then the next tree read shows it: the runner's push moved the tree's generation on
    assert done["type"] == "turn.done"
    assert _tree_paths(stack, project) == {"summary.md": len("# Summary\n")}
