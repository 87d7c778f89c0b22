"""A request id for every request, returned in ``X-Request-ID`` and on each of its log records,
and one log line per request: method, path, status, duration and, once known, the account.

A client's own ``X-Request-ID`` is kept when it is short and plain (letters, digits, ``.``,
``_``, ``-``, ``:``; at most 64), so it can be followed across services; anything else is
replaced. The path is logged without its query string.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from tasks_service.logs import RequestContext, current_request

HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
log = logging.getLogger("tasks_service.access")


def request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SAFE_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def access_log_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        method = scope["method"]
        context = RequestContext(request_id_from(scope))
        token = current_request.set(context)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[HEADER] = context.request_id
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            log.info(
                "%s %s %s",
                method,
                scope["path"],
                status,
                extra={
                    "method": method,
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            current_request.reset(token)

    return middleware
