"""Workflow 6 (file upload) and the file routes, through the api Lambda's handler with moto S3 and DynamoDB.

The presigned POST is exercised here against moto in-process (which stores what it is sent); the size limit S3
enforces is tested on the local stack (tests/e2e/test_files_e2e.py), whose S3 verifies POST policies.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_plus

import pytest
import requests
from botocore.exceptions import ClientError
from urllib3 import encode_multipart_formdata

from shared import aws
from shared.files import multipart as multipart_files
from shared.files import tree
from shared.models.base import utcnow
from shared.models.files import Upload
from shared.models.projects import ProjectMember, ProjectRole
from tests.support.accounts import AccountsStack, Person, Reply, call, create_user, register_first
from tests.support.documents import photo_report_docx, report_docx, with_padded_body

MB = 1024 * 1024


def make_project(person: Person, name: str = "wiki") -> str:
    reply = call("POST", "/api/projects", json_body={"name": name}, token=person.token)
    assert reply.status == 201, reply.json
    return str(reply.json["id"])


def multipart(person: Person, project: str, *files: tuple[str, bytes], folder: str | None = None) -> Reply:
    fields: list[Any] = [("files", (name, data, "application/octet-stream")) for name, data in files]
    if folder is not None:
        fields.append(("folder", folder))
    body, content_type = encode_multipart_formdata(fields)
    return call(
        "POST",
        f"/api/files/{project}/upload-documents",
        raw_body=body,
        token=person.token,
        headers={"Content-Type": content_type},
    )


def tree_of(person: Person, project: str, **headers: str) -> Reply:
    return call("GET", f"/api/projects/{project}/files/tree", token=person.token, headers=headers or None)


def paths_in(node: dict[str, Any]) -> list[str]:
    found = [node["path"]] if node["path"] else []
    for child in node.get("children", []):
        found += paths_in(child) if child["type"] == "folder" else [child["path"]]
    return found


def stored(accounts: AccountsStack, project: str) -> list[str]:
    prefix = f"projects/{project}/files/"
    listing = aws.client("s3").list_objects_v2(Bucket=accounts.settings.workspace_bucket, Prefix=prefix)
    return sorted(item["Key"][len(prefix) :] for item in listing.get("Contents", []))


def header(reply: Reply, name: str) -> str:
    return next(value for key, value in reply.headers.items() if key.lower() == name.lower())


def read(person: Person, project: str, path: str) -> Reply:
    return call("GET", f"/api/projects/{project}/files/content", query={"path": path}, token=person.token)


@pytest.fixture
def owner(accounts: AccountsStack) -> Person:
    tree.reset_memory()
    return register_first()


# --- the multipart route (workflow 6 as the spec writes it) ---------------------------------------------------------


def test_small_files_are_uploaded_converted_and_described(accounts: AccountsStack, owner: Person) -> None:
    # given a project
    project = make_project(owner)

    # when a Word document and a text file are posted as multipart/form-data into a folder
    reply = multipart(owner, project, ("Plan.docx", report_docx()), ("notes.txt", b"hello\n"), folder="docs")

    # then both are stored in the folder, the document is converted beside it, and each is described
    assert reply.status == 201, reply.json
    files = {item["path"]: item for item in reply.json["files"]}
    assert set(files) == {"docs/Plan.docx", "docs/notes.txt"}
    assert reply.json["uploads"] == []
    assert files["docs/notes.txt"]["size"] == 6
    assert files["docs/notes.txt"]["conversion"]["status"] == "none"
    conversion = files["docs/Plan.docx"]["conversion"]
    assert conversion["status"] == "converted"
    assert conversion["path"] == "docs/Plan.docx.md"
    assert conversion["extracted"] and all(path.startswith("docs/Plan_files/") for path in conversion["extracted"])
    assert set(stored(accounts, project)) >= {"docs/Plan.docx", "docs/Plan.docx.md", "docs/notes.txt"}
    markdown = read(owner, project, "docs/Plan.docx.md").json["content"]
    assert markdown.startswith("# ")
    assert "| --- |" in markdown


def test_the_spec_route_takes_the_project_name_too(accounts: AccountsStack, owner: Person) -> None:
    make_project(owner, "Sales Wiki")
    reply = multipart(owner, "Sales Wiki", ("a.txt", b"a"))
    assert reply.status == 201, reply.json


def test_a_request_over_the_direct_limit_is_413_and_names_the_presigned_route(
    accounts: AccountsStack, owner: Person
) -> None:
    project = make_project(owner)
    reply = multipart(owner, project, ("big.bin", b"\0" * (4 * MB + 1)))
    assert reply.status == 413
    assert reply.json["error"]["code"] == "too_large"
    assert "/files/uploads" in reply.json["error"]["message"]
    assert stored(accounts, project) == []


@pytest.mark.parametrize("name", ["../escape.txt", "..", "a\\b.txt", "%2e%2e/x.txt", "/etc/passwd", "x\u202etxt.exe"])
def test_an_invalid_file_name_is_400_and_nothing_is_stored(accounts: AccountsStack, owner: Person, name: str) -> None:
    project = make_project(owner)
    reply = multipart(owner, project, ("ok.txt", b"fine"), (name, b"sneaky"))
    assert reply.status == 400, reply.json
    assert reply.json["error"]["code"] == "invalid_path"
    assert "sneaky" not in json.dumps(stored(accounts, project))


def test_a_body_that_is_not_multipart_is_a_clear_400(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    reply = call("POST", f"/api/files/{project}/upload-documents", json_body={"files": []}, token=owner.token)
    assert reply.status == 400
    assert "multipart/form-data" in reply.json["error"]["message"]
    body, content_type = encode_multipart_formdata([("folder", "docs")])
    reply = call(
        "POST",
        f"/api/files/{project}/upload-documents",
        raw_body=body,
        token=owner.token,
        headers={"Content-Type": content_type},
    )
    assert reply.status == 400
    assert "Attach at least one file" in reply.json["error"]["message"]


def test_a_storage_failure_is_500_with_a_request_id(
    accounts: AccountsStack, owner: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given S3 failing the way a full or broken store does
    project = make_project(owner)
    s3 = aws.client("s3")

    def failing_put(**kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "We encountered an internal error."}}, "Put")

    monkeypatch.setattr(s3, "put_object", failing_put)

    # when a file is uploaded / then the answer is a 500 the user can quote, and nothing is half-stored
    reply = multipart(owner, project, ("a.txt", b"a"))
    assert reply.status == 500
    assert reply.json["error"]["code"] == "storage_failed"
    assert reply.json["error"]["requestId"]
    monkeypatch.undo()
    assert stored(accounts, project) == []


def test_a_conversion_failure_keeps_the_original_and_says_why(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    reply = multipart(owner, project, ("broken.docx", b"not a word file"))
    assert reply.status == 201
    conversion = reply.json["files"][0]["conversion"]
    assert conversion["status"] == "failed"
    assert conversion["reason"]
    assert stored(accounts, project) == ["broken.docx"]


def ingest(accounts: AccountsStack, project: str, upload: dict[str, Any]) -> None:
    """What S3's object-created event does for an upload the API wrote: the ingest function runs on its key."""
    from functions.ingest.handler import handler
    from local.lambda_events import LambdaContext

    key = f"uploads/{project}/{upload['uploadId']}/{upload['path']}"
    handler(ingest_event(accounts.settings.workspace_bucket, key), LambdaContext("ingest"))


