"""The system resolver reads address literals as shared/net.py's `ip_literal` does, so the guard judges the address
an HTTP client would connect to. Not `unit`: it calls the real getaddrinfo (on literals only, which need no DNS).
"""

from __future__ import annotations

import socket

import pytest

from shared import net

# Forms of 127.0.0.1 and 169.254.169.254 that glibc's inet_aton (under getaddrinfo, urllib3, http.client) accepts.
FORMS = [
    "2130706433",
    "017700000001",
    "0x7f000001",
    "0x7f.1",
    "0177.0.0.1",
    "0x7f.0x0.0x0.0x1",
    "127.1",
    "127.0.1",
    "2852039166",
    "0xa9.0xfe.0xa9.0xfe",
    "169.254.43518",
    "::ffff:127.0.0.1",
    "64:ff9b::a9fe:a9fe",
]


@pytest.mark.parametrize("host", FORMS)
def test_the_resolver_and_the_guard_agree_on_what_a_literal_means(host: str) -> None:
    # Given an address literal in one of its unusual forms
    literal = net.ip_literal(host)
    assert literal is not None
    # When the system resolver reads it
    resolved = {str(info[4][0]) for info in socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)}
    # Then it is the address the guard judged, and the guard refuses it
    assert {str(net.ip_literal(address)) for address in resolved} == {str(literal)}
    assert not any(net.is_public_address(address) for address in resolved)
