"""One form POST to an OAuth token endpoint: the address re-resolved and checked, pinned, bounded, never redirected.

The token URL is Microsoft's or Google's, or one an admin configured; either way the server resolves it here,
refuses private addresses (outside local mode), connects to the address it checked (shared.net), gives the whole
exchange 20 seconds and reads at most 64 KB of the answer.
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from shared import net
from shared.errors import ValidationError
from shared.settings import get_settings

CONNECT_TIMEOUT_SECONDS = 10.0
TOTAL_TIMEOUT_SECONDS = 20.0
MAX_ANSWER_BYTES = 64 * 1024


class TokenEndpointError(Exception):
    """No usable answer: the endpoint could not be reached, was too slow, or answered something unreadable."""


@dataclass(frozen=True, slots=True)
class TokenAnswer:
    status: int
    body: dict[str, Any]

    @property
    def error(self) -> str | None:
        """The OAuth error code of a refusal (invalid_grant, invalid_client, ...); None for a success."""
        if 200 <= self.status < 300 and "error" not in self.body:
            return None
        return str(self.body.get("error") or f"http_{self.status}")


def post_form(url: str, form: dict[str, str]) -> TokenAnswer:
    """POST `form` to `url` once; an HTTP answer (even a refusal) is returned, anything else raised."""
    allow_private = get_settings().is_local
    try:
        parts = urlsplit(net.check_outbound_url(url, allow_private=allow_private, resolve=False))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = net.resolve_public(str(parts.hostname), port, allow_private=allow_private)
    except (ValidationError, ValueError, net.UnresolvableHostError, net.PrivateAddressError) as exc:
        raise TokenEndpointError(f"The token URL cannot be called ({exc}).") from exc
    connection = net.PinnedConnection(
        parts.scheme, str(parts.hostname), port, addresses=addresses, timeout=CONNECT_TIMEOUT_SECONDS
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    watchdog = threading.Timer(TOTAL_TIMEOUT_SECONDS, net.cut, args=(connection,))
    watchdog.start()
    try:
        connection.request("POST", target, body=urlencode(form).encode(), headers=headers)
        response = connection.getresponse()
        status, raw = response.status, response.read(MAX_ANSWER_BYTES + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise TokenEndpointError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    finally:
        watchdog.cancel()
        connection.close()
    if len(raw) > MAX_ANSWER_BYTES:
        raise TokenEndpointError("The token endpoint's answer is larger than 64 KB.")
    if status >= 500 or status == 429:
        raise TokenEndpointError(f"The token endpoint answered HTTP {status}.")
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TokenEndpointError(f"The token endpoint answered HTTP {status} without a JSON object.")
    return TokenAnswer(status, body)
