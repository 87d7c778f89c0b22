"""Who is calling: the bearer token resolved to an account, per request."""

from __future__ import annotations

from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.accounts import services
from tasks_service.db import models as m
from tasks_service.errors import Unauthorized
from tasks_service.logs import bind_account
from tasks_service.settings import Settings

TOKEN_ID = "token_id"  # noqa: S105 - a request-state key, not a secret


def bearer_token(request: Request[Any, Any, Any]) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "send 'Authorization: Bearer <token>'; get a token at /api/v1/auth/tokens"
        )
    return token.strip()


async def provide_account(
    request: Request[Any, Any, Any], db_session: AsyncSession, settings: Settings
) -> m.Account:
    token = bearer_token(request)
    account, token_id = await services.authenticate(db_session, settings, token)
    request.state[TOKEN_ID] = token_id
    bind_account(account.id)
    return account
