"""Guards for URLs the server will call (callbacks, company auto-detection): no private networks.

A caller that connects resolves the host once with `resolve_public` and connects to those checked addresses with a
`PinnedConnection`: checking a name and then letting the HTTP client resolve it again would let a DNS answer with
a short TTL swap in a private address in between.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from shared.errors import ValidationError


def _is_public(address: str) -> bool:
    # is_global also excludes the shared address space (100.64.0.0/10, RFC 6598) that is_private misses.
    return ipaddress.ip_address(address.split("%", maxsplit=1)[0]).is_global


def check_outbound_url(url: str, *, allow_private: bool = False, resolve: bool = True) -> str:
    """Refuse URLs that are not http(s), carry credentials, or resolve to a private or link-local address."""
    if len(url) > 2048:
        raise ValidationError("The URL is too long (2,048 characters at most).", code="invalid_url")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("The URL must start with https:// and name a host.", code="invalid_url")
    if parts.scheme == "http" and not allow_private:
        raise ValidationError("The URL must use https://.", code="invalid_url")
    if parts.username or parts.password:
        raise ValidationError("The URL may not contain a user name or password.", code="invalid_url")
    if allow_private or not resolve:
        return url.strip()
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(f"The host '{parts.hostname}' does not resolve.", code="invalid_url") from exc
    if not all(_is_public(address) for address in addresses):
        raise ValidationError(
            "The URL points at a private, loopback or link-local address, which the server will not call.",
            code="invalid_url",
        )
    return url.strip()


class UnresolvableHostError(Exception):
    """The host name has no address (`reason` says why, for a person)."""

    def __init__(self, host: str, reason: str = "") -> None:
        super().__init__(f"{host} does not resolve{f' ({reason})' if reason else ''}")
        self.host, self.reason = host, reason


class PrivateAddressError(Exception):
    """The host resolves to a private, loopback or link-local address."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}")
        self.host, self.address = host, address


def resolve_public(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Every address of `host`, each checked: a name with one private address is refused whole."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHostError(host, str(exc)) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnresolvableHostError(host)
    if not allow_private:
        for address in addresses:
            if not _is_public(address):
                raise PrivateAddressError(host, address)
    return addresses


class PinnedConnection(http.client.HTTPSConnection):
    """HTTP or HTTPS to addresses already checked; TLS still verifies the certificate against the host name."""

    def __init__(self, scheme: str, host: str, port: int, *, addresses: list[str], timeout: float) -> None:
        self.tls = ssl.create_default_context() if scheme == "https" else None
        super().__init__(host, port, timeout=timeout, context=self.tls or ssl.create_default_context())
        self.addresses = addresses

    def connect(self) -> None:
        """A connection to the first of the checked addresses that answers."""
        error: OSError | None = None
        for address in self.addresses:
            try:
                sock = socket.create_connection((address, self.port), self.timeout)
            except OSError as exc:
                error = exc
                continue
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host) if self.tls else sock
            return
        assert error is not None
        raise error


def cut(connection: http.client.HTTPConnection) -> None:
    """Shut the socket down (from a watchdog thread), so a blocked read returns at once."""
    if connection.sock is not None:
        with contextlib.suppress(OSError):
            connection.sock.shutdown(socket.SHUT_RDWR)
