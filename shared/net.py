"""Guards for URLs the server will call (callbacks, company auto-detection, Git remotes): no private networks.

A caller that connects resolves the host once with `resolve_public` and connects to those checked addresses with a
`PinnedConnection`: checking a name and then letting the HTTP client resolve it again would let a DNS answer with
a short TTL swap in a private address in between.

Which addresses are public (`is_public_address`; docs/integrations.md, "Which addresses the server calls"):

    IPv4                               globally reachable (`is_global`: not 0/8, 10/8, 100.64/10, 127/8,
                                       169.254/16, 172.16/12, 192.168/16, 198.18/15, 240/4, ...) and not multicast
    ::ffff:0:0/96   IPv4-mapped        as public as the IPv4 it carries (a dual-stack socket connects to that IPv4)
    64:ff9b::/96    NAT64 well-known   as public as the IPv4 it carries (DNS64 answers on IPv6-only networks)
    2002::/16       6to4               the IPv4 it carries must be public, and the address global
    ISATAP          ...:0:5efe:a.b.c.d  likewise (interface ids 0000:5efe and 0200:5efe)
    ::/96           IPv4-compatible    refused whole (deprecated; holds :: and ::1)
    ::ffff:0:0:0/96 IPv4-translated    refused whole (obsolete)
    64:ff9b:1::/48  NAT64 local use    refused whole (not global; where the IPv4 sits depends on the operator)
    2001::/32       Teredo             refused whole (not global; a relay reaches the server and client IPv4s)
    other IPv6                         globally reachable (`is_global`) and not multicast

A host written as an address is read the way inet_aton and browsers read it (`ip_literal`: `2130706433`,
`0x7f.1`, `0177.0.0.1`, `127.1` are all 127.0.0.1) and judged without asking DNS.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
from ipaddress import IPv4Address, IPv6Address, IPv6Network
from urllib.parse import urlsplit

from shared.errors import ValidationError

IPAddress = IPv4Address | IPv6Address

# The IPv4 in the low 32 bits is where a connection goes: the address is as public as that IPv4.
_CARRIES_IPV4 = (IPv6Network("::ffff:0:0/96"), IPv6Network("64:ff9b::/96"))
_REFUSED_WHOLE = (
    IPv6Network("::/96"),
    IPv6Network("::ffff:0:0:0/96"),
    IPv6Network("64:ff9b:1::/48"),
    IPv6Network("2001::/32"),
)
_ISATAP_INTERFACE = 0x0000_5EFE  # the interface id's upper half, with its universal/local bit masked out
_LOW_32_BITS = 0xFFFF_FFFF
# One part of an IPv4 literal as inet_aton reads it: hexadecimal, octal (a leading 0) or decimal.
_IPV4_PART = re.compile(r"0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*", re.IGNORECASE)
_REFUSAL = "The URL points at a private, loopback or link-local address, which the server will not call."


def is_public_address(address: str | IPAddress) -> bool:
    """True when the server may call `address`: globally reachable, and so is any IPv4 it carries."""
    try:
        ip = ipaddress.ip_address(address.split("%", maxsplit=1)[0]) if isinstance(address, str) else address
    except ValueError:
        return False
    if isinstance(ip, IPv4Address):
        # is_global also excludes the shared address space (100.64.0.0/10, RFC 6598) that is_private misses.
        return ip.is_global and not ip.is_multicast
    ip = IPv6Address(int(ip))  # without a scope id (fe80::1%eth0)
    if any(ip in network for network in _REFUSED_WHOLE):
        return False
    if any(ip in network for network in _CARRIES_IPV4):
        return is_public_address(IPv4Address(int(ip) & _LOW_32_BITS))
    carried = _carried_ipv4(ip)
    if carried is not None and not is_public_address(carried):
        return False
    return ip.is_global and not ip.is_multicast


def _carried_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 a 6to4 or ISATAP address carries: a tunnel endpoint the packets are sent to."""
    if ip.sixtofour is not None:
        return ip.sixtofour
    if (int(ip) >> 32) & 0xFDFF_FFFF == _ISATAP_INTERFACE:
        return IPv4Address(int(ip) & _LOW_32_BITS)
    return None


def ip_literal(host: str) -> IPAddress | None:
    """The address `host` spells, in any form inet_aton accepts (`2130706433`, `0x7f.1`, `127.1`); None for a name."""
    if ":" in host:
        with contextlib.suppress(ValueError):
            return IPv6Address(host.split("%", maxsplit=1)[0])
        return None
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.fullmatch(part) for part in parts):
        return None
    *leading, last = [_ipv4_part(part) for part in parts]
    if any(number > 0xFF for number in leading) or last >= 1 << (8 * (5 - len(parts))):
        return None
    value = last
    for index, number in enumerate(leading):
        value |= number << (8 * (3 - index))
    return IPv4Address(value)


def _ipv4_part(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    return int(part, 8 if part.startswith("0") else 10)


def check_outbound_url(url: str, *, allow_private: bool = False, resolve: bool = True) -> str:
    """Refuse URLs that are not http(s), carry credentials, or name or resolve to an address that is not public.

    A host written as an address is judged even when `resolve` is False (no DNS is needed for it).
    """
    if len(url) > 2048:
        raise ValidationError("The URL is too long (2,048 characters at most).", code="invalid_url")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  # raises for a port that is not a number from 0 to 65535
    except ValueError:
        raise ValidationError("The URL is malformed (its host or port cannot be read).", code="invalid_url") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("The URL must start with https:// and name a host.", code="invalid_url")
    if parts.scheme == "http" and not allow_private:
        raise ValidationError("The URL must use https://.", code="invalid_url")
    if parts.username or parts.password:
        raise ValidationError("The URL may not contain a user name or password.", code="invalid_url")
    if allow_private:
        return url.strip()
    literal = ip_literal(parts.hostname)
    if literal is not None and not is_public_address(literal):
        raise ValidationError(_REFUSAL, code="invalid_url")
    if literal is not None or not resolve:
        return url.strip()
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(f"The host '{parts.hostname}' does not resolve.", code="invalid_url") from exc
    if not all(is_public_address(address) for address in addresses):
        raise ValidationError(_REFUSAL, code="invalid_url")
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
    """Every address of `host`, each checked: a name with one private address is refused whole.

    A host written as an address (in any form `ip_literal` reads) is that address, not a question for DNS.
    """
    literal = ip_literal(host)
    if literal is not None and not allow_private:
        if not is_public_address(literal):
            raise PrivateAddressError(host, str(literal))
        return [str(literal)]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHostError(host, str(exc)) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnresolvableHostError(host)
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
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