def upload_state(person: Person, project: str, upload_id: str) -> dict[str, Any]:
    reply = call("GET", f"/api/projects/{project}/files/uploads/{upload_id}", token=person.token)
    assert reply.status == 200, reply.json
    return dict(reply.json)


def test_a_large_document_is_handed_to_the_ingest_function_and_followed_to_converted(
    accounts: AccountsStack, owner: Person
) -> None:
    # given a project, and a Word report with a photo: over the 256 KB converted inside a request
    project = make_project(owner)
    document = photo_report_docx()
    assert len(document) > 256 * 1024

    # when it is posted with a text file
    reply = multipart(owner, project, ("Site report.docx", document), ("notes.txt", b"hello\n"), folder="docs")

    # then the text file is stored at once, and the document comes back as a pending upload, not yet converted
    assert reply.status == 201, reply.json
    assert [item["path"] for item in reply.json["files"]] == ["docs/notes.txt"]
    (upload,) = reply.json["uploads"]
    assert (upload["path"], upload["state"], upload["size"]) == ("docs/Site report.docx", "pending", len(document))
    assert stored(accounts, project) == ["docs/notes.txt"]
    assert upload_state(owner, project, upload["uploadId"])["state"] == "pending"

    # when S3's event for the upload reaches the ingest function
    ingest(accounts, project, upload)

    # then the upload's status route says converted, and the document and its Markdown are in the project
    state = upload_state(owner, project, upload["uploadId"])
    assert (state["state"], state["convertedPath"]) == ("converted", "docs/Site report.docx.md")
    assert state["extracted"] == ["docs/Site report_files/image-1.png", "docs/Site report_files/image-2.png"]
    assert {"docs/Site report.docx", "docs/Site report.docx.md"} <= set(stored(accounts, project))
    assert read(owner, project, "docs/Site report.docx.md").json["content"].startswith("# Quarterly report")
    assert {"docs/Site report.docx", "docs/Site report.docx.md"} <= set(paths_in(tree_of(owner, project).json["root"]))


