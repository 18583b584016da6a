"""The local AWS server keeps a client's connection open between requests (local/keep_alive.py), and a request
never reads into the next one's bytes, whether the application read its body or not."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from local.keep_alive import kept_alive


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Says which client port it was asked from, and echoes the body unless told not to read it."""
    unread = environ.get("PATH_INFO") == "/unread"
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if unread:
        body = b""
    elif environ.get("wsgi.input_terminated"):  # chunked: read to its end
        body = environ["wsgi.input"].read()
    else:
        body = environ["wsgi.input"].read(length)
    answer = json.dumps({"port": environ["REMOTE_PORT"], "body": body.decode()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
    return [answer]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=kept_alive(WSGIRequestHandler))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.port
    finally:
        server.shutdown()


def ask(connection: http.client.HTTPConnection, path: str, body: bytes | None = None, **headers: str) -> Any:
    connection.request("POST" if body is not None else "GET", path, body=body, headers=headers)
    response = connection.getresponse()
    return response.getheader("Connection"), json.loads(response.read())


def test_requests_share_one_connection_and_each_gets_its_own_body(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)

    answers = [ask(connection, "/", f"body {n}".encode()) for n in range(3)] + [ask(connection, "/")]

    assert [header for header, _ in answers] == [None] * 4  # no "Connection: close"
    assert len({answer["port"] for _, answer in answers}) == 1  # one connection
    assert [answer["body"] for _, answer in answers] == ["body 0", "body 1", "body 2", ""]


def test_a_body_the_application_did_not_read_is_not_taken_for_the_next_request(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)

    ask(connection, "/unread", b"GET /not-a-request HTTP/1.1\r\n\r\n" * 100)
    _, after = ask(connection, "/", b"the next one")

    assert after["body"] == "the next one"


def test_a_chunked_request_closes_its_connection(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("POST", "/", body=iter([b"in ", b"chunks"]), encode_chunked=True)
    response = connection.getresponse()

    assert response.getheader("Connection") == "close"
    assert json.loads(response.read())["body"] == "in chunks"


class _CountingSocket(socket.socket):
    """A server-side connection that records what each send carried."""

    sends: list[bytes]

    def send(self, data: Any, flags: int = 0) -> int:
        self.sends.append(bytes(data))
        return super().send(data, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self.sends.append(bytes(data))
        super().sendall(data, flags)


def test_a_responses_head_and_body_leave_in_one_send() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        theirs = socket.create_connection(listener.getsockname(), timeout=5)
        ours, _ = listener.accept()
    connection = _CountingSocket(fileno=ours.detach())
    connection.sends = []
    theirs.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
    theirs.shutdown(socket.SHUT_WR)  # the connection's one request: its thread ends after it
    server = types.SimpleNamespace(app=app, passthrough_errors=False, multithread=False, multiprocess=False)
    server.shutdown_signal, server.ssl_context, server.server_address = False, None, ("127.0.0.1", 0)

    kept_alive(WSGIRequestHandler)(connection, ("127.0.0.1", 40000), server)

    [response] = connection.sends
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.split()[1] == b"200" and json.loads(body)["body"] == "hello"
    connection.close()
    theirs.close()


def test_a_client_waiting_for_100_continue_gets_it_before_it_sends_the_body(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        interim = client.recv(1024)  # the body is not sent until this comes (a timeout here fails the test)
        client.sendall(b"hello")
        answer = b""
        while b'"body"' not in answer or not answer.endswith(b"}"):
            answer += client.recv(4096)

    assert interim.startswith(b"HTTP/1.1 100")
    assert b"200 OK" in answer and json.loads(answer.rpartition(b"\r\n\r\n")[2])["body"] == "hello"
