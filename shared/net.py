"""Guards for URLs the server will call (callbacks, company auto-detection): no private networks."""

from __future__ import annotations

import ipaddress
import socket
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