def test_a_document_over_the_caps_ends_conversion_failed_with_the_original_kept(
    accounts: AccountsStack, owner: Person
) -> None:
    # given a valid .docx of a few dozen KB whose XML would unpack to 17 MB: too much to convert in a request
    project = make_project(owner)
    bomb = with_padded_body(report_docx(), 17 * 1024**2)

    # when it is posted / then it is handed over at once, without being unpacked
    reply = multipart(owner, project, ("padded.docx", bomb))
    assert reply.status == 201, reply.json
    assert reply.json["files"] == []
    (upload,) = reply.json["uploads"]
    assert upload["state"] == "pending"

    # when the ingest function runs / then the upload ends conversion_failed, says why, and the original is kept
    ingest(accounts, project, upload)
    state = upload_state(owner, project, upload["uploadId"])
    assert state["state"] == "conversion_failed"
    assert "would unpack to more than 16 MB" in state["reason"]
    assert stored(accounts, project) == ["padded.docx"]


def test_documents_past_the_requests_conversion_time_are_handed_over(
    accounts: AccountsStack, owner: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a request whose time for converting is spent
    monkeypatch.setattr(multipart_files, "INLINE_SECONDS", 0.0)
    project = make_project(owner)

    # when a small document and a text file are posted
    reply = multipart(owner, project, ("Plan.docx", report_docx()), ("notes.txt", b"hello\n"))

    # then the text file is stored, and the document is left to the ingest function, which converts it
    assert [item["path"] for item in reply.json["files"]] == ["notes.txt"]
    (upload,) = reply.json["uploads"]
    ingest(accounts, project, upload)
    assert upload_state(owner, project, upload["uploadId"])["state"] == "converted"


def test_a_handed_over_document_the_ingest_never_finished_reads_as_expired_with_why(
    accounts: AccountsStack, owner: Person
) -> None:
    # given a large document handed to the ingest function, which failed every try (its event is in the DLQ)
    project = make_project(owner)
    upload_id = multipart(owner, project, ("Site report.docx", photo_report_docx())).json["uploads"][0]["uploadId"]
    Upload.get(upload_id).update(actions=[Upload.post_expires_at.set(utcnow().replace(year=2020))])

    # when its state is read / then it has ended, and the reason does not claim the file never arrived
    state = upload_state(owner, project, upload_id)
    assert state["state"] == "expired"
    assert state["reason"].startswith("The file arrived but could not be processed")


# --- presigned uploads -----------------------------------------------------------------------------------------------


def presign(person: Person, project: str, path: str, size: int, **extra: Any) -> Reply:
    body = {"path": path, "size": size, **extra}
    return call("POST", f"/api/projects/{project}/files/uploads", json_body=body, token=person.token)


def ingest_event(bucket: str, key: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventName": "ObjectCreated:Post",
                "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/")}},
                "responseElements": {"x-amz-request-id": "TEST"},
            }
        ]
    }


