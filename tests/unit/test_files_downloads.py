"""Downloads are shown in the page (`inline=true`) only for passive types: images other than SVG, PDF and plain text.

HTML, SVG, XML, scripts and unknown types are attachments of type application/octet-stream, whatever type the
uploader stored (shared/files/reading.py `download_headers`; docs/files.md, "Downloads").
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from urllib3 import encode_multipart_formdata

from shared.files import tree
from shared.files.reading import download_headers
from tests.support.accounts import AccountsStack, Person, Reply, call, register_first

PLAIN = "text/plain; charset=utf-8"
OCTETS = "application/octet-stream"

# (path, the type it is served with, whether inline=true shows it in the page)
TABLE = [
    ("photo.png", "image/png", True),
    ("Photo.JPG", "image/jpeg", True),
    ("scan.jpeg", "image/jpeg", True),
    ("anim.gif", "image/gif", True),
    ("picture.webp", "image/webp", True),
    ("picture.avif", "image/avif", True),
    ("old.bmp", "image/bmp", True),
    ("favicon.ico", "image/vnd.microsoft.icon", True),
    ("report.pdf", "application/pdf", True),
    ("notes.txt", PLAIN, True),
    ("server.log", PLAIN, True),
    ("README.md", PLAIN, True),
    ("table.csv", PLAIN, True),
    ("logo.svg", OCTETS, False),
    ("logo.SVG", OCTETS, False),
    ("logo.svgz", OCTETS, False),
    ("page.html", OCTETS, False),
    ("page.htm", OCTETS, False),
    ("page.xhtml", OCTETS, False),
    ("page.shtml", OCTETS, False),
    ("feed.xml", OCTETS, False),
    ("style.xsl", OCTETS, False),
    ("app.js", OCTETS, False),
    ("app.mjs", OCTETS, False),
    ("style.css", OCTETS, False),
    ("data.json", OCTETS, False),
    ("movie.swf", OCTETS, False),
    ("archive.zip", OCTETS, False),
    ("Makefile", OCTETS, False),
    ("photo.png.html", OCTETS, False),
    ("folder.png/page.html", OCTETS, False),
]


@pytest.mark.unit
@pytest.mark.parametrize(("path", "content_type", "shown"), TABLE)
def test_only_passive_types_are_shown_in_the_page(path: str, content_type: str, shown: bool) -> None:
    inline = download_headers(path, inline=True)
    assert inline["ResponseContentType"] == content_type
    assert inline["ResponseContentDisposition"].split(";")[0] == ("inline" if shown else "attachment")


@pytest.mark.unit
@pytest.mark.parametrize(("path", "content_type", "shown"), TABLE)
def test_a_download_is_always_an_attachment_of_the_same_type(path: str, content_type: str, shown: bool) -> None:
    download = download_headers(path, inline=False)
    assert download["ResponseContentType"] == content_type
    assert download["ResponseContentDisposition"].split(";")[0] == "attachment"


@pytest.mark.unit
def test_the_file_name_is_given_in_both_dispositions() -> None:
    for inline, disposition in ((True, "inline"), (False, "attachment")):
        headers = download_headers("reports/résumé final.pdf", inline=inline)
        assert headers["ResponseContentDisposition"] == f"{disposition}; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.pdf"


# --- through the API and S3 (moto) ------------------------------------------------------------------------------------


@pytest.fixture
def owner(accounts: AccountsStack) -> Person:
    tree.reset_memory()
    return register_first()


def upload(person: Person, project: str, *files: tuple[str, bytes, str]) -> Reply:
    """Multipart upload, each part with the content type its uploader claims."""
    body, content_type = encode_multipart_formdata([("files", file) for file in files])
    headers = {"Content-Type": content_type}
    return call("POST", f"/api/files/{project}/upload-documents", raw_body=body, token=person.token, headers=headers)


def fetched(person: Person, project: str, path: str, **query: Any) -> requests.Response:
    """What the browser gets from the download link."""
    link = call("GET", f"/api/projects/{project}/files/download", query={"path": path, **query}, token=person.token)
    assert link.status == 200, link.json
    return requests.get(link.json["url"], timeout=10)


@pytest.mark.parametrize(
    ("name", "data", "claimed"),
    [
        ("page.html", b"<script>alert(document.domain)</script>", "text/html"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
        ("feed.xml", b'<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>', "text/xml"),
        ("unknown.bin", b"<html><script>alert(1)</script>", "text/html"),
    ],
)
def test_active_content_asked_for_inline_is_an_attachment_of_octets(
    accounts: AccountsStack, owner: Person, name: str, data: bytes, claimed: str
) -> None:
    # Given a file of an active type, stored with the type its uploader claimed
    project = call("POST", "/api/projects", json_body={"name": "site"}, token=owner.token).json["id"]
    assert upload(owner, project, (name, data, claimed)).status == 201
    # When the page asks to show it
    got = fetched(owner, project, name, inline="true")
    # Then the browser is told to save it, as bytes
    assert got.content == data
    assert got.headers["Content-Type"] == OCTETS
    assert got.headers["Content-Disposition"].startswith("attachment;")


def test_a_passive_type_is_shown_with_the_type_its_name_says(accounts: AccountsStack, owner: Person) -> None:
    # Given a PNG whose uploader claimed it was HTML, and a text file
    project = call("POST", "/api/projects", json_body={"name": "pictures"}, token=owner.token).json["id"]
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    stored = upload(owner, project, ("photo.png", png, "text/html"), ("notes.txt", b"<b>hi</b>", "text/html"))
    assert stored.status == 201
    # When the page asks to show them
    photo = fetched(owner, project, "photo.png", inline="true")
    notes = fetched(owner, project, "notes.txt", inline="true")
    # Then they are inline, typed by their names: the claimed HTML is never echoed
    assert (photo.headers["Content-Type"], photo.headers["Content-Disposition"]) == (
        "image/png",
        "inline; filename*=UTF-8''photo.png",
    )
    assert notes.headers["Content-Type"] == PLAIN
    assert notes.headers["Content-Disposition"].startswith("inline;")
    # And downloading either is an attachment
    assert fetched(owner, project, "photo.png").headers["Content-Disposition"].startswith("attachment;")
