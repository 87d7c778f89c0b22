"""Typed domain errors, mapped once to RFC 9457 problem details.

Services raise these without knowing about HTTP; ``exception_handlers`` turns each (and
Litestar's own errors) into ``application/problem+json``, so no bad input becomes a 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DataError, DBAPIError, OperationalError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class DomainError(Exception):
    status_code: int = HTTP_422_UNPROCESSABLE_ENTITY
    title: str = "Invalid request"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}

    @property
    def headers(self) -> dict[str, str] | None:
        return None


class NotFound(DomainError):
    status_code = HTTP_404_NOT_FOUND
    title = "Not found"


class Conflict(DomainError):
    status_code = HTTP_409_CONFLICT
    title = "Conflict"


class Forbidden(DomainError):
    status_code = HTTP_403_FORBIDDEN
    title = "Forbidden"


class Unauthorized(DomainError):
    status_code = HTTP_401_UNAUTHORIZED
    title = "Unauthorized"


class Invalid(DomainError):
    status_code = HTTP_422_UNPROCESSABLE_ENTITY
    title = "Unprocessable content"


class UnsupportedMediaType(DomainError):
    status_code = HTTP_415_UNSUPPORTED_MEDIA_TYPE
    title = "Unsupported file format"


class TooLarge(DomainError):
    status_code = HTTP_413_REQUEST_ENTITY_TOO_LARGE
    title = "Upload too large"


class TooManyRequests(DomainError):
    """A rate limit or the login throttle refused the request; ``Retry-After`` says when to
    come back."""

    status_code = HTTP_429_TOO_MANY_REQUESTS
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, extra={"retry_after": retry_after})
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}


def problem(
    status: int,
    title: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title}
    body["detail"] = detail
    if extra:
        body.update(extra)
    if status == HTTP_401_UNAUTHORIZED:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _domain_handler(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    return problem(exc.status_code, exc.title, exc.detail, exc.extra, exc.headers)


def _validation_handler(
    _: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    errors = exc.extra if isinstance(exc.extra, list) else []
    reasons = [
        f"{e.get('key')}: {e.get('message')}" if e.get("key") else str(e.get("message"))
        for e in errors
        if isinstance(e, dict) and e.get("message")
    ]
    detail = "; ".join(reasons) or exc.detail
    extra = {"errors": exc.extra} if exc.extra else None
    return problem(HTTP_422_UNPROCESSABLE_ENTITY, "Unprocessable content", detail, extra)


def _http_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    return problem(exc.status_code, HTTPStatus(exc.status_code).phrase, exc.detail)


def _unstorable(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    return problem(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "Unprocessable content",
        "the request holds a value that cannot be stored: a NUL character in a text, "
        "or a number out of range",
    )


def _database_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    """Lost connections are the caller's cue to retry; nothing was committed."""
    if _is_data_error(exc):
        return _unstorable(request, exc)
    if _is_unavailable(exc):
        log.warning("database unavailable during %s %s", request.method, request.url.path)
        return problem(
            HTTP_503_SERVICE_UNAVAILABLE,
            "Service unavailable",
            "the database is not answering; nothing was saved, try again",
        )
    return _internal_handler(request, exc)


def _is_unavailable(exc: DBAPIError) -> bool:
    """The database could not be reached or dropped the connection, rather than refusing what
    was asked: no statement means connecting failed (for example a database not accepting
    connections); SQLSTATE classes 08, 53 and 57 are connection, resources and shutdown."""
    if isinstance(exc, OperationalError) or exc.connection_invalidated or exc.statement is None:
        return True
    if _caused_by(exc, "InternalClientError"):  # asyncpg: the connection is in a broken state
        return True
    return _sqlstate(exc)[:2] in ("08", "53", "57")


def _caused_by(exc: DBAPIError, name: str) -> bool:
    cause: BaseException | None = exc.orig
    while cause is not None:
        if type(cause).__name__ == name:
            return True
        cause = cause.__cause__
    return False


def _sqlstate(exc: DBAPIError) -> str:
    cause: BaseException | None = exc.orig
    while cause is not None:
        if state := str(getattr(cause, "sqlstate", "") or ""):
            return state
        cause = cause.__cause__
    return ""


def _is_data_error(exc: DBAPIError) -> bool:
    """The database refused a value (SQLSTATE class 22, or the driver's own DataError)."""
    if isinstance(exc, DataError):
        return True
    cause: BaseException | None = exc.orig
    while cause is not None:
        if type(cause).__name__ == "DataError" or str(getattr(cause, "sqlstate", "")).startswith(
            "22"
        ):
            return True
        cause = cause.__cause__
    return False


def _internal_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error", "an unexpected error occurred"
    )


exception_handlers: ExceptionHandlersMap = {
    DomainError: _domain_handler,
    ValidationException: _validation_handler,
    HTTPException: _http_handler,
    DBAPIError: _database_handler,
    OverflowError: _unstorable,  # SQLite's driver refuses integers beyond 64 bits
    Exception: _internal_handler,
}
