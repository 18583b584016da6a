"""The gateway's errors, and the Anthropic-shaped error bodies it answers with."""

from __future__ import annotations

import json


class GatewayError(Exception):
    """Base of the model gateway's errors; the message is written for a person and holds no secret."""


class UnknownTokenError(GatewayError):
    """A token that was never issued, or was revoked, was named to rebind."""


class TokenRefusedError(GatewayError):
    """A request came without a valid job token (missing, unknown, revoked or expired): a 401."""


class UpstreamError(GatewayError):
    """The model API could not be reached, or broke off its answer."""


class UpstreamCredentialsError(UpstreamError):
    """The gateway could not get the credential it signs upstream requests with (AWS's credential chain failed)."""


class RequestError(GatewayError):
    """The client's request cannot be served as sent (malformed: 400, too large: 413)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# `ModelGateway.upstream_status` for a token whose last failed request got no answer from the upstream (not
# reached, broken off before answering, or no credential to sign with): 0, as a browser reports a network error.
UPSTREAM_UNREACHABLE = 0
# The header on the gateway's 502 that tells a client the upstream gave no answer (an upstream's own 502 lacks it).
UNREACHABLE_HEADER = (b"x-studio-gateway-error", b"upstream-unreachable")

# The Anthropic API's error type for each status the gateway gives itself.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
}


def error_body(status: int, message: str) -> bytes:
    """`{"type":"error","error":{"type":…,"message":…}}`, the shape the CLI reads."""
    error = {"type": ERROR_TYPES.get(status, "api_error"), "message": message}
    return json.dumps({"type": "error", "error": error}).encode()