def test_a_presigned_upload_is_posted_to_s3_then_ingested(accounts: AccountsStack, owner: Person) -> None:
    # given a presigned POST for a document
    project = make_project(owner)
    document = report_docx()
    reply = presign(owner, project, "reports/Q3 plan.docx", len(document))
    assert reply.status == 201, reply.json
    upload = reply.json
    assert upload["maxBytes"] == 50 * MB
    assert (
        call("GET", f"/api/projects/{project}/files/uploads/{upload['uploadId']}", token=owner.token).json["state"]
        == "pending"
    )
    policy = json.loads(__import__("base64").b64decode(upload["fields"]["policy"]))
    assert ["content-length-range", 0, 50 * MB] in policy["conditions"]

    # when the browser posts it to S3 (fields first, the file last) and S3's event reaches the ingest function
    posted = requests.post(upload["url"], data=upload["fields"], files={"file": ("Q3 plan.docx", document)}, timeout=30)
    assert posted.status_code == 204, posted.text
    key = f"uploads/{project}/{upload['uploadId']}/reports/Q3 plan.docx"
    from functions.ingest.handler import handler
    from local.lambda_events import LambdaContext

    handler(ingest_event(accounts.settings.workspace_bucket, key), LambdaContext("ingest"))

    # then the upload is converted, its state says so, and the tree shows both files
    state = call("GET", f"/api/projects/{project}/files/uploads/{upload['uploadId']}", token=owner.token).json
    assert state["state"] == "converted"
    assert state["convertedPath"] == "reports/Q3 plan.docx.md"
    assert state["size"] == len(document)
    assert {"reports/Q3 plan.docx", "reports/Q3 plan.docx.md"} <= set(paths_in(tree_of(owner, project).json["root"]))


def test_a_presign_above_the_limit_is_413(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    reply = presign(owner, project, "video.mp4", 50 * MB + 1)
    assert reply.status == 413
    assert reply.json["error"]["message"] == (
        "The file is 52,428,801 bytes; files can be at most 52,428,800 bytes (50.0 MB)."
    )
    assert presign(owner, project, "video.mp4", 50 * MB).status == 201


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"path": "../x", "size": 1}, "invalid_path"),
        ({"path": "a.txt", "size": -1}, "invalid_request"),
        ({"path": "a.txt"}, "invalid_request"),
        ({"path": "a.txt", "size": 1, "contentType": "text/plain\r\nX-Evil: 1"}, "invalid_request"),
    ],
)
def test_a_bad_presign_request_is_400(accounts: AccountsStack, owner: Person, body: dict[str, Any], code: str) -> None:
    project = make_project(owner)
    reply = call("POST", f"/api/projects/{project}/files/uploads", json_body=body, token=owner.token)
    assert reply.status == 400, reply.json
    assert reply.json["error"]["code"] == code


