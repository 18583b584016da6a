"""The outbound guard's address table (shared/net.py): every form of a private address is refused, public ones pass.

Pure: addresses are judged without DNS, and the one resolver test answers from a fake `getaddrinfo`.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from shared import net
from shared.errors import ValidationError

pytestmark = pytest.mark.unit

REFUSED = [
    # IPv4 that is not globally reachable
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback, the whole /8"),
    ("10.0.0.1", "private 10/8"),
    ("172.16.0.1", "private 172.16/12"),
    ("192.168.1.1", "private 192.168/16"),
    ("169.254.169.254", "link-local: the cloud's metadata service"),
    ("100.64.0.1", "shared address space (carrier-grade NAT)"),
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "this network, 0/8"),
    ("192.0.0.1", "IETF protocol assignments"),
    ("198.18.0.1", "benchmarking"),
    ("192.0.2.1", "documentation"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("224.0.0.1", "multicast"),
    # IPv6 that is not globally reachable
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local with a zone"),
    ("fd00:ec2::254", "unique local: the cloud's metadata service over IPv6"),
    ("fc00::1", "unique local"),
    ("2001:db8::1", "documentation"),
    ("ff02::1", "multicast, link scope"),
    ("ff0e::1", "multicast, global scope"),
    ("100::1", "discard-only"),
    # IPv4-mapped ::ffff:a.b.c.d
    ("::ffff:127.0.0.1", "mapped loopback"),
    ("::ffff:7f00:1", "mapped loopback, in hex"),
    ("::ffff:169.254.169.254", "mapped link-local"),
    ("::ffff:10.1.2.3", "mapped private"),
    ("::ffff:100.64.0.1", "mapped shared address space"),
    ("::ffff:0.0.0.0", "mapped unspecified"),
    # IPv4-translated ::ffff:0:a.b.c.d (refused whole)
    ("::ffff:0:7f00:1", "translated loopback"),
    ("::ffff:0:a9fe:a9fe", "translated link-local"),
    ("::ffff:0:808:808", "translated, even of a public IPv4: the form is obsolete"),
    # IPv4-compatible ::a.b.c.d (refused whole)
    ("::127.0.0.1", "compatible loopback"),
    ("::7f00:1", "compatible loopback, in hex"),
    ("::a9fe:a9fe", "compatible link-local"),
    ("::8.8.8.8", "compatible, even of a public IPv4: the form is deprecated"),
    # NAT64, well-known prefix 64:ff9b::/96
    ("64:ff9b::7f00:1", "NAT64 of loopback"),
    ("64:ff9b::a9fe:a9fe", "NAT64 of link-local"),
    ("64:ff9b::169.254.169.254", "NAT64 of link-local, dotted"),
    ("64:ff9b::c0a8:101", "NAT64 of 192.168.1.1"),
    ("64:ff9b::a00:1", "NAT64 of 10.0.0.1"),
    ("64:ff9b::6440:1", "NAT64 of 100.64.0.1"),
    ("64:ff9b::", "NAT64 of 0.0.0.0"),
    # NAT64, local-use prefix 64:ff9b:1::/48 (refused whole)
    ("64:ff9b:1::7f00:1", "local-use NAT64 of loopback"),
    ("64:ff9b:1:7f00:1::", "local-use NAT64, a /64 layout"),
    ("64:ff9b:1::808:808", "local-use NAT64 of a public IPv4: not globally reachable"),
    # 6to4 2002:AABB:CCDD::/48
    ("2002:7f00:1::1", "6to4 of loopback"),
    ("2002:a9fe:a9fe::1", "6to4 of link-local"),
    ("2002:a00:1::", "6to4 of 10.0.0.1"),
    ("2002:c0a8:101:1::1", "6to4 of 192.168.1.1"),
    ("2002:6440:1::1", "6to4 of 100.64.0.1"),
    ("2002::1", "6to4 of 0.0.0.0"),
    # Teredo 2001:0::/32: server IPv4, flags, port and the client IPv4 bit-inverted (refused whole)
    ("2001:0:7f00:1::1", "Teredo with a loopback server"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo with a loopback client (inverted 7f00:0001)"),
    ("2001:0:4136:e378:8000:63bf:5601:5601", "Teredo with a link-local client (inverted a9fe:a9fe)"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo with public server and client: not globally reachable"),
    # ISATAP interface ids ::0:5efe:a.b.c.d and ::200:5efe:a.b.c.d under a global prefix
    ("2606:4700::5efe:7f00:1", "ISATAP of loopback"),
    ("2606:4700::200:5efe:a9fe:a9fe", "ISATAP of link-local, universal bit set"),
    # not an address at all
    ("", "empty"),
    ("example.com", "a name"),
    ("1.2.3.4.5", "five parts"),
]

ALLOWED = [
    ("8.8.8.8", "public IPv4"),
    ("1.1.1.1", "public IPv4"),
    ("93.184.215.14", "public IPv4"),
    ("100.128.0.1", "just above the shared address space"),
    ("172.32.0.1", "just above 172.16/12"),
    ("2606:4700:4700::1111", "public IPv6"),
    ("2a00:1450:4007:80e::200e", "public IPv6"),
    # An embedded public IPv4 is where the packets go, and it is public: allowed.
    ("::ffff:8.8.8.8", "mapped public IPv4 (a dual-stack socket connects to 8.8.8.8)"),
    ("::ffff:808:808", "mapped public IPv4, in hex"),
    ("64:ff9b::808:808", "NAT64 of a public IPv4 (what DNS64 answers on an IPv6-only network)"),
    ("64:ff9b::8.8.8.8", "NAT64 of a public IPv4, dotted"),
    ("2002:808:808::1", "6to4 of a public IPv4"),
    ("2606:4700::200:5efe:808:808", "ISATAP of a public IPv4 under a global prefix"),
]


@pytest.mark.parametrize(("address", "why"), REFUSED, ids=[why for _, why in REFUSED])
def test_addresses_that_are_not_public_are_refused(address: str, why: str) -> None:
    assert not net.is_public_address(address), why


@pytest.mark.parametrize(("address", "why"), ALLOWED, ids=[why for _, why in ALLOWED])
def test_public_addresses_are_allowed(address: str, why: str) -> None:
    assert net.is_public_address(address), why


# The forms inet_aton (and so getaddrinfo and every HTTP client on it) reads as an IPv4 address.
LITERALS = [
    ("127.0.0.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("017700000001", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("0X7F000001", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),
    ("0177.1", "127.0.0.1"),
    ("0x7f.0x0.0x0.0x1", "127.0.0.1"),
    ("00000000177.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("127.0.1", "127.0.0.1"),
    ("127.0.0.1.", "127.0.0.1"),
    ("2852039166", "169.254.169.254"),
    ("0xa9fea9fe", "169.254.169.254"),
    ("0251.0376.0251.0376", "169.254.169.254"),
    ("169.254.43518", "169.254.169.254"),
    ("10.1", "10.0.0.1"),
    ("0", "0.0.0.0"),
    ("4294967295", "255.255.255.255"),
    ("134744072", "8.8.8.8"),
    ("::1", "::1"),
    ("::ffff:127.0.0.1", "::ffff:7f00:1"),
    ("fe80::1%eth0", "fe80::1"),
]
NAMES = ["example.com", "localhost", "1.2.3.256", "256.1", "4294967296", "08.1.1.1", "1..2", "1e3", "0x1g", "a:b:c"]


@pytest.mark.parametrize(("host", "address"), LITERALS)
def test_every_literal_form_of_an_address_is_read_as_that_address(host: str, address: str) -> None:
    assert str(net.ip_literal(host)) == address


@pytest.mark.parametrize("host", NAMES)
def test_a_name_is_not_an_address(host: str) -> None:
    assert net.ip_literal(host) is None


REFUSED_URLS = [
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0x7f.1/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://127.0.0.1./",
    "https://2852039166/latest/meta-data/",
    "https://0xa9.0xfe.0xa9.0xfe/",
    "https://10.1/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:0:7f00:1]/",
    "https://[::7f00:1]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[2002:a9fe:a9fe::1]/",
    "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    "https://[fe80::1%25eth0]/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
@pytest.mark.parametrize("resolve", [True, False])
def test_urls_that_name_a_private_address_are_refused_without_dns(url: str, resolve: bool) -> None:
    with pytest.raises(ValidationError, match="private, loopback or link-local") as refused:
        net.check_outbound_url(url, resolve=resolve)
    assert refused.value.code == "invalid_url"


@pytest.mark.parametrize(
    "url", ["https://8.8.8.8/hook", "https://134744072/hook", "https://[64:ff9b::808:808]/", "https://[2606:4700::1]/"]
)
def test_urls_that_name_a_public_address_pass(url: str) -> None:
    assert net.check_outbound_url(url) == url


def test_local_mode_may_call_private_addresses() -> None:
    assert net.check_outbound_url("http://127.1:9/hook", allow_private=True) == "http://127.1:9/hook"
    assert net.resolve_public("0x7f.1", 9, allow_private=True) == ["127.0.0.1"]


class FakeDNS:
    """getaddrinfo answering from a table, as a DNS server under someone else's control would."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in self.answers[host]
        ]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    fake = FakeDNS(
        {
            "nat64.example": ["64:ff9b::a9fe:a9fe"],
            "sixtofour.example": ["2002:7f00:1::1"],
            "mixed.example": ["8.8.8.8", "::ffff:10.0.0.1"],
            "public.example": ["93.184.215.14", "2606:4700:4700::1111", "64:ff9b::808:808"],
        }
    )
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("nat64.example", "64:ff9b::a9fe:a9fe"),
        ("sixtofour.example", "2002:7f00:1::1"),
        ("mixed.example", "::ffff:10.0.0.1"),
    ],
)
def test_a_name_with_one_embedded_private_address_is_refused_whole(dns: FakeDNS, host: str, address: str) -> None:
    with pytest.raises(net.PrivateAddressError) as refused:
        net.resolve_public(host, 443, allow_private=False)
    assert refused.value.address == address
    with pytest.raises(ValidationError, match="private"):
        net.check_outbound_url(f"https://{host}/hook")


def test_a_public_name_resolves_to_every_checked_address(dns: FakeDNS) -> None:
    addresses = net.resolve_public("public.example", 443, allow_private=False)
    assert addresses == ["93.184.215.14", "2606:4700:4700::1111", "64:ff9b::808:808"]


def test_an_address_literal_is_never_asked_of_dns(dns: FakeDNS) -> None:
    with pytest.raises(net.PrivateAddressError) as refused:
        net.resolve_public("2130706433", 443, allow_private=False)
    assert refused.value.address == "127.0.0.1"
    assert net.resolve_public("134744072", 443, allow_private=False) == ["8.8.8.8"]
    assert dns.asked == []
