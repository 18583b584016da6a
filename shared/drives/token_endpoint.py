"""Calls to a drive's OAuth and API endpoints: the address re-resolved and checked, pinned, bounded, never redirected.

Two calls go out from the server: the form POST to a token endpoint (the code exchange, a refresh) and, after a
OneDrive sign-in, a GET of Microsoft Graph with the new access token (`graph.py`). The URLs are Microsoft's or
Google's, or ones an admin configured; either way the server resolves them here, refuses private addresses (outside
local mode), connects to the address it checked (shared.net), gives the whole call 20 seconds and reads at most
64 KB of the answer.
"""

from __future__ import annotations

import http.client
import json
import re
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
    """An endpoint's JSON answer: a success, or a refusal with its error code."""

    status: int
    body: dict[str, Any]

    @property
    def error(self) -> str | None:
        """A refusal's error code (OAuth's invalid_grant, Graph's InvalidAuthenticationToken); None for a success."""
        if 200 <= self.status < 300 and "error" not in self.body:
            return None
        error = self.body.get("error")
        if isinstance(error, dict):  # Graph: {"error": {"code": ..., "message": ...}}
            error = error.get("code")
        code = re.sub(r"[^A-Za-z0-9_.-]", "", str(error or ""))[:60]
        return code or f"http_{self.status}"


def post_form(url: str, form: dict[str, str]) -> TokenAnswer:
    """POST `form` to `url` once; an HTTP answer (even a refusal) is returned, anything else raised."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    return _request("POST", url, body=urlencode(form).encode(), headers=headers, what="token endpoint")


def get_json(url: str, bearer_token: str) -> TokenAnswer:
    """GET `url` once with `Authorization: Bearer <token>`; an HTTP answer is returned, anything else raised."""
    headers = {"Authorization": f"Bearer {bearer_token}", "Accept": "application/json"}
    return _request("GET", url, body=None, headers=headers, what="drive's API")


def _request(method: str, url: str, *, body: bytes | None, headers: dict[str, str], what: str) -> TokenAnswer:
    """One request to a checked, pinned address; a redirect is an answer like any other (never followed)."""
    allow_private = get_settings().is_local
    try:
        parts = urlsplit(net.check_outbound_url(url, allow_private=allow_private, resolve=False))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = net.resolve_public(str(parts.hostname), port, allow_private=allow_private)
    except (ValidationError, ValueError, net.UnresolvableHostError, net.PrivateAddressError) as exc:
        raise TokenEndpointError(f"The {what} cannot be called ({exc}).") from exc
    connection = net.PinnedConnection(
        parts.scheme, str(parts.hostname), port, addresses=addresses, timeout=CONNECT_TIMEOUT_SECONDS
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    watchdog = threading.Timer(TOTAL_TIMEOUT_SECONDS, net.cut, args=(connection,))
    watchdog.start()
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        status, raw = response.status, response.read(MAX_ANSWER_BYTES + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise TokenEndpointError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    finally:
        watchdog.cancel()
        connection.close()
    if len(raw) > MAX_ANSWER_BYTES:
        raise TokenEndpointError(f"The {what}'s answer is larger than 64 KB.")
    if status >= 500 or status == 429:
        raise TokenEndpointError(f"The {what} answered HTTP {status}.")
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise TokenEndpointError(f"The {what} answered HTTP {status} without a JSON object.")
    return TokenAnswer(status, answer)
