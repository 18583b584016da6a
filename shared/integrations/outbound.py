"""One POST to a URL the server must not trust: re-resolved, refused if private, pinned, never redirected.

The host is resolved here, every address it resolves to is checked, and the connection goes to the checked
address (TLS still verifies the certificate against the host name). Checking a name and then letting the
HTTP client resolve it again would let a DNS answer with a short TTL swap in a private address in between.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared import net
from shared.errors import ValidationError

CONNECT_TIMEOUT_SECONDS = 10.0
# The whole exchange, however slowly the receiver dribbles its answer; well inside the job's own timeout.
TOTAL_TIMEOUT_SECONDS = 20.0
MAX_RESPONSE_BYTES = 64 * 1024


class OutboundError(Exception):
    """A POST that did not get an HTTP answer."""


class OutboundRefusedError(OutboundError):
    """The URL may not be called (not http(s), credentials, a private or link-local address)."""


class OutboundNetworkError(OutboundError):
    """DNS, connect, TLS or read failed, or the receiver was too slow: worth trying again later."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes


def _addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundNetworkError(f"The host '{host}' does not resolve ({exc}).") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise OutboundNetworkError(f"The host '{host}' does not resolve.")
    if not allow_private:
        for address in addresses:
            if not ipaddress.ip_address(address.split("%", maxsplit=1)[0]).is_global:
                raise OutboundRefusedError(f"The host '{host}' resolves to {address}, which the server will not call.")
    return addresses


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of the checked addresses that answers."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    assert error is not None
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, addresses: list[str]) -> None:
        super().__init__(host, port, timeout=CONNECT_TIMEOUT_SECONDS)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, addresses: list[str]) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=CONNECT_TIMEOUT_SECONDS, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = self.tls.wrap_socket(_connect(self.addresses, self.port, self.timeout), server_hostname=self.host)


def _cut(connection: http.client.HTTPConnection) -> None:
    """Shut the socket down (from the watchdog thread), so a blocked read returns at once."""
    if connection.sock is not None:
        with contextlib.suppress(OSError):
            connection.sock.shutdown(socket.SHUT_RDWR)


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool) -> Answer:
    """POST `body` to `url` once and return the answer; redirects are answers too, never followed."""
    try:
        parts = urlsplit(net.check_outbound_url(url, allow_private=allow_private, resolve=False))
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValidationError as exc:
        raise OutboundRefusedError(exc.message) from exc
    except ValueError as exc:  # a port out of range
        raise OutboundRefusedError(f"The URL is not valid ({exc}).") from exc
    host = str(parts.hostname)
    addresses = _addresses(host, port, allow_private=allow_private)
    connection_type = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_type(host, port, addresses=addresses)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    watchdog = threading.Timer(TOTAL_TIMEOUT_SECONDS, _cut, args=(connection,))
    watchdog.start()
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.read(MAX_RESPONSE_BYTES))
    except (OSError, http.client.HTTPException) as exc:
        raise OutboundNetworkError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    finally:
        watchdog.cancel()
        connection.close()