def test_a_pending_upload_can_be_cancelled_once(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    upload_id = presign(owner, project, "a.txt", 10).json["uploadId"]
    path = f"/api/projects/{project}/files/uploads/{upload_id}/cancel"
    reply = call("POST", path, json_body={"reason": "S3 said EntityTooLarge"}, token=owner.token)
    assert (reply.status, reply.json["state"], reply.json["reason"]) == (200, "cancelled", "S3 said EntityTooLarge")
    again = call("POST", path, json_body={}, token=owner.token)
    assert (again.status, again.json["error"]["code"]) == (409, "upload_finished")


def test_an_upload_that_never_arrived_reads_as_expired(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    upload_id = presign(owner, project, "a.txt", 10).json["uploadId"]
    record = Upload.get(upload_id)
    record.update(actions=[Upload.post_expires_at.set(utcnow().replace(year=2020))])
    reply = call("GET", f"/api/projects/{project}/files/uploads/{upload_id}", token=owner.token)
    assert reply.json["state"] == "expired"
    assert "never arrived" in reply.json["reason"]


def test_an_upload_of_another_project_is_not_found(accounts: AccountsStack, owner: Person) -> None:
    first, second = make_project(owner, "one"), make_project(owner, "two")
    upload_id = presign(owner, first, "a.txt", 10).json["uploadId"]
    assert call("GET", f"/api/projects/{second}/files/uploads/{upload_id}", token=owner.token).status == 404
    assert call("GET", f"/api/projects/{first}/files/uploads/{'0' * 32}", token=owner.token).status == 404


# --- the tree and its cache ------------------------------------------------------------------------------------------


def test_the_tree_is_cached_and_invalidated_by_every_change(accounts: AccountsStack, owner: Person) -> None:
    # given a project with a file, and its tree read once
    project = make_project(owner)
    multipart(owner, project, ("a.txt", b"a"))
    first = tree_of(owner, project)
    assert first.status == 200
    assert paths_in(first.json["root"]) == ["a.txt"]
    etag = header(first, "ETag")

    # when nothing changed / then the same ETag answers 304, from the cache
    assert tree_of(owner, project, **{"If-None-Match": etag}).status == 304
    tree.reset_memory()
    assert tree.read(project).source == "s3"
    assert tree.read(project).source == "memory"

    # when files change in every way the routes allow / then each change shows at once
    changes = [
        lambda: multipart(owner, project, ("b.txt", b"b"), folder="docs"),
        lambda: call("POST", f"/api/projects/{project}/files/folders", json_body={"path": "empty"}, token=owner.token),
        lambda: call(
            "PUT",
            f"/api/projects/{project}/files/content",
            json_body={"path": "docs/c.md", "content": "# C"},
            token=owner.token,
        ),
        lambda: call(
            "POST", f"/api/projects/{project}/files/move", json_body={"from": "a.txt", "to": "z.txt"}, token=owner.token
        ),
        lambda: call("DELETE", f"/api/projects/{project}/files", query={"path": "docs/b.txt"}, token=owner.token),
    ]
    expected = [
        ["a.txt", "docs", "docs/b.txt"],
        ["a.txt", "docs", "docs/b.txt", "empty"],
        ["a.txt", "docs", "docs/b.txt", "docs/c.md", "empty"],
        ["docs", "docs/b.txt", "docs/c.md", "empty", "z.txt"],
        ["docs", "docs/c.md", "empty", "z.txt"],
    ]
    for change, paths in zip(changes, expected, strict=True):
        assert change().status < 300
        reply = tree_of(owner, project, **{"If-None-Match": etag})
        assert reply.status == 200
        assert sorted(paths_in(reply.json["root"])) == paths
        etag = header(reply, "ETag")


def test_the_tree_nests_folders_first_with_sizes_and_times(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    multipart(owner, project, ("b.txt", b"bb"), ("A.txt", b"a"))
    multipart(owner, project, ("deep.txt", b"ddd"), folder="x/y")
    body = tree_of(owner, project).json
    assert (body["fileCount"], body["totalBytes"]) == (3, 6)
    names = [child["name"] for child in body["root"]["children"]]
    assert names == ["x", "A.txt", "b.txt"]
    deep = body["root"]["children"][0]["children"][0]["children"][0]
    assert deep["path"] == "x/y/deep.txt"
    assert deep["size"] == 3
    assert deep["modifiedAt"].endswith("Z")


def test_an_empty_project_has_an_empty_tree(accounts: AccountsStack, owner: Person) -> None:
    body = tree_of(owner, make_project(owner)).json
    assert body["root"] == {"type": "folder", "name": "", "path": "", "children": []}
    assert body["fileCount"] == 0


# --- reading, editing, folders, moving, deleting ---------------------------------------------------------------------


def test_text_is_read_with_its_encoding_and_binary_gets_a_download_link(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    multipart(
        owner,
        project,
        ("utf8.md", "# Café\n".encode()),
        ("latin.txt", "Prix: 12 € — déjà vu, naïve façade, crème brûlée\n".encode("cp1252") * 4),
        ("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 64),
    )
    utf8 = read(owner, project, "utf8.md").json
    assert (utf8["binary"], utf8["encoding"], utf8["content"]) == (False, "utf-8", "# Café\n")
    latin = read(owner, project, "latin.txt").json
    assert latin["binary"] is False
    assert "crème brûlée" in latin["content"]
    image = read(owner, project, "image.png").json
    assert image["binary"] is True
    assert image["content"] is None
    assert requests.get(image["downloadUrl"], timeout=10).content.startswith(b"\x89PNG")
    assert read(owner, project, "missing.txt").status == 404


def test_a_download_link_is_an_attachment_unless_inline(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    multipart(owner, project, ("résumé final.pdf", b"%PDF-1.4"))
    url = f"/api/projects/{project}/files/download"
    attachment = call("GET", url, query={"path": "résumé final.pdf"}, token=owner.token).json["url"]
    assert "attachment" in requests.utils.unquote(attachment)
    got = requests.get(attachment, timeout=10)
    assert got.content == b"%PDF-1.4"
    inline = call("GET", url, query={"path": "résumé final.pdf", "inline": "true"}, token=owner.token).json["url"]
    shown = requests.get(inline, timeout=10).headers
    assert shown["Content-Disposition"] == "inline; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.pdf"
    assert shown["Content-Type"] == "application/pdf"


def test_saving_checks_the_version_that_was_opened(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    save = f"/api/projects/{project}/files/content"
    created = call("PUT", save, json_body={"path": "notes.md", "content": "one"}, token=owner.token)
    assert created.status == 200
    opened = read(owner, project, "notes.md").json
    # someone else saves in between
    call("PUT", save, json_body={"path": "notes.md", "content": "two"}, token=owner.token)
    stale = call(
        "PUT", save, json_body={"path": "notes.md", "content": "mine", "etag": opened["etag"]}, token=owner.token
    )
    assert (stale.status, stale.json["error"]["code"]) == (409, "file_changed")
    assert read(owner, project, "notes.md").json["content"] == "two"
    fresh = read(owner, project, "notes.md").json["etag"]
    ok = call("PUT", save, json_body={"path": "notes.md", "content": "three", "etag": fresh}, token=owner.token)
    assert ok.status == 200
    assert read(owner, project, "notes.md").json["content"] == "three"


def test_folders_are_created_moved_and_deleted_with_their_files(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    folders = f"/api/projects/{project}/files/folders"
    assert call("POST", folders, json_body={"path": "drafts/"}, token=owner.token).json == {"path": "drafts"}
    assert call("POST", folders, json_body={"path": "drafts"}, token=owner.token).status == 409
    multipart(owner, project, ("a.txt", b"a"), ("b.txt", b"b"), folder="drafts/inner")

    move = f"/api/projects/{project}/files/move"
    moved = call("POST", move, json_body={"from": "drafts", "to": "final"}, token=owner.token)
    assert moved.status == 200, moved.json
    assert moved.json == {"from": "drafts", "to": "final", "moved": 3}
    assert stored(accounts, project) == ["final/", "final/inner/a.txt", "final/inner/b.txt"]

    assert call("POST", move, json_body={"from": "final", "to": "final/inner/x"}, token=owner.token).status == 400
    assert call("POST", move, json_body={"from": "nothing", "to": "x"}, token=owner.token).status == 404
    multipart(owner, project, ("c.txt", b"c"))
    conflict = call("POST", move, json_body={"from": "c.txt", "to": "final/inner/a.txt"}, token=owner.token)
    assert (conflict.status, conflict.json["error"]["code"]) == (409, "file_exists")

    delete = f"/api/projects/{project}/files"
    assert call("DELETE", delete, query={"path": "final"}, token=owner.token).status == 204
    assert stored(accounts, project) == ["c.txt"]
    assert call("DELETE", delete, query={"path": "final"}, token=owner.token).status == 404


def test_the_folders_sasha_studio_manages_cannot_be_deleted_renamed_or_moved(
    accounts: AccountsStack, owner: Person
) -> None:
    # Given a project with a skill, a schedule's run log and a file of the person's own
    project = make_project(owner)
    multipart(owner, project, ("SKILL.md", b"---\nname: weekly\n---\n"), folder=".claude/skills/weekly")
    multipart(owner, project, ("s1.jsonl", b"{}\n"), folder=".sasha/schedules")
    multipart(owner, project, ("notes.txt", b"mine"))
    before = stored(accounts, project)
    delete, move = f"/api/projects/{project}/files", f"/api/projects/{project}/files/move"

    # When the person deletes, renames or moves them (whatever the case of the name), or moves a file into them
    refusals = [
        call("DELETE", delete, query={"path": ".claude"}, token=owner.token),
        call("DELETE", delete, query={"path": ".Claude/"}, token=owner.token),
        call("DELETE", delete, query={"path": ".sasha/schedules/s1.jsonl"}, token=owner.token),
        call("DELETE", delete, query={"path": ".git"}, token=owner.token),
        call("POST", move, json_body={"from": ".claude", "to": "claude"}, token=owner.token),
        call("POST", move, json_body={"from": ".claude/skills/weekly", "to": "weekly"}, token=owner.token),
        call("POST", move, json_body={"from": "notes.txt", "to": ".sasha/notes.txt"}, token=owner.token),
    ]

    # Then each is a 403 with a message for a person, and nothing changed
    assert [(reply.status, reply.json["error"]["code"]) for reply in refusals] == [(403, "managed_folder")] * 7
    assert refusals[0].json["error"]["message"] == "This folder is managed by Sasha Studio and can't be deleted."
    assert refusals[4].json["error"]["message"] == (
        "This folder is managed by Sasha Studio and can't be renamed or moved."
    )
    assert "Sasha Studio manages" in refusals[2].json["error"]["message"]
    assert stored(accounts, project) == before
    # while folders that only look alike are the person's own
    multipart(owner, project, ("a.txt", b"a"), folder="docs/.claude")
    assert call("DELETE", delete, query={"path": "docs/.claude"}, token=owner.token).status == 204


def test_a_bad_path_is_refused_in_words_a_person_understands(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    reply = call("POST", f"/api/projects/{project}/files/folders", json_body={"path": "a//b"}, token=owner.token)
    assert (reply.status, reply.json["error"]["message"]) == (400, "A file or folder name can't be empty, '.' or '..'.")


# --- who may do what -------------------------------------------------------------------------------------------------


def test_files_are_scoped_to_the_projects_a_caller_may_use(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    multipart(owner, project, ("secret.txt", b"s"))
    stranger = create_user(owner, "stranger")
    stranger_token = call(
        "POST", "/api/auth/login", json_body={"username": "stranger", "password": stranger.password}
    ).json["token"]
    stranger = Person(stranger.id, "stranger", stranger.password, stranger_token, None)
    # a user who is not a member sees nothing, not even that the project exists
    for reply in (
        tree_of(stranger, project),
        read(stranger, project, "secret.txt"),
        multipart(stranger, project, ("x.txt", b"x")),
        presign(stranger, project, "x.txt", 1),
    ):
        assert reply.status == 404, reply.json
    # a viewer reads but cannot change
    ProjectMember(project, stranger.id, role=ProjectRole.VIEWER.value).save()
    assert tree_of(stranger, project).status == 200
    assert read(stranger, project, "secret.txt").status == 200
    for reply in (
        multipart(stranger, project, ("x.txt", b"x")),
        presign(stranger, project, "x.txt", 1),
        call("DELETE", f"/api/projects/{project}/files", query={"path": "secret.txt"}, token=stranger.token),
    ):
        assert reply.status == 403, reply.json
    assert stored(accounts, project) == ["secret.txt"]
    # and nobody gets in without signing in
    assert call("GET", f"/api/projects/{project}/files/tree").status == 401


# --- bad input -------------------------------------------------------------------------------------------------------

JSON_ROUTES = [
    ("POST", "files/uploads"),
    ("POST", "files/uploads/{upload}/cancel"),
    ("PUT", "files/content"),
    ("POST", "files/folders"),
    ("POST", "files/move"),
]


@pytest.mark.parametrize(("method", "route"), JSON_ROUTES)
@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"text"', '{"unknown": 1}', "\udcff", '{"path": 5}'])
def test_bad_json_is_a_clear_400(accounts: AccountsStack, owner: Person, method: str, route: str, body: str) -> None:
    project = make_project(owner)
    upload_id = presign(owner, project, "a.txt", 1).json["uploadId"]
    raw = body.encode("utf-8", "surrogateescape")
    reply = call(
        method,
        f"/api/projects/{project}/{route.format(upload=upload_id)}",
        raw_body=raw,
        token=owner.token,
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 400, (body, reply.json)
    assert reply.json["error"]["message"]


def test_bad_queries_are_clear_400s(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    for path in ("files/content", "files/download"):
        reply = call("GET", f"/api/projects/{project}/{path}", token=owner.token)
        assert reply.status == 400
        assert "'path' is required" in reply.json["error"]["message"]
    reply = call(
        "GET", f"/api/projects/{project}/files/download", query={"path": "a", "inline": "maybe"}, token=owner.token
    )
    assert reply.status == 400


def test_saving_too_much_text_is_413(accounts: AccountsStack, owner: Person) -> None:
    project = make_project(owner)
    body = {"path": "big.txt", "content": "x" * (2 * MB + 1)}
    reply = call("PUT", f"/api/projects/{project}/files/content", json_body=body, token=owner.token)
    assert (reply.status, reply.json["error"]["code"]) == (413, "too_large")


def test_an_unknown_project_is_404_on_every_route(accounts: AccountsStack, owner: Person) -> None:
    for method, route in [*JSON_ROUTES, ("GET", "files/tree")]:
        reply = call(
            method, f"/api/projects/{'f' * 32}/{route.format(upload='0' * 32)}", json_body={}, token=owner.token
        )
        assert reply.status in (400, 404), (route, reply.status)
        if reply.status == 404:
            assert reply.json["error"]["code"] == "project_not_found"
    assert multipart(owner, "no such project", ("a.txt", b"a")).status == 404


def test_a_document_whose_markdown_name_would_be_too_long_is_kept_unconverted(
    accounts: AccountsStack, owner: Person
) -> None:
    project = make_project(owner)
    name = "r" * 890 + ".docx"  # valid, but "<name>.md" is over the path limit
    reply = multipart(owner, project, (name, report_docx()))
    assert reply.status == 201, reply.json
    conversion = reply.json["files"][0]["conversion"]
    assert conversion["status"] == "failed"
    assert "longer than" in conversion["reason"]
    assert stored(accounts, project) == [name]
