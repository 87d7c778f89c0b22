"""Errors on web pages: friendly HTML with the same words the API would use, never JSON."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_403_FORBIDDEN
from litestar.types import ExceptionHandlersMap

from tasks_service.errors import DomainError
from tasks_service.errors import exception_handlers as api_handlers
from tasks_service.web.session import SignInRequired

Req = Request[Any, Any, Any]
# Paths served by the API and operations endpoints keep their problem+json errors.
API_PATHS = ("/api/", "/schema", "/health", "/ready", "/metrics")
CSRF_HELP = (
    "This form could not be checked (it may be from an old page, or cookies are off). "
    "Go back, reload the page and try again."
)


def error_page(status: int, detail: str) -> Template:
    return Template(
        template_name="error.html",
        context={"status": status, "title": HTTPStatus(status).phrase, "detail": detail},
        status_code=status,
    )


def _domain(_: Req, exc: DomainError) -> Template:
    return error_page(exc.status_code, exc.detail)


def _validation(_: Req, exc: ValidationException) -> Template:
    return error_page(400, "The address or the form had a value this page cannot use.")


def _http(_: Req, exc: HTTPException) -> Template:
    if exc.status_code == HTTP_403_FORBIDDEN and "CSRF" in str(exc.detail):
        return error_page(HTTP_403_FORBIDDEN, CSRF_HELP)
    if exc.status_code >= 500:
        return error_page(exc.status_code, "Something went wrong on our side.")
    return error_page(exc.status_code, exc.detail)


def _sign_in(_: Req, exc: SignInRequired) -> Redirect:
    return Redirect(path=exc.location, status_code=HTTP_303_SEE_OTHER)


web_exception_handlers: ExceptionHandlersMap = {
    SignInRequired: _sign_in,
    DomainError: _domain,
    ValidationException: _validation,
    HTTPException: _http,
}


def not_found(request: Req, exc: NotFoundException) -> Response[Any]:
    """An address no route serves: a page for people, problem details under the API."""
    if request.url.path.startswith(API_PATHS):
        return api_handlers[HTTPException](request, exc)
    return error_page(404, "There is no page at this address.")
