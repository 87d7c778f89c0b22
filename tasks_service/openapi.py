"""The error answers in the OpenAPI schema, written once for every operation.

Litestar documents each handler's success and a generic 400. This service answers errors as
problem documents (``errors.py``), and which ones an operation can give follows from what it
takes: a token (401), an id in its path (404), any input (422), the database (503), a rate limit
(429, with ``Retry-After``). Handlers add what their rules can refuse with
``opt={"problems": (403, 409)}``, a second success status with ``opt={"no_content": True}`` (204),
and bodies in other media types than JSON with ``opt={"media_types": [...]}``. The fuzz test
(tests/security/test_fuzz.py) holds every answer to this schema.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.routes import HTTPRoute

from tasks_service.errors import PROBLEM_JSON

PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "status", "title", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "title": Schema(type=OpenAPIType.STRING),
        "detail": Schema(type=OpenAPIType.STRING, description="what is wrong, in words"),
    },
    description="RFC 9457 problem details; some carry more members (errors, retry_after)",
)
HEADERS = {
    401: {"WWW-Authenticate": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING))},
    429: {
        "Retry-After": OpenAPIHeader(
            schema=Schema(type=OpenAPIType.INTEGER), description="seconds to wait", required=True
        )
    },
}
REASONS = {
    400: "the body could not be read (broken JSON or multipart)",
    401: "no valid bearer token",
    403: "the caller may not do this",
    404: "no such object, or not one the caller may see",
    409: "the object's state does not allow it",
    413: "the upload is over UPLOAD_LIMIT",
    415: "the file's format cannot be read",
    422: "invalid input; the detail names the field or the rule",
    429: "a rate limit or the login throttle; Retry-After says when to come back",
    503: "the database is not answering; nothing was saved, try again",
}


def problem_response(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=REASONS.get(status, HTTPStatus(status).phrase),
        headers=dict(HEADERS.get(status, {})) or None,
        content={PROBLEM_JSON: OpenAPIMediaType(schema=PROBLEM)},
    )


def _statuses(route: HTTPRoute, handler: Any, operation: Operation) -> set[int]:
    parameters = handler.parsed_fn_signature.parameters
    statuses = set(handler.opt.get("problems", ()))
    if operation.parameters or operation.request_body:
        statuses |= {400, 422}
    if "account" in parameters:
        statuses.add(401)
    if route.path_parameters:
        statuses.add(404)
    if "db_session" in parameters:
        statuses.add(503)
    if "rate_limit" in handler.opt:
        statuses.add(429)
    return statuses


def document_problems(app: Litestar) -> OpenAPI:
    """Write every operation's error answers (and extra successes) into the app's schema."""
    schema = app.openapi_schema
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format not in (schema.paths or {}):
            continue
        item = schema.paths[route.path_format]  # type: ignore[index]
        for handler in route.route_handlers:
            for method in handler.http_methods:
                operation: Operation | None = getattr(item, method.lower(), None)
                if operation is None or operation.responses is None:
                    continue
                for status in _statuses(route, handler, operation):
                    operation.responses[str(status)] = problem_response(status)
                if handler.opt.get("no_content"):
                    operation.responses["204"] = OpenAPIResponse(description="nothing fits now")
                if media_types := handler.opt.get("media_types"):
                    success = operation.responses[str(handler.status_code)]
                    assert isinstance(success, OpenAPIResponse)
                    binary = Schema(type=OpenAPIType.STRING, format=None)
                    success.content = {t: OpenAPIMediaType(schema=binary) for t in media_types}
    return schema
