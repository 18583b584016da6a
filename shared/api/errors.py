"""The one place where exceptions become HTTP responses: JSON, with a message a person understands."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from shared.errors import StudioError
from shared.logs import logger


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_response(
    request: Request, status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JSONResponse:
    request_id = request_id_of(request)
    body = {"error": {"code": code, "message": message, **(details or {}), "requestId": request_id}}
    return JSONResponse(body, status_code=status, headers={"X-Request-Id": request_id or ""})


def _describe(error: dict) -> str:
    parts = list(error.get("loc", ()))
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]  # where it came from is clear from the name
    location = ".".join(str(part) for part in parts)
    kind = error.get("type", "")
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if kind == "missing":
        return f"'{location}' is required."
    message = str(error.get("msg", "is invalid"))
    return f"'{location}': {message}" if location else message


async def _studio_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StudioError)
    if exc.status >= 500:
        logger.error("request failed", extra={"code": exc.code, "reason": exc.message})
    # An error may carry more for the client (a version conflict: the current version), in `details`.
    response = error_response(request, exc.status, exc.code, exc.message, getattr(exc, "details", None))
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        message = f"There is no route {request.method} {request.url.path}."
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
    else:
        message = str(exc.detail) if exc.detail else HTTPStatus(status).phrase
    code = HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    return error_response(request, status, code, message)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_describe(error) for error in exc.errors()[:5]]
    return error_response(request, 400, "invalid_request", " ".join(problems) or "The request is not valid.")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return error_response(
        request, 500, "internal_error", "Something went wrong on our side. Quote the request id if you report it."
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(StudioError, _studio_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
