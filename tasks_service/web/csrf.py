"""CSRF protection whose cookie is ``Secure`` exactly when the session cookie is.

Litestar's CSRF middleware takes ``cookie_secure`` once, from its config; this wrapper holds one
middleware per answer and picks, for each request, the one that matches how it came in (HTTPS,
or ``X-Forwarded-Proto: https`` when ``TRUST_PROXY_HEADERS`` is set), as ``session_cookie`` does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from tasks_service.settings import Settings
from tasks_service.web.session import is_https


class TlsAwareCSRFMiddleware:
    def __init__(self, app: ASGIApp, config: CSRFConfig, settings: Settings) -> None:
        self.settings = settings
        self.plain = CSRFMiddleware(app, replace(config, cookie_secure=False))
        self.secure = CSRFMiddleware(app, replace(config, cookie_secure=True))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = ASGIConnection[Any, Any, Any, Any](scope)
        if scope["type"] == ScopeType.HTTP and is_https(connection, self.settings):
            await self.secure(scope, receive, send)
        else:
            await self.plain(scope, receive, send)
