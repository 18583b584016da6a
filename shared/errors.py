"""Domain errors. Each carries the HTTP status and a code; they are mapped to responses in one place."""

from __future__ import annotations


class StudioError(Exception):
    """Base of every error the product raises on purpose; its message is written for a person."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class ValidationError(StudioError):
    status = 400
    code = "invalid_request"


class AuthenticationError(StudioError):
    status = 401
    code = "unauthenticated"


class PermissionDeniedError(StudioError):
    status = 403
    code = "forbidden"


class NotFoundError(StudioError):
    status = 404
    code = "not_found"


class ConflictError(StudioError):
    status = 409
    code = "conflict"


class PayloadTooLargeError(StudioError):
    status = 413
    code = "payload_too_large"


class RateLimitedError(StudioError):
    status = 429
    code = "rate_limited"


class ServiceUnavailableError(StudioError):
    status = 503
    code = "unavailable"
