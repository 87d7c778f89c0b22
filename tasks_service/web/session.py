"""Who is looking at a page: a session cookie holding a token from the accounts service.

The cookie carries the same kind of token ``POST /api/v1/auth/tokens`` gives out, so a
session is revoked, expires and is stored (as a keyed digest) exactly like an API token.
It is ``HttpOnly`` and ``SameSite=Lax``, and ``Secure`` when the request came over HTTPS:
the connection's own scheme, or ``X-Forwarded-Proto`` when ``TRUST_PROXY_HEADERS`` is set.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.accounts import services
from tasks_service.accounts.deps import TOKEN_ID
from tasks_service.db import models as m
from tasks_service.errors import Unauthorized
from tasks_service.settings import Settings

SESSION_COOKIE = "ts_session"


class SignInRequired(Exception):
    """Raised by pages that need a signed-in person; answered with a redirect to sign in."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path

    @property
    def location(self) -> str:
        return "/signin?next=" + quote(self.path, safe="/")


async def provide_viewer(
    request: Request[Any, Any, Any], db_session: AsyncSession, settings: Settings
) -> m.Account | None:
    """The signed-in account, or None; an expired or revoked cookie counts as signed out."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        account, token_id = await services.authenticate(db_session, settings, token)
    except Unauthorized:
        return None
    request.state[TOKEN_ID] = token_id
    return account


def signed_in(request: Request[Any, Any, Any], viewer: m.Account | None) -> m.Account:
    if viewer is None:
        raise SignInRequired(request.url.path)
    return viewer


def is_https(request: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> bool:
    if request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return settings.trust_proxy_headers and forwarded == "https"


def session_cookie(
    request: Request[Any, Any, Any], settings: Settings, token: str | None
) -> Cookie:
    """The cookie that starts a session (with ``token``) or ends it (``None``)."""
    return Cookie(
        key=SESSION_COOKIE,
        value=token or "",
        max_age=settings.token_ttl_seconds if token else 0,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, settings),
    )


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
