"""A fake OAuth 2.0 server on 127.0.0.1 (Microsoft's and Google's shape): authorization code with PKCE, refresh.

    GET  /authorize   redirects to redirect_uri with ?code&state, or ?error=access_denied&state while `deny` is set
    POST /token       authorization_code: the client's id and secret, a code used once, the same redirect_uri,
                      SHA-256(code_verifier) equal to the code_challenge; refresh_token: a live refresh token, which
                      is rotated (with `strict_rotation`, the old one is dead at once: a second use is invalid_grant)
    GET  /v1.0/me/drive   Microsoft Graph's "my drive" for an access token it issued (`Authorization: Bearer`):
                      {"id": DRIVE_ID, "driveType": "personal"}; another token is 401 InvalidAuthenticationToken

Switches: `deny`, `revoked` (every refresh token refused: invalid_grant), `fail_status` (answer /token with it),
`fail_drive` (answer /v1.0/me/drive with it, in Graph's error shape), `expires_in` (lifetime of the access tokens it
issues), `hold_refreshes(n)` (keep refresh requests waiting until n have arrived, to race them). Every request is
recorded in `requests`.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

CLIENT_ID = "fake-client-id-0001"
CLIENT_SECRET = "fake-client-secret-very-private-9f3c"  # a test fixture's secret
DRIVE_ID = "b!fake-personal-drive-0001"
GRAPH_PATH = "/v1.0"  # a provider's apiUrl is the fake's url + this


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    method: str
    scope: str


@dataclass
class FakeOAuth:
    deny: bool = False
    revoked: bool = False
    strict_rotation: bool = False
    fail_status: int | None = None
    fail_drive: int | None = None
    expires_in: int = 3600
    requests: list[Recorded] = field(default_factory=list)
    issued: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._refresh: set[str] = set()
        self._counter = itertools.count(1)
        self._gate: threading.Barrier | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query))
                fake._record("GET", parts.path, params)
                if parts.path == f"{GRAPH_PATH}/me/drive":
                    return self._json(*fake._my_drive(self.headers.get("Authorization") or ""))
                if parts.path != "/authorize":
                    return self._json(404, {"error": "not_found"})
                return self._redirect(fake._authorize(params))

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                params = dict(parse_qsl(raw))
                fake._record("POST", self.path, params)
                if self.path != "/token":
                    return self._json(404, {"error": "not_found"})
                status, body = fake._token(params)
                return self._json(status, body)

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def hold_refreshes(self, count: int) -> None:
        """Keep refresh requests waiting until `count` of them are in (then answer them one by one)."""
        self._gate = threading.Barrier(count, timeout=10)

    def token_requests(self, grant: str | None = None) -> list[dict[str, str]]:
        with self._lock:
            return [
                r.params
                for r in self.requests
                if r.path == "/token" and (grant is None or r.params.get("grant_type") == grant)
            ]

    def drive_requests(self) -> list[Recorded]:
        """The requests for Graph's /me/drive."""
        with self._lock:
            return [r for r in self.requests if r.path == f"{GRAPH_PATH}/me/drive"]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.issued.clear()
            self._codes.clear()
            self._refresh.clear()
        self.deny = self.revoked = self.strict_rotation = False
        self.fail_status, self.fail_drive, self.expires_in, self._gate = None, None, 3600, None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _record(self, method: str, path: str, params: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(Recorded(method, path, params))

    def _authorize(self, params: dict[str, str]) -> str:
        redirect_uri, state = params.get("redirect_uri", ""), params.get("state", "")
        if self.deny:
            answer = {"error": "access_denied", "error_description": "The user declined.", "state": state}
            return f"{redirect_uri}?{urlencode(answer)}"
        code = f"code-{secrets.token_urlsafe(12)}"
        with self._lock:
            self._codes[code] = _Code(
                params.get("client_id", ""),
                redirect_uri,
                params.get("code_challenge", ""),
                params.get("code_challenge_method", ""),
                params.get("scope", ""),
            )
        return f"{redirect_uri}?{urlencode({'code': code, 'state': state})}"

    def _token(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.fail_status:
            return self.fail_status, {"error": "temporarily_unavailable"}
        if (params.get("client_id"), params.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client"}
        if params.get("grant_type") == "authorization_code":
            return self._exchange(params)
        if params.get("grant_type") == "refresh_token":
            gate = self._gate
            if gate is not None:
                gate.wait()
            return self._renew(params.get("refresh_token", ""))
        return 400, {"error": "unsupported_grant_type"}

    def _my_drive(self, authorization: str) -> tuple[int, dict[str, Any]]:
        if self.fail_drive:
            code = "serviceNotAvailable" if self.fail_drive >= 500 else "accessDenied"
            return self.fail_drive, {"error": {"code": code, "message": "The drive cannot be read."}}
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            known = any(token == issued["access_token"] for issued in self.issued)
        if scheme != "Bearer" or not known:
            return 401, {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is invalid."}}
        return 200, {"id": DRIVE_ID, "driveType": "personal", "name": "OneDrive", "owner": {"user": {"id": "u1"}}}

    def _exchange(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            grant = self._codes.pop(params.get("code", ""), None)  # a code is used once
        if grant is None or grant.redirect_uri != params.get("redirect_uri") or grant.method != "S256":
            return 400, {"error": "invalid_grant"}
        digest = hashlib.sha256(params.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, self._issue()

    def _renew(self, refresh_token: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if self.revoked or refresh_token not in self._refresh:
                return 400, {"error": "invalid_grant", "error_description": "The refresh token is not valid."}
            if self.strict_rotation:
                self._refresh.discard(refresh_token)
        return 200, self._issue()

    def _issue(self) -> dict[str, Any]:
        number = next(self._counter)
        tokens = {
            "access_token": f"at-{number}-{secrets.token_urlsafe(16)}",
            "refresh_token": f"rt-{number}-{secrets.token_urlsafe(16)}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": "Files.ReadWrite.All",
        }
        with self._lock:
            self._refresh.add(tokens["refresh_token"])
            self.issued.append(tokens)
        return tokens
