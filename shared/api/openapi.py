"""The OpenAPI document tells the truth about failures: every operation lists the error answers it can give.

Every failure is answered in one place (shared.api.errors) with one envelope, `{"error": {"code", "message",
"requestId", ...}}`, whatever the route; so the document lists the same error statuses on every operation, with
that envelope's schema, instead of FastAPI's 422 "Validation Error" (a request that is not valid is a 400 here).
A status only some routes answer (a 502 when a third party did not) is theirs to declare, with `error_answer`;
a status a route declares itself keeps the route's description.

A 500 is never documented: it is a bug (tests/e2e/test_api_fuzz.py fails on any).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    StudioError,
    ValidationError,
)

# The product's error statuses, as every route may answer them (API Gateway adds 403, 413, 429 and 503 of its own).
ERROR_STATUSES: dict[type[StudioError], str] = {
    ValidationError: "The request is not valid: a parameter, a field or the body (the message says which)",
    AuthenticationError: "No credentials, or credentials that are not (or no longer) valid",
    PermissionDeniedError: "Not allowed: an administrator's, a session's or a broader key's to do",
    NotFoundError: "There is no such thing, or it is not yours to see",
    ConflictError: "The request conflicts with the current state (a name taken, a newer version, work in progress)",
    PayloadTooLargeError: "The request (or what it would store) is too large",
    RateLimitedError: "Too many attempts: wait the Retry-After seconds",
    ServiceUnavailableError: "A dependency did not answer in time, or is not configured: try again later",
}
ERROR_SCHEMA = "ErrorAnswer"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_FASTAPI_VALIDATION = "#/components/schemas/HTTPValidationError"


class ErrorInfo(BaseModel):
    """What went wrong; some errors add fields of their own (a conflict's current version, a limit's name)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Stable and machine-readable: not_found, invalid_request, rate_limited, ...")
    message: str = Field(description="What went wrong, written for a person")
    request_id: str | None = Field(alias="requestId", description="Quote it when you report a problem")


class ErrorAnswer(BaseModel):
    """Every error answer of the API."""

    error: ErrorInfo


def error_answer(description: str) -> dict[str, Any]:
    """A status only some routes answer, documented with the error envelope: `responses={502: error_answer(...)}`."""
    return {"model": ErrorAnswer, "description": description}


def install(app: FastAPI) -> None:
    """Serve the app's document with the error answers on every operation (built once, on first request)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the document


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Add the error answers to every operation of `document` (in place) and drop FastAPI's unused 422 schemas."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    definition = ErrorAnswer.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    schemas.update(definition.pop("$defs", {}))
    schemas[ERROR_SCHEMA] = definition
    answer = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}}
    for path_item in document.get("paths", {}).values():
        for operation in (path_item[method] for method in _METHODS if method in path_item):
            responses = operation.setdefault("responses", {})
            if _is_fastapi_validation_error(responses.get("422")):
                del responses["422"]
            for error, description in ERROR_STATUSES.items():
                responses.setdefault(str(error.status), {"description": description, "content": answer})
    if "HTTPValidationError" in schemas and _FASTAPI_VALIDATION not in json.dumps(document.get("paths")):
        del schemas["HTTPValidationError"]
        if "loc" in schemas.get("ValidationError", {}).get("properties", {}):  # FastAPI's, which only it used
            del schemas["ValidationError"]
    return document


def _is_fastapi_validation_error(response: dict[str, Any] | None) -> bool:
    schema = ((response or {}).get("content") or {}).get("application/json", {}).get("schema") or {}
    return schema.get("$ref") == _FASTAPI_VALIDATION
