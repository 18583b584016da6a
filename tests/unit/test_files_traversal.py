"""A path-traversal corpus against every file route, and against the runner's copy of a project.

Every spelling of "somewhere else" is refused with 400 before anything is read or written: the bucket is the
same after the request as before it. (Symbolic links in the runner's copy: see also test_workspace.py.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from urllib3 import encode_multipart_formdata

from runner.workspace import Workspace
from shared import aws
from shared.files.paths import safe_relative_path
from shared.files.tree import reset_memory
from tests.support.accounts import AccountsStack, Person, Reply, call, register_first
from tests.support.aws import moto_aws

TRAVERSALS = [
    # plain
    "..",
    "../secret.txt",
    "docs/../../secret.txt",
    "docs/..",
    "./secret.txt",
    "docs/./a.txt",
    "docs//a.txt",
    # absolute
    "/etc/passwd",
    "//server/share/x",
    # percent-encoded, once, twice, three times, and mixed case
    "%2e%2e/secret.txt",
    "%2E%2E%2Fsecret.txt",
    "..%2fsecret.txt",
    "..%5csecret.txt",
    "%252e%252e/secret.txt",
    "%252e%252e%252fsecret.txt",
    "%25252e%25252e%25252fsecret.txt",
    "docs%2f..%2f..%2fsecret.txt",
    # overlong UTF-8 of '.' and '/'
    "%c0%ae%c0%ae/secret.txt",
    "..%c0%afsecret.txt",
    "%e0%80%ae%e0%80%ae/x",
    # backslashes (Windows separators)
    "..\\secret.txt",
    "docs\\..\\..\\secret.txt",
    "C:\\Windows\\win.ini",
    "\\\\server\\share",
    # NUL and control characters
    "secret.txt\x00.png",
    "a%00.txt",
    "line\nbreak.txt",
    "tab\there.txt",
    # Unicode look-alikes and invisible characters
    "\uff0e\uff0e/secret.txt",  # fullwidth full stops
    "..\uff0fsecret.txt",  # fullwidth solidus
    "..\u2215secret.txt",  # division slash
    "..\u2044secret.txt",  # fraction slash
    "\u2024\u2024/secret.txt",  # one-dot leaders
    "..\uff3csecret.txt",  # fullwidth reverse solidus
    "invoice\u202efdp.exe",  # right-to-left override
    "a\u200b.txt",  # zero-width space
    "\ufeffbom.txt",
    # too long for an S3 key under the project's prefix
    "a/" * 451 + "x",
]

PROJECT_FILE = "inside.txt"


@pytest.mark.unit
@pytest.mark.parametrize("path", TRAVERSALS)
def test_the_safe_path_function_refuses_the_corpus(path: str) -> None:
    with pytest.raises(Exception) as refused:
        safe_relative_path(path)
    assert getattr(refused.value, "status", None) == 400


@pytest.mark.unit
@pytest.mark.parametrize(
    "path", ["notes.txt", "Q3 report (final).docx", "docs/été/naïve.md", "100% done.txt", "a..b.txt", "...txt"]
)
def test_ordinary_names_pass(path: str) -> None:
    assert safe_relative_path(path) == path


# --- every route -----------------------------------------------------------------------------------------------------


def _multipart(folder: str | None, name: str) -> tuple[bytes, str]:
    fields: list[Any] = [("files", (name, b"payload", "text/plain"))]
    if folder is not None:
        fields.append(("folder", folder))
    return encode_multipart_formdata(fields)


def _upload(project: str, token: str, *, name: str = "ok.txt", folder: str | None = None) -> Reply:
    body, content_type = _multipart(folder, name)
    return call(
        "POST",
        f"/api/files/{project}/upload-documents",
        raw_body=body,
        token=token,
        headers={"Content-Type": content_type},
    )


Route = Callable[[str, str, str], Reply]

ROUTES: dict[str, Route] = {
    "upload file name": lambda project, token, path: _upload(project, token, name=path),
    "upload folder": lambda project, token, path: _upload(project, token, folder=path),
    "presign": lambda project, token, path: call(
        "POST", f"/api/projects/{project}/files/uploads", json_body={"path": path, "size": 1}, token=token
    ),
    "read": lambda project, token, path: call(
        "GET", f"/api/projects/{project}/files/content", query={"path": path}, token=token
    ),
    "save": lambda project, token, path: call(
        "PUT", f"/api/projects/{project}/files/content", json_body={"path": path, "content": "x"}, token=token
    ),
    "download": lambda project, token, path: call(
        "GET", f"/api/projects/{project}/files/download", query={"path": path}, token=token
    ),
    "create folder": lambda project, token, path: call(
        "POST", f"/api/projects/{project}/files/folders", json_body={"path": path}, token=token
    ),
    "move from": lambda project, token, path: call(
        "POST", f"/api/projects/{project}/files/move", json_body={"from": path, "to": "moved.txt"}, token=token
    ),
    "move to": lambda project, token, path: call(
        "POST", f"/api/projects/{project}/files/move", json_body={"from": PROJECT_FILE, "to": path}, token=token
    ),
    "delete": lambda project, token, path: call(
        "DELETE", f"/api/projects/{project}/files", query={"path": path}, token=token
    ),
}

WINDOWS_FULL_PATHS = {"C:\\Windows\\win.ini": "win.ini"}


def _bucket_contents(accounts: AccountsStack) -> dict[str, str]:
    listing = aws.client("s3").list_objects_v2(Bucket=accounts.settings.workspace_bucket)
    return {item["Key"]: item["ETag"] for item in listing.get("Contents", []) if not item["Key"].startswith("cache/")}


@pytest.fixture
def setup(accounts: AccountsStack) -> Iterator[tuple[str, Person]]:
    reset_memory()
    owner = register_first()
    project = call("POST", "/api/projects", json_body={"name": "corpus"}, token=owner.token).json["id"]
    neighbour = call("POST", "/api/projects", json_body={"name": "neighbour"}, token=owner.token).json["id"]
    assert _upload(project, owner.token, name=PROJECT_FILE).status == 201
    assert _upload(neighbour, owner.token, name="secret.txt").status == 201
    yield project, owner


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_file_route_refuses_every_traversal_with_400(
    accounts: AccountsStack, setup: tuple[str, Person], route: str
) -> None:
    project, owner = setup
    before = _bucket_contents(accounts)
    escaped = []
    for path in TRAVERSALS:
        reply = ROUTES[route](project, owner.token, path)
        if route == "upload file name" and path in WINDOWS_FULL_PATHS:
            # The multipart parser keeps only the last part of a Windows full path (what old browsers sent):
            # the file lands inside the project under that name, and nowhere else.
            assert (reply.status, reply.json["files"][0]["path"]) == (201, WINDOWS_FULL_PATHS[path])
            call(
                "DELETE", f"/api/projects/{project}/files", query={"path": WINDOWS_FULL_PATHS[path]}, token=owner.token
            )
            continue
        if reply.status != 400:
            escaped.append((path, reply.status, reply.json))
        elif reply.json["error"]["code"] not in ("invalid_path", "invalid_request"):
            escaped.append((path, reply.status, reply.json["error"]))
    assert escaped == []
    assert _bucket_contents(accounts) == before


def test_a_folder_field_that_is_absolute_is_refused(accounts: AccountsStack, setup: tuple[str, Person]) -> None:
    project, owner = setup
    assert ROUTES["upload folder"](project, owner.token, "/etc").status == 400


# --- the runner's copy -----------------------------------------------------------------------------------------------


@pytest.fixture
def bucket() -> Iterator[Any]:
    with moto_aws([]):
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="corpus")
        yield s3


def test_the_runner_writes_no_corpus_key_and_follows_no_link(bucket: Any, tmp_path: Path) -> None:
    # given S3 keys spelled like every traversal (S3 keeps any key literally), and links in the runner's copy
    prefix = "projects/p1/files/"
    for path in TRAVERSALS:
        if len(prefix + path) < 1024:
            bucket.put_object(Bucket="corpus", Key=prefix + path.replace("\x00", "%00"), Body=b"escape")
    bucket.put_object(Bucket="corpus", Key=prefix + "ok.txt", Body=b"fine")
    bucket.put_object(Bucket="corpus", Key=prefix + "linked/evil.txt", Body=b"through the link")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("not for the workspace")
    root = tmp_path / "workspaces" / "p1" / "files"
    root.mkdir(parents=True)
    (root / "linked").symlink_to(outside, target_is_directory=True)
    (root / "private-link.txt").symlink_to(outside / "private.txt")
    workspace = Workspace(bucket="corpus", prefix=prefix, local_root=root, s3=bucket)

    # when the runner pulls and pushes
    pulled = workspace.pull()
    pushed = workspace.push()

    # then only the safe key landed, nothing was written outside, and no linked content went up
    assert pulled.downloaded == ["ok.txt"]
    written = sorted(
        str(path.relative_to(tmp_path))
        for path in tmp_path.rglob("*")
        if path.is_file() and not path.is_symlink() and ".sync" not in path.parts
    )
    assert written == ["outside/private.txt", "workspaces/p1/files/ok.txt"]
    assert os.listdir(outside) == ["private.txt"]
    keys = {item["Key"] for item in bucket.list_objects_v2(Bucket="corpus")["Contents"]}
    assert prefix + "private-link.txt" not in keys
    assert pushed.uploaded == []
