"""Where the gateway forwards to: the upstream interface, and the Anthropic Messages API behind it.

An upstream says which routes it serves, rewrites a client request into the request it sends (target and
headers, with its own credential), and picks the meter for an answer. The server knows nothing more of it: each
job token's grant names its upstream, and Bedrock (runner/gateway/bedrock.py: a path per model, a SigV4 signature
over the body, event-stream answers) fits the same calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from runner.gateway.meter import JsonMeter, Meter, SseMeter

Headers = list[tuple[bytes, bytes]]

# Headers that describe one connection, not the message (RFC 9110 §7.6.1), and never cross the gateway.
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"te", b"trailer", b"transfer-encoding", b"upgrade"})
# Headers the gateway sets itself on the way out: framing, the upstream's host, its credential, and identity
# encoding so the answer can be metered as it passes.
_REPLACED = frozenset({b"host", b"content-length", b"x-api-key", b"authorization", b"accept-encoding", b"expect"})


@dataclass(frozen=True, slots=True)
class Origin:
    """Scheme, host and port of an upstream, and the path its API lives under."""

    scheme: str
    host: str
    port: int
    base_path: str = ""

    @classmethod
    def parse(cls, url: str) -> Origin:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"an upstream URL must be http(s)://host[:port][/path], not {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.scheme, parts.hostname, port, parts.path.rstrip("/"))

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    @property
    def host_header(self) -> bytes:
        default = 443 if self.tls else 80
        return (self.host if self.port == default else f"{self.host}:{self.port}").encode()

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host_header.decode()}"


@dataclass(frozen=True, slots=True)
class Route:
    name: str  # for logs: "messages", "count_tokens", "invoke", "invoke-stream"
    metered: bool
    model: str | None = None  # the model the path names (Bedrock), for pricing when the answer names none


@dataclass(frozen=True, slots=True)
class Request:
    """A complete client request, as the gateway read it."""

    method: str
    target: bytes  # path and query, as sent
    headers: Headers  # names lower-case
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split(b"?", 1)[0].decode("latin-1")


@dataclass(frozen=True, slots=True)
class Outgoing:
    target: bytes
    headers: Headers  # complete: host, content-length and credential included


class Upstream(Protocol):
    origin: Origin
    provider: str  # for logs and for telling a user where a failure happened: "anthropic", "bedrock"

    def route(self, method: str, path: str) -> Route | None:
        """The route a request is for, or None if this upstream does not serve it (a 404)."""

    async def prepare(self, request: Request) -> Outgoing:
        """The request to send upstream for `request`, with this upstream's credential.

        Awaited on the gateway's loop: work that may block (fetching a credential, hashing a large body) runs in a
        thread. Raises UpstreamError if the request cannot be sent at all.
        """

    def meter(self, route: Route, content_type: str) -> Meter | None:
        """How to read usage from a successful answer of this content type, or None to not meter it."""


class AnthropicUpstream:
    """The Anthropic Messages API (or anything that speaks it), with an API key or an OAuth bearer token."""

    provider = "anthropic"
    ROUTES = {
        ("POST", "/v1/messages"): Route("messages", metered=True),
        ("POST", "/v1/messages/count_tokens"): Route("count_tokens", metered=False),
    }

    def __init__(
        self, base_url: str = "https://api.anthropic.com", *, api_key: str | None = None, auth_token: str | None = None
    ) -> None:
        if bool(api_key) == bool(auth_token):
            raise ValueError("give the Anthropic upstream exactly one of api_key and auth_token")
        self.origin = Origin.parse(base_url)
        name, value = ("x-api-key", api_key) if api_key else ("authorization", f"Bearer {auth_token}")
        self._credential = (name.encode(), str(value).encode())

    def __repr__(self) -> str:  # never the credential
        return f"AnthropicUpstream({str(self.origin)!r}, {self._credential[0].decode()}=…)"

    def route(self, method: str, path: str) -> Route | None:
        return self.ROUTES.get((method, path))

    async def prepare(self, request: Request) -> Outgoing:
        headers = [
            (b"host", self.origin.host_header),
            *forwardable(request.headers),
            self._credential,
            (b"accept-encoding", b"identity"),
            (b"content-length", str(len(request.body)).encode()),
        ]
        return Outgoing(self.origin.base_path.encode() + request.target, headers)

    def meter(self, route: Route, content_type: str) -> Meter | None:
        if not route.metered:
            return None
        if content_type.startswith("text/event-stream"):
            return SseMeter()
        if content_type.startswith("application/json"):
            return JsonMeter()
        return None


def forwardable(headers: Headers) -> Headers:
    """A client's request headers without hop-by-hop ones and those the gateway replaces."""
    return [(name, value) for name, value in without_hop_by_hop(headers) if name not in _REPLACED]


def without_hop_by_hop(headers: Headers) -> Headers:
    """`headers` without hop-by-hop ones: the standard list, proxy-*, and any the Connection header names."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name == b"connection"
        for token in value.split(b",")
        if token.strip()
    }
    return [
        (name, value)
        for name, value in headers
        if name not in HOP_BY_HOP and name not in named and not name.startswith(b"proxy-")
    ]
