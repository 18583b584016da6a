"""Company auto-detection against pages served on 127.0.0.1 (local mode may read them; the cloud never would)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shared.errors import ValidationError
from shared.onboarding import detect
from tests.support.accounts import AccountsStack, Person, call, create_user, register_first

HOME = b"""<!doctype html><html><head>
<title>Acme | Home</title>
<meta property="og:site_name" content="Acme Corp">
<meta name="description" content="  Anvils and   rockets, since 1949. ">
</head><body><h1>Welcome</h1></body></html>"""
PAGES: dict[str, tuple[int, str, bytes]] = {
    "/": (200, "text/html; charset=utf-8", HOME),
    "/plain": (200, "text/html", "<title>Beta Ltd \u2013 Welcome</title>".encode()),
    "/latin": (200, "text/html; charset=iso-8859-1", "<title>Caf\u00e9 Gamma</title>".encode("latin-1")),
    "/untitled": (200, "text/html", b"<html><body>Nothing to see</body></html>"),
    "/json": (200, "application/json", b'{"name": "Acme"}'),
    "/missing": (404, "text/html", b"<title>Not found</title>"),
    "/huge": (200, "text/html", b"<html><body>" + b"x" * (600 * 1024) + b"<title>Too late</title></body></html>"),
}
REDIRECTS = {"/moved": "/", "/loop": "/loop"}


class Site:
    """A small web site on 127.0.0.1: the pages above, two redirects, and a page that never answers in time."""

    def __init__(self) -> None:
        self.hold = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/slow":
                    site.hold.wait(timeout=10)
                if self.path in REDIRECTS:
                    self.send_response(302)
                    self.send_header("Location", REDIRECTS[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, content_type, body = PAGES.get(self.path, (200, "text/html", b"<title>Slow</title>"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self.hold.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    served = Site()
    yield served
    served.close()


@pytest.fixture
def admin(accounts: AccountsStack) -> Person:
    return register_first("alice")


def test_detect_reads_the_name_description_and_origin(admin: Person, site: Site) -> None:
    # When the admin asks what the local page says about the company
    reply = call("POST", "/api/profile/organization/detect", json_body={"url": f"{site.url}/moved"}, token=admin.token)
    # Then the redirect was followed and the site's own name, description and origin come back
    assert reply.status == 200, reply.json
    assert reply.json == {"name": "Acme Corp", "description": "Anvils and rockets, since 1949.", "website": site.url}


def test_only_administrators_detect(admin: Person, site: Site) -> None:
    bob = create_user(admin, "bob")
    reply = call("POST", "/api/profile/organization/detect", json_body={"url": site.url}, token=bob.token)
    assert (reply.status, reply.code) == (403, "admin_only")


@pytest.mark.parametrize(
    ("path", "name"), [("/plain", "Beta Ltd"), ("/latin", "Caf\u00e9 Gamma")], ids=["title", "declared-charset"]
)
def test_the_title_names_the_company_when_no_meta_does(site: Site, path: str, name: str) -> None:
    found = detect.detect(f"{site.url}{path}", allow_private=True)
    assert (found.name, found.description, found.website) == (name, None, site.url)


@pytest.mark.parametrize(
    ("path", "status", "code", "words"),
    [
        ("/untitled", 422, "no_title", "No title found on 127.0.0.1"),
        ("/huge", 422, "no_title", "No title found"),  # the title is past the 512 KB read
        ("/json", 422, "not_a_web_page", "application/json rather than a web page"),
        ("/missing", 502, "site_unreachable", "answered HTTP 404"),
        ("/loop", 502, "site_unreachable", "redirects too many times"),
    ],
)
def test_what_cannot_be_detected_is_said_plainly(
    admin: Person, site: Site, path: str, status: int, code: str, words: str
) -> None:
    reply = call("POST", "/api/profile/organization/detect", json_body={"url": f"{site.url}{path}"}, token=admin.token)
    assert (reply.status, reply.code) == (status, code), reply.json
    assert words in reply.json["error"]["message"]


def test_a_site_that_does_not_answer_in_time_is_unreachable(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "TIMEOUT_SECONDS", 0.3)
    with pytest.raises(detect.SiteUnreachableError, match="no answer within"):
        detect.detect(f"{site.url}/slow", allow_private=True)


def test_a_closed_port_is_unreachable() -> None:
    with pytest.raises(detect.SiteUnreachableError, match=r"Could not reach 127\.0\.0\.1: the connection was refused"):
        detect.detect("http://127.0.0.1:9/", allow_private=True)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:9/", "must use https"),
        ("https://127.0.0.1:9/", "private, loopback or link-local"),
        ("https://[::1]:9/", "private, loopback or link-local"),
        ("https://169.254.169.254/latest/meta-data", "private, loopback or link-local"),
    ],
)
def test_the_cloud_never_reads_private_addresses(url: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as refused:
        detect.detect(url, allow_private=False)
    assert refused.value.code == "invalid_url"


def test_a_malformed_url_is_refused(admin: Person) -> None:
    for body in ({"url": "ftp://acme.example"}, {"url": ""}, {"url": "https://user:pw@acme.example"}, {}):
        reply = call("POST", "/api/profile/organization/detect", json_body=body, token=admin.token)
        assert reply.status == 400, (body, reply.json)
