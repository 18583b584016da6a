"""The local stack's CORS answers for the workspace bucket, evaluated from its rules as S3 does."""

from __future__ import annotations

from typing import Any

import pytest

from local.s3_cors import CorsRule, preflight, with_cors

pytestmark = pytest.mark.unit

SPA = "http://127.0.0.1:8080"
RULES = [
    CorsRule(
        origins=(SPA, "http://localhost:8080"),
        methods=("GET", "POST", "PUT", "HEAD"),
        headers=("*",),
        expose=("ETag",),
        max_age=3000,
    )
]


def options(origin: str | None, method: str | None = "POST", headers: str | None = None) -> dict[str, Any]:
    environ = {"REQUEST_METHOD": "OPTIONS", "PATH_INFO": "/studio-workspace"}
    for name, value in (
        ("HTTP_ORIGIN", origin),
        ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", method),
        ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", headers),
    ):
        if value is not None:
            environ[name] = value
    return environ


def test_a_preflight_from_the_spa_is_allowed_with_the_rules_headers() -> None:
    status, headers, body = preflight(RULES, options(SPA, headers="Content-Type, X-Requested-With"), resource="BUCKET")

    allowed = dict(headers)
    assert status == "200 OK"
    assert body == b""
    assert allowed["Access-Control-Allow-Origin"] == SPA
    assert allowed["Access-Control-Allow-Methods"] == "GET, POST, PUT, HEAD"
    assert allowed["Access-Control-Allow-Headers"] == "content-type, x-requested-with"
    assert allowed["Access-Control-Expose-Headers"] == "ETag"
    assert allowed["Access-Control-Max-Age"] == "3000"


def test_a_preflight_from_another_origin_or_for_another_method_is_forbidden() -> None:
    for environ in (options("http://evil.example"), options(SPA, method="DELETE")):
        status, headers, body = preflight(RULES, environ, resource="BUCKET")

        assert status == "403 Forbidden"
        assert b"<Code>AccessForbidden</Code>" in body
        assert not any(name.startswith("Access-Control-") for name, _ in headers)


def test_a_preflight_to_a_bucket_without_cors_or_without_origin_is_refused() -> None:
    assert preflight([], options(SPA), resource="BUCKET")[0] == "403 Forbidden"
    assert preflight(None, options(SPA), resource="BUCKET")[0] == "403 Forbidden"
    assert preflight(RULES, options(None), resource="BUCKET")[0] == "400 Bad Request"
    assert preflight(RULES, options(SPA, method=None), resource="BUCKET")[0] == "400 Bad Request"


def test_wildcards_match_like_s3() -> None:
    rule = CorsRule(origins=("https://*.example.com",), methods=("GET",), headers=("x-amz-*",))

    assert rule.allows("https://app.example.com", "GET", ["X-Amz-Date"])
    assert not rule.allows("https://example.org", "GET")
    assert not rule.allows("https://app.example.com", "GET", ["content-type"])


def test_responses_carry_the_matching_rules_headers_and_nothing_from_moto() -> None:
    moto_headers = [("Content-Length", "0"), ("Access-Control-Allow-Origin", "*"), ("Vary", "Origin")]

    allowed = dict(with_cors(moto_headers, RULES, SPA, "POST"))
    refused = dict(with_cors(moto_headers, RULES, "http://evil.example", "POST"))

    assert allowed["Access-Control-Allow-Origin"] == SPA
    assert allowed["Access-Control-Expose-Headers"] == "ETag"
    assert refused == {"Content-Length": "0"}
