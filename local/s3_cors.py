"""Cross-origin requests to S3 answered from the bucket's CORS rules, as S3 evaluates them.

moto's server wraps every service in flask_cors (any origin allowed, on every response) and its own S3
preflight ignores the requested method and headers. S3 instead uses the first rule that matches the origin,
the method and (for a preflight) every requested header:

    OPTIONS ── no Origin / no Access-Control-Request-Method ── 400
      ├─ no such bucket, or no CORS configuration ──────────── 403
      ├─ no rule matches ──────────────────────────────────── 403 AccessForbidden
      └─ 200 with the rule's Access-Control-Allow-* headers
    GET/PUT/POST/… with Origin: the matching rule's headers on the response (error responses too), or none
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from local.s3_post import S3Error

Response = tuple[str, list[tuple[str, str]], bytes]
_VARY = ("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")


@dataclass(frozen=True)
class CorsRule:
    origins: tuple[str, ...]
    methods: tuple[str, ...]
    headers: tuple[str, ...] = ()
    expose: tuple[str, ...] = ()
    max_age: int | None = None

    def allows(self, origin: str, method: str, request_headers: Iterable[str] = ()) -> bool:
        return (
            any(_matches(pattern, origin) for pattern in self.origins)
            and method in self.methods
            and all(any(_matches(p.lower(), h.lower()) for p in self.headers) for h in request_headers)
        )

    def response_headers(self, origin: str) -> list[tuple[str, str]]:
        """The Access-Control-* headers S3 sends for a request this rule allows."""
        any_origin = "*" in self.origins
        headers = [
            ("Access-Control-Allow-Origin", "*" if any_origin else origin),
            ("Access-Control-Allow-Methods", ", ".join(self.methods)),
        ]
        if self.expose:
            headers.append(("Access-Control-Expose-Headers", ", ".join(self.expose)))
        if self.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(self.max_age)))
        if not any_origin:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return [*headers, _VARY]


def _matches(pattern: str, value: str) -> bool:
    """S3's matching: exact, except that a `*` stands for any run of characters."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), value) is not None


def preflight(rules: Sequence[CorsRule] | None, environ: dict[str, Any], *, resource: str) -> Response:
    """The answer to an OPTIONS request; `rules` is None when the bucket does not exist."""
    origin = environ.get("HTTP_ORIGIN")
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
    if not origin:
        return S3Error(400, "BadRequest", "Insufficient information. Origin request header needed.").response()
    if not method:
        return S3Error(400, "BadRequest", "Invalid Access-Control-Request-Method: null").response()
    if not rules:
        reason = "CORS is not enabled for this bucket." if rules is not None else "Bucket not found"
        return S3Error(403, "AccessForbidden", f"CORSResponse: {reason}").response()
    requested = [h.strip() for h in environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",") if h.strip()]
    rule = next((rule for rule in rules if rule.allows(origin, method, requested)), None)
    if rule is None:
        message = (
            "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
            "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
            "whitelisted by the resource's CORS spec."
        )
        details = {"Method": method, "ResourceType": resource}
        return S3Error(403, "AccessForbidden", message, details).response()
    headers = rule.response_headers(origin)
    if requested:
        headers.insert(2, ("Access-Control-Allow-Headers", ", ".join(h.lower() for h in requested)))
    return "200 OK", [*headers, ("Content-Length", "0")], b""


def with_cors(
    headers: list[tuple[str, str]], rules: Sequence[CorsRule] | None, origin: str, method: str
) -> list[tuple[str, str]]:
    """A response's headers with the CORS headers of the first rule allowing `origin` and `method` (and no others)."""
    kept = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
    kept = [(name, value) for name, value in kept if name.lower() != "vary"]  # flask_cors's, not S3's
    rule = next((rule for rule in rules or () if rule.allows(origin, method)), None)
    return kept + rule.response_headers(origin) if rule else kept


def moto_rules(bucket: str) -> list[CorsRule] | None:
    """The bucket's CORS rules from moto's in-process S3 backend; None when there is no such bucket."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    found = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets.get(bucket)
    if found is None:
        return None
    return [
        CorsRule(
            origins=tuple(rule.allowed_origins or ()),
            methods=tuple(rule.allowed_methods or ()),
            headers=tuple(rule.allowed_headers or ()),
            expose=tuple(rule.exposed_headers or ()),
            max_age=int(rule.max_age_seconds) if rule.max_age_seconds is not None else None,
        )
        for rule in found.cors
    ]
