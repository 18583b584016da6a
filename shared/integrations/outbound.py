"""One POST to a URL the server must not trust: re-resolved, refused if private, pinned, never redirected.

The host is resolved here and every address it resolves to is checked; the connection goes to a checked address
(shared.net: resolve_public, PinnedConnection).
"""

from __future__ import annotations

import http.client
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
    try:
        addresses = net.resolve_public(host, port, allow_private=allow_private)
    except net.UnresolvableHostError as exc:
        reason = f" ({exc.reason})" if exc.reason else ""
        raise OutboundNetworkError(f"The host '{host}' does not resolve{reason}.") from exc
    except net.PrivateAddressError as exc:
        raise OutboundRefusedError(
            f"The host '{host}' resolves to {exc.address}, which the server will not call."
        ) from exc
    connection = net.PinnedConnection(parts.scheme, host, port, addresses=addresses, timeout=CONNECT_TIMEOUT_SECONDS)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    watchdog = threading.Timer(TOTAL_TIMEOUT_SECONDS, net.cut, args=(connection,))
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
